"""固定报表 (fixed reports): the monthly reports the bureau prints, in their official layout, from the report marts.

One declarative definition per report (definitions/*.yaml: title, source mart, header tree, how each column
totals) — spec.py reads and checks them, data.py reads the figures from a release (审核版 `marts` or 正式版
`official`), render.py lays them out (documents.layout), archive.py writes XLSX and PDF per month and district
under var/reports/<month>/固定报表/<审核版|正式版>/ with an index.json the portal lists.
"""
