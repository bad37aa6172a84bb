"""The printed layout (documents/): merged multi-level headers computed from the column paths, and the XLSX
renderer writes the title, 计量单位, merged header ranges, numbers, notes and the 制表单位 / 审核人 line."""
from __future__ import annotations

from decimal import Decimal

from openpyxl import load_workbook

from documents import html, xlsx
from documents.layout import Column, Table, format_value
from pipeline.fixedreports import spec


def _table() -> Table:
    cols = [Column("a", ("企业职工养老保险", "征缴收入"), 2), Column("b", ("企业职工养老保险", "待遇支出"), 2),
            Column("c", ("参保人数",)), Column("d", ("比率", "结案率"), 1, percent=True)]
    rows = [("东城区", {"a": Decimal("1.50"), "b": Decimal(2), "c": 3, "d": Decimal("0.975")}),
            ("全市", {"a": Decimal("1.50"), "b": Decimal(2), "c": 3, "d": None})]
    return Table("测试报表", "地区", cols, rows, subtitle=["报告期: 2025年1月"], unit_line="计量单位: 元、人",
                 notes=["注: 口径"], footer=[("制表单位", "北京市人力资源和社会保障局"), ("审核人", "张三")],
                 total_rows={1}, watermark="审核版")


def test_header_cells_merge_groups_and_span_leaves():
    cells = {(c.label, c.row, c.col): (c.rowspan, c.colspan) for c in _table().header_cells()}
    assert cells[("地区", 0, 0)] == (2, 1)
    assert cells[("企业职工养老保险", 0, 1)] == (1, 2)          # a group over its two leaves
    assert cells[("征缴收入", 1, 1)] == (1, 1) and cells[("待遇支出", 1, 2)] == (1, 1)
    assert cells[("参保人数", 0, 3)] == (2, 1)                  # a leaf on its own spans both header rows
    assert cells[("比率", 0, 4)] == (1, 1) and cells[("结案率", 1, 4)] == (1, 1)


def test_xlsx_has_title_lines_merged_headers_numbers_and_signature_line(tmp_path):
    path = xlsx.write([_table()], tmp_path / "t.xlsx")
    ws = load_workbook(path).active
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert ws["A1"].value == "测试报表(审核版)" and "A1:E1" in merged
    assert ws["A2"].value == "报告期: 2025年1月" and ws["A3"].value == "计量单位: 元、人"
    assert {"A4:A5", "B4:C4", "D4:D5"} <= merged                # 地区, the group, a two-row leaf
    assert ws["B4"].value == "企业职工养老保险" and ws["B5"].value == "征缴收入"
    assert ws["A6"].value == "东城区" and ws["B6"].value == 1.5 and ws["D6"].value == 3
    assert ws["E6"].number_format == "0.0%" and ws["E7"].value == "—"
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("制表单位: 北京市人力资源和社会保障局") and "审核人: 张三" in t for t in texts)


def test_html_prints_the_same_headers_and_formats_figures():
    page = html.page([_table()], "t")
    assert '<th rowspan="2">地区</th>' in page and '<th colspan="2">企业职工养老保险</th>' in page
    assert format_value(Decimal("1234.5"), Column("x", ("x",), 2)) == "1,234.50"
    assert format_value(Decimal("0.975"), Column("x", ("x",), 1, percent=True)) == "97.5%"


def test_every_definition_reads_and_has_notes():
    reports = spec.reports()
    assert {"collection", "pension", "unemployment"} <= {r.id for r in reports}
    for r in reports:
        assert r.columns and len(spec.notes(r)) == len(r.columns), r.id    # every column has its 口径


def test_a_bad_definition_is_refused_naming_file_and_column(tmp_path):
    import pytest

    bad = {"id": "x", "title": "t", "system": "s", "module": "m", "source": "rpt_x", "beijing_row": "sum",
           "unit": "元", "columns": [{"key": "a", "path": ["A"], "kind": "level"}]}
    with pytest.raises(spec.DefinitionError, match=r"bad.yaml 第 1 列 \(a\): kind"):
        spec._check(tmp_path / "bad.yaml", bad)
