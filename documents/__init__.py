"""Printed documents (报表文书): one table layout — title lines, multi-level merged headers, 计量单位, body rows,
notes and the 制表单位 / 制表日期 / 审核人 lines — rendered as XLSX (openpyxl) and as PDF (HTML printed by headless
Chromium). The fixed reports, the sign-off sheet and the supervision bulletin are all built from it; the layout
knows nothing of the warehouse.
"""
