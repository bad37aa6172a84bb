"""一数一源 (one number everywhere): every published indicator compared, cell by cell, wherever it is published.

The indicators and where each is published come from one file, the warehouse's indicator definitions
(warehouse/seeds/indicators/indicator_definitions.csv, also the 口径 served to the cube and the dashboards).
For every indicator and every month × district cell, and the Beijing row (110000):

- the report mart's column against the cube's measure (the cube's own planner and SQL, drilled by month × district,
  and by month alone for Beijing);
- the mart against the Superset dataset's metric (the metric's SQL expression over the dataset's table, district
  rows only, as the charts read it; Beijing = the metric over all districts of the month);
- the mart against the provider's 数据核对表 where one exists (districts and, summed, Beijing).

`python -m reconcile [--schema marts] [--month YYYYMM]` writes the differences to audit.reconciliation (one run per
call) and exits 1 when there are any; pipeline.build runs it after every dbt build and the quality report lists them.
"""
