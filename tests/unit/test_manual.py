"""The manual-entry template: a filled workbook validates; each kind of mistake is named by sheet,
row, column and rule."""
from openpyxl import load_workbook

from foundation.manual_template import write_template
from loaders.manual import validate
from synth.manual import manual_rows
from synth.world import World


def _filled(tmp_path):
    rows = manual_rows(World(0.001, 1, "202407"), "202407")
    return write_template(tmp_path / "SGLR_202407.xlsx", rows), rows


def test_generated_workbook_is_valid(tmp_path):
    path, rows = _filled(tmp_path)
    data, problems = validate(path, "202407")
    assert problems == []
    assert len(data["manual_training_inservice"]) == 16 and len(data["manual_unemployment_fund_budget"]) == 7


def test_mistakes_are_named(tmp_path):
    path, _ = _filled(tmp_path)
    wb = load_workbook(path)
    ws = wb["在职职工培训"]
    ws["D4"] = -5                    # trainees negative
    ws["B5"] = "110199"              # unknown district
    ws["E6"] = ws["D6"].value + 1    # completed > trainees
    ws["A7"] = "202406"              # wrong month
    ws["B9"] = ws["B8"].value        # duplicate district
    ws["G10"] = "12.345"             # three decimals
    wb.save(path)
    _, problems = validate(path, "202407")
    got = {(p.sheet, p.row, p.rule) for p in problems}
    assert got == {("在职职工培训", 4, "negative"), ("在职职工培训", 5, "unknown_code"),
                   ("在职职工培训", 6, "completed_le_trainees"), ("在职职工培训", 7, "data_month"),
                   ("在职职工培训", 9, "duplicate_key"), ("在职职工培训", 10, "precision")}


def test_header_change_is_refused(tmp_path):
    path, _ = _filled(tmp_path)
    wb = load_workbook(path)
    wb["失业保险基金预算"]["C3"] = "预算"
    wb.save(path)
    _, problems = validate(path, "202407")
    assert [(p.sheet, p.rule) for p in problems] == [("失业保险基金预算", "header")]


def test_a_workbook_damaged_inside_is_one_problem_not_a_traceback(tmp_path, damaged_xlsx):
    path, _ = _filled(tmp_path)
    path.write_bytes(damaged_xlsx(path.read_bytes()))
    data, problems = validate(path, "202407")
    assert data == {} and [(p.rule, p.row) for p in problems] == [("unreadable", 0)]
    assert "压缩数据已损坏" in problems[0].message


def test_numbers_that_are_no_figure_are_named_not_a_traceback(tmp_path):
    """'nan' and 'inf' parse as Decimals; 1e309 and 10¹⁶ do not fit the raw columns (bigint, numeric(18,2))."""
    path, _ = _filled(tmp_path)
    wb = load_workbook(path)
    ws = wb["在职职工培训"]
    ws["D4"], ws["D5"], ws["D6"], ws["G7"] = "nan", "inf", "1e309", "10000000000000000"
    wb.save(path)
    _, problems = validate(path, "202407")
    got = {(p.sheet, p.row, p.column, p.rule) for p in problems if p.row in (4, 5, 6, 7)}
    assert got == {("在职职工培训", 4, "培训人次", "type"), ("在职职工培训", 5, "培训人次", "type"),
                   ("在职职工培训", 6, "培训人次", "out_of_range"), ("在职职工培训", 7, "培训补贴金额(元)", "out_of_range")}
