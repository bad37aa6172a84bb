"""Every validation rule on hand-made lines: the rule, the line and the column are reported and the
original bytes kept; good lines become COPY text."""
import io

import pytest

from foundation.spec import load_specs
from loaders.validate import structure_problem, validate_stream

SPEC = load_specs()["ent_pension_contribution"]
PERSON = load_specs()["ent_pension_person"]
UNIT = load_specs()["ent_pension_unit"]
GOOD_CONTRIB = "202407|000000000001|0000000001|202407|10000.00|1600.00|800.00|20240710"
GOOD_PERSON = "202407|000000000001|11010519491231002X|张三|1|19491231|11|0000000001|110105|20000101|1|13800000000"


def run(spec, lines: list[str], encoding="gbk"):
    out = []
    data = b"".join(line.encode(encoding) + b"\n" for line in lines)
    res = validate_stream(spec, "202407", io.BytesIO(data), out.append, extra_columns=("7",))
    return res, _text(out)


def _text(chunks) -> list[str]:
    return b"".join(bytes(c) for c in chunks).decode("utf-8").splitlines()


def only(res):
    rules = [(f.line_no, f.column, f.rule) for f in res.findings]
    assert len(rules) == 1, rules
    return rules[0]


def test_good_line_becomes_copy_text():
    res, out = run(SPEC, [GOOD_CONTRIB])
    assert res.findings == [] and res.rows_loaded == 1
    # passed on as delivered (PostgreSQL types it), with the line number and the batch appended
    assert out == [GOOD_CONTRIB + "|1|7"]


@pytest.mark.parametrize("field,value,column,rule", [
    (4, "1x000.00", "contribution_base", "type"),
    (4, "10000.001", "contribution_base", "precision"),          # no rounding allowed on this column
    (4, "12345678901.00", "contribution_base", "precision"),     # too many integer digits
    (7, "20240230", "paid_date", "impossible_date"),
    (7, "17500101", "paid_date", "date_range"),
    (7, "2024-07-10", "paid_date", "type"),
    (1, "", "person_id", "not_null"),
    (1, "0000000000011", "person_id", "length"),
    (0, "202406", "data_month", "data_month"),
    (3, "202413", "fee_month", "type"),
])
def test_column_rules(field, value, column, rule):
    fields = GOOD_CONTRIB.split("|")
    fields[field] = value
    line = "|".join(fields)
    res, out = run(SPEC, [GOOD_CONTRIB.replace("000000000001", "000000000009"), line])
    assert only(res) == (2, column, rule)
    assert res.findings[0].raw == line.encode("gbk")
    assert len(out) == 1 and res.rows_rejected == 1


def test_excess_decimals_are_rounded_half_up_where_the_spec_says():
    fields = GOOD_CONTRIB.split("|")
    fields[5] = "1600.005"
    res, out = run(SPEC, ["|".join(fields)])
    assert only(res) == (1, "employer_amount", "rounded")
    assert out[0].split("|")[5] == "1600.01" and res.rows_rejected == 0


def test_column_count_and_duplicate_key():
    res, out = run(SPEC, [GOOD_CONTRIB, GOOD_CONTRIB + "|extra", GOOD_CONTRIB])
    assert [(f.line_no, f.rule) for f in res.findings] == [(2, "column_count"), (3, "duplicate_key")]
    assert "第 1 行" in res.findings[1].message and len(out) == 1


def test_encoding_error_keeps_bytes():
    bad = GOOD_CONTRIB.encode("gbk")[:-2] + b"\xff\xfe"
    out = []
    res = validate_stream(SPEC, "202407", io.BytesIO(bad + b"\n" + GOOD_CONTRIB.encode() + b"\n"), out.append)
    assert only(res)[:3] == (1, None, "encoding") and res.findings[0].raw == bad
    assert _text(out) == [GOOD_CONTRIB + "|2"]


def test_check_digits_and_unknown_codes():
    bad_id = GOOD_PERSON.replace("11010519491231002X", "110105194912310021")
    unknown = GOOD_PERSON.replace("|110105|", "|110199|").replace("000000000001", "000000000002", 1)
    res, out = run(PERSON, [bad_id, unknown])
    assert [(f.line_no, f.column, f.rule) for f in res.findings] == [
        (1, "id_number", "id_number_check"), (2, "district_code", "unknown_code")]
    assert len(out) == 1, "an unknown code is reported but the row is kept"


def test_credit_code_check():
    line = "202407|0000000001|91350100M000100Y44|某公司|110105|C|39|150|20200101|1|10"
    res, _ = run(UNIT, [line])
    assert only(res) == (1, "credit_code", "credit_code_check")


def test_nullable_default():
    line = "202407|0000000001|91350100M000100Y43|某公司|110105|C|39|150|20200101|1|"
    res, out = run(UNIT, [line])
    assert res.findings == [] and out[0].split("|")[10] == "0"


def test_structure_change_is_detected_and_named():
    lines = [(GOOD_CONTRIB + "|新增字段").encode("gbk")] * 10
    msg = structure_problem(SPEC, lines)
    assert msg and "9 个字段" in msg and "8 个" in msg
    assert structure_problem(SPEC, [GOOD_CONTRIB.encode("gbk")] * 10) is None


def test_backslashes_are_escaped_for_copy_and_crlf_is_accepted():
    line = "202407|0000000001|91350100M000100Y43|某\\公司|110105|C|39|150|20200101|1|10"
    out = []
    res = validate_stream(UNIT, "202407", io.BytesIO(line.encode("gbk") + b"\r\n"), out.append)
    assert res.findings == []
    assert _text(out) == [line.replace("\\", "\\\\") + "|1"]


def test_rows_are_checked_across_chunk_boundaries(monkeypatch):
    from loaders import validate

    monkeypatch.setattr(validate, "CHUNK_BYTES", 100)
    lines = [GOOD_CONTRIB.replace("000000000001", f"{i:012d}") for i in range(1, 30)]
    lines[20] = lines[3]  # a duplicate far from its first occurrence, in another chunk
    res, out = run(SPEC, lines)
    assert [(f.line_no, f.rule) for f in res.findings] == [(21, "duplicate_key")]
    assert "第 4 行" in res.findings[0].message
    assert [int(o.split("|")[-2]) for o in out] == [i for i in range(1, 30) if i != 21]


def test_reordered_columns_are_detected_and_named():
    fields = GOOD_PERSON.split("|")
    fields[5], fields[11] = fields[11], fields[5]  # birth_date and phone swapped upstream
    lines = []
    for i in range(20):
        f = list(fields)
        f[1] = f"{i:012d}"
        lines.append("|".join(f).encode("gbk"))
    msg = structure_problem(PERSON, lines)
    assert msg and "字段顺序" in msg and "出生日期(birth_date)" in msg and "phone" in msg
    assert structure_problem(PERSON, [GOOD_PERSON.encode("gbk")] * 20) is None
