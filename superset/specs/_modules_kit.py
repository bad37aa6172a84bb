"""Small helpers for the module dashboards (specs 1NN_*): a chart's 口径 text, extra native filters (险种, 性别 …),
a Markdown row (links, notes) and fixed adhoc filters — on top of bundle_kit, without changing it.

Not a spec itself (the name does not start with a digit); the specs import it after putting this folder on sys.path.
"""
from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path

from bundle_kit import BEIJING_ROW_TABLES, DISTRICT_ROWS_ONLY, Chart, Dash

PORTAL_URL = "http://127.0.0.1:8090"   # the portal's default address (make portal; PORTAL_PORT changes it)


class CaliberChart(Chart):
    """A chart whose description is its 口径 when no indicator of the catalogue covers it."""

    caliber: str | None = None

    def yaml(self) -> dict:
        out = super().yaml()
        if self.caliber and not out.get("description"):
            out["description"] = "口径：" + self.caliber
        elif self.caliber:
            out["description"] = f"{out['description']} {self.caliber}"
        return out


def cal(chart: Chart, text: str) -> Chart:
    """Attach the 口径 text to a chart made by a bundle_kit builder."""
    chart.__class__ = CaliberChart
    chart.caliber = text
    return chart


def where(chart: Chart, column: str, op: str, value) -> Chart:
    """A fixed adhoc filter on the chart (e.g. rule_module == '稽核')."""
    f = {"clause": "WHERE", "subject": column, "operator": op, "comparator": value, "expressionType": "SIMPLE"}
    chart.params["adhoc_filters"] = [*(chart.params.get("adhoc_filters") or []), f]
    return chart


_SHARED: dict = {}


def once(factory):
    """A dataset factory whose DS object is made once per run, whichever spec module asks for it (bundle_gen loads
    each module on its own; a dataset two dashboards share must be one object so that its columns are loaded once)."""
    def made():
        if factory.__name__ not in _SHARED:
            _SHARED[factory.__name__] = factory()
        return _SHARED[factory.__name__]
    return made


def sibling(filename: str):
    """Another spec module of this folder (for a dataset defined once and shared by two dashboards)."""
    name = f"superset_spec_{Path(filename).stem}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(filename))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name]


def asc(chart: Chart) -> Chart:
    """Categories in ascending order of the chart's sort metric (years, age bands) instead of descending."""
    chart.params["x_axis_sort_asc"] = True
    return chart


class ModuleDash(Dash):
    """A bundle_kit dashboard with extra select filters and optional Markdown rows on top.

    extra_filters: [(filter_id, label, column, dataset, required, description)] — applied to every chart whose
    dataset has the column (the others are excluded from its scope). markdown: texts shown as full-width rows
    above the charts."""

    def __init__(self, *args, extra_filters=(), markdown=(), replace_filters=False, **kw):
        super().__init__(*args, **kw)
        self.extra_filters = list(extra_filters)
        self.markdown = list(markdown)
        self.replace_filters = replace_filters

    def yaml(self) -> dict:
        out = super().yaml()
        pos, meta = out["position"], out["metadata"]
        local = {c.key: i for i, c in enumerate(self.charts(), 1)}
        filters = [] if self.replace_filters else meta["native_filter_configuration"]
        for fid, label, column, ds, required, desc in self.extra_filters:
            excluded = [local[c.key] for c in self.charts()
                        if not any(col["column_name"] == column for col in c.ds.columns)
                        and c.ds.columns]
            f = {"id": f"NATIVE_FILTER-{fid}", "name": label, "filterType": "filter_select",
                 "type": "NATIVE_FILTER", "targets": [{"column": {"name": column}, "datasetUuid": ds.uuid}],
                 "controlValues": {"enableEmptyFilter": required, "defaultToFirstItem": required,
                                   "multiSelect": not required, "searchAllOptions": False,
                                   "inverseSelection": False, "sortAscending": True},
                 "requiredFirst": required,
                 "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
                 "cascadeParentIds": [], "scope": {"rootPath": ["ROOT_ID"], "excluded": excluded},
                 "description": desc}
            if ds.table in BEIJING_ROW_TABLES:
                f["adhoc_filters"] = [copy.deepcopy(DISTRICT_ROWS_ONLY)]
            filters.append(f)
        meta["native_filter_configuration"] = filters
        for i, text in enumerate(reversed(self.markdown), 1):
            rid, mid = f"ROW-md{i}", f"MARKDOWN-md{i}"
            pos["GRID_ID"]["children"].insert(0, rid)
            pos[rid] = {"type": "ROW", "id": rid, "children": [mid], "parents": ["ROOT_ID", "GRID_ID"],
                        "meta": {"background": "BACKGROUND_TRANSPARENT"}}
            pos[mid] = {"type": "MARKDOWN", "id": mid, "children": [], "parents": ["ROOT_ID", "GRID_ID", rid],
                        "meta": {"width": 12, "height": 12, "code": text}}
        return out
