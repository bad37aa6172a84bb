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
    assert only(res)[:3] == (1, "paid_date", "encoding") and res.findings[0].raw == bad
    assert "FF FE" in res.findings[0].message and "到账日期" in res.findings[0].message
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


# --- hardening: files written byte by byte, as a provider's worst delivery would look ---------------------

def run_bytes(spec, data: bytes, month="202407"):
    out = []
    res = validate_stream(spec, month, io.BytesIO(data), out.append)
    return res, _text(out)


def contrib(i: int, **change) -> str:
    fields = GOOD_CONTRIB.split("|")
    fields[1] = f"{i:012d}"
    names = SPEC.column_names
    for k, v in change.items():
        fields[names.index(k)] = v
    return "|".join(fields)


def person(i: int, **change) -> str:
    fields = GOOD_PERSON.split("|")
    fields[1] = f"{i:012d}"
    names = PERSON.column_names
    for k, v in change.items():
        fields[names.index(k)] = v
    return "|".join(fields)


def gbk_lines(lines) -> bytes:
    return b"".join(line.encode("gbk") + b"\n" for line in lines)


@pytest.mark.parametrize("ctrl,name", [(b"\x00", "NUL"), (b"\r", "CR"), (b"\x1b", "ESC")])
def test_control_characters_are_findings_of_their_own(ctrl, name):
    lines = [person(i).encode("gbk") for i in range(1, 6)]
    lines[2] = lines[2].replace("张三".encode("gbk"), "张".encode("gbk") + ctrl + "三".encode("gbk"))
    res, out = run_bytes(PERSON, b"\n".join(lines) + b"\n")
    assert only(res) == (3, "person_name", "control_char")
    assert name in res.findings[0].message and "姓名" in res.findings[0].message
    assert res.rows_read == 5 and res.rows_loaded == 4 and res.rows_rejected == 1 and len(out) == 4


def test_tab_and_crlf_are_not_control_findings():
    data = person(1).replace("张三", "张\t三").encode("gbk") + b"\r\n" + person(2).encode("gbk") + b"\r\n"
    res, out = run_bytes(PERSON, data)
    assert res.findings == [] and len(out) == 2


def test_header_line_is_one_finding_and_the_rest_loads():
    header = "|".join(SPEC.column_names)
    res, out = run_bytes(SPEC, gbk_lines([header] + [contrib(i) for i in range(1, 9)]))
    assert only(res) == (1, None, "header_line") and "首行为表头" in res.findings[0].message
    assert res.rows_read == 9 and res.rows_loaded == 8 and res.rows_rejected == 1
    labels = "|".join(c.label for c in SPEC.columns)  # a header of Chinese labels, too
    res, _ = run_bytes(SPEC, gbk_lines([labels] + [contrib(i) for i in range(1, 4)]))
    assert only(res) == (1, None, "header_line")


def test_structure_is_judged_on_the_whole_file_not_the_first_line():
    good = [contrib(i).encode("gbk") + b"\n" for i in range(1, 50)]
    header = ("|".join(SPEC.column_names)).encode("gbk") + b"\n"
    wrong_month = contrib(99, data_month="202406", fee_month="202406").encode("gbk") + b"\n"
    assert structure_problem(SPEC, [header] + good, "202407") is None
    assert structure_problem(SPEC, [wrong_month] + good, "202407") is None
    extra = [line.rstrip(b"\n") + b"|x\n" for line in good[:3]]  # a handful of bad lines anywhere
    assert structure_problem(SPEC, good[:20] + extra + good[20:], "202407") is None


def test_sample_lines_reach_the_whole_file(tmp_path):
    from loaders.validate import sample_lines

    path = tmp_path / "f.txt"
    path.write_bytes(gbk_lines([contrib(i) for i in range(1, 2001)]))
    sample = sample_lines(path)
    assert len(sample) == 600 and sample[-1].startswith(b"202407|00000000")
    assert int(sample[-1].split(b"|")[1]) > 1500  # lines from the end of the file, not only its head


def test_utf8_line_in_a_gbk_file_is_an_encoding_finding_on_its_line():
    lines = [person(i, person_name=n) for i, n in enumerate(["张三", "李四", "王五"], 1)]
    data = gbk_lines(lines[:1]) + person(2, person_name="白玉").encode("utf-8") + b"\n" + gbk_lines(lines[2:])
    res, out = run_bytes(PERSON, data)
    assert only(res) == (2, "person_name", "encoding")
    assert "UTF-8" in res.findings[0].message and "白玉" in res.findings[0].message and "鐧界帀" in res.findings[0].message
    assert len(out) == 2 and "鐧界帀" not in "".join(out)


def test_utf8_field_that_swallows_the_delimiter_as_gbk_is_still_an_encoding_finding():
    # 白 in UTF-8 is three bytes: read as GBK the last one pairs with the delimiter
    data = gbk_lines([person(1)]) + person(2, person_name="白").encode("utf-8") + b"\n"
    res, out = run_bytes(PERSON, data)
    assert only(res) == (2, "person_name", "encoding") and len(out) == 1


def test_invalid_bytes_name_the_column_and_bytes():
    data = gbk_lines([person(1)]) + person(2).encode("gbk").replace("张三".encode("gbk"), b"\xff\xfe") + b"\n"
    res, _ = run_bytes(PERSON, data)
    assert only(res) == (2, "person_name", "encoding") and "FF" in res.findings[0].message


def test_whole_file_in_utf8_or_with_a_bom_is_held_as_an_encoding_problem():
    from loaders.validate import encoding_problem

    lines = [person(i, person_name=n).encode("utf-8") + b"\n" for i, n in enumerate(["白玉", "张伟", "王芳", "刘洋"], 1)]
    msg = encoding_problem(PERSON, lines[0][:4], lines)
    assert msg and "UTF-8" in msg and "GBK" in msg
    bom_msg = encoding_problem(PERSON, b"\xef\xbb\xbf2", [b"\xef\xbb\xbf" + lines[0]] + lines[1:])
    assert bom_msg and "BOM" in bom_msg and "EF BB BF" in bom_msg
    gbk = [person(i).encode("gbk") + b"\n" for i in range(1, 5)]
    assert encoding_problem(PERSON, gbk[0][:4], gbk) is None
    # a file of codes and numbers with a few UTF-8 lines: line findings, not a held file
    ascii_lines = [contrib(i).encode() + b"\n" for i in range(1, 40)]
    utf8_few = [contrib(i, person_id="白玉").encode("utf-8") + b"\n" for i in range(40, 44)]
    assert encoding_problem(SPEC, b"2024", ascii_lines + utf8_few) is None


def test_missing_final_newline_is_accepted_and_noted():
    data = gbk_lines([contrib(1), contrib(2)]) + contrib(3).encode("gbk")
    res, out = run_bytes(SPEC, data)
    assert only(res) == (3, None, "no_final_newline") and res.rows_loaded == 3 and res.rows_rejected == 0


def test_last_field_cut_short_is_caught():
    lines = [person(i) for i in range(1, 8)]
    lines[2] = person(3, phone="")  # an empty optional phone elsewhere does not hide the cut
    data = gbk_lines(lines[:-1]) + lines[-1][:-5].encode("gbk")  # phone 13800000000 cut to 138000
    res, out = run_bytes(PERSON, data)
    rules = [(f.line_no, f.column, f.rule) for f in res.findings]
    assert (7, "phone", "truncated_line") in rules and (7, None, "no_final_newline") in rules
    assert res.rows_loaded == 6 and res.rows_rejected == 1
    cut_date = gbk_lines([contrib(1)]) + contrib(2)[:-3].encode("gbk")  # paid_date cut: a type error
    res, _ = run_bytes(SPEC, cut_date)
    assert (2, "paid_date", "type") in [(f.line_no, f.column, f.rule) for f in res.findings]


@pytest.mark.parametrize("change,column,needle", [
    ({"contribution_base": "-100.00"}, "contribution_base", "低于下限 6821"),
    ({"contribution_base": "99999.00"}, "contribution_base", "高于上限 35283"),
    ({"fee_month": "202406", "contribution_base": "34000.00"}, "contribution_base", "高于上限 33891"),
    ({"employer_amount": "-1.00"}, "employer_amount", "低于下限 0"),
    ({"paid_date": "20240901"}, "paid_date", "晚于数据月份最后一天 2024-07-31"),
])
def test_range_rules_reject(change, column, needle):
    res, out = run(SPEC, [contrib(1), contrib(2, **change)])
    assert only(res) == (2, column, "out_of_range") and needle in res.findings[0].message
    assert res.findings[0].rejected and len(out) == 1


def test_range_on_the_lower_limit_of_an_earlier_year_is_fine():
    res, _ = run(SPEC, [contrib(1, fee_month="202406", contribution_base="6326.00")])
    assert res.findings == []


def test_age_range_and_warn_severity():
    retiree = load_specs()["ent_pension_retiree"]
    names = retiree.column_names
    good = {"data_month": "202407", "person_id": "000000000001", "id_number": "11010519491231002X",
            "person_name": "张三", "gender": "1", "birth_date": "19491231", "district_code": "110105",
            "retire_date": "20091231", "retire_type": "1", "contribution_months": "360", "monthly_pension": "5000.00"}
    good = {n: good.get(n, "") for n in names}
    young = dict(good, person_id="000000000002", retire_date="19791231")
    res, out = run(retiree, ["|".join(good[n] for n in names), "|".join(young[n] for n in names)])
    if res.findings and res.findings[0].rule != "out_of_range":
        pytest.skip(f"retiree fixture does not fit the spec: {res.findings}")
    assert only(res) == (2, "retire_date", "out_of_range") and "年龄 30" in res.findings[0].message
    injury = load_specs()["injury_unit_contribution"]
    col = injury.column("rate")
    assert col.range["severity"] == "warn"


@pytest.mark.parametrize("value,rule", [
    ("110105491231002", "id_number_old15"),
    ("11010519491231002", "id_number_length"),
    ("1101051949123100XX", "id_number_format"),
    ("110105194913310023", "id_number_birth"),
    ("110105203012310029", "id_number_birth"),    # born after the data month
    ("110105194912310021", "id_number_check"),
])
def test_id_number_rules_are_distinct(value, rule):
    res, _ = run(PERSON, [person(1, id_number=value)])
    assert only(res) == (1, "id_number", rule)


@pytest.mark.parametrize("value,rule,needle", [
    ("91350100M000100Y4", "credit_code_length", "18 位"),
    ("91350100M0001O0Y43", "credit_code_chars", "'O'"),
    ("91350100I000100Y43", "credit_code_chars", "'I'"),
    ("91350100M000100Y44", "credit_code_check", "应为 3"),
])
def test_credit_code_rules_are_distinct(value, rule, needle):
    line = f"202407|0000000001|{value}|某公司|110105|C|39|150|20200101|1|10"
    res, _ = run(UNIT, [line])
    assert only(res) == (1, "credit_code", rule) and needle in res.findings[0].message


@pytest.mark.parametrize("ids", [
    [f"{i:012d}" for i in range(1, 30)],                          # digits of one width: packed int64 keys
    [f"P{i:011d}" for i in range(1, 30)],                         # letters: keys kept as strings
    [f"{i:012d}" for i in range(1, 15)] + [f"{i:011d}" for i in range(15, 30)],  # width changes mid-file
    [f"{i:011d}X" for i in range(1, 30)],                         # ID numbers' X: packed int64 keys too
    [f"{i:012d}" for i in range(1, 15)] + [f"{i:011d}x" for i in range(15, 30)],  # digits, then x: one encoding
])
def test_duplicates_within_and_across_chunks_whatever_the_key(monkeypatch, ids):
    from loaders import validate

    monkeypatch.setattr(validate, "CHUNK_BYTES", 200)
    lines = [contrib(1, person_id=p) for p in ids]
    lines[20] = lines[3]                     # across chunks
    lines[22] = lines[21]                    # next line, same chunk
    lines[27] = lines[16]                    # after a width change
    res, out = run(SPEC, lines)
    assert [(f.line_no, f.rule) for f in res.findings] == [(21, "duplicate_key"), (23, "duplicate_key"),
                                                           (28, "duplicate_key")]
    assert ["第 4 行" in res.findings[0].message, "第 22 行" in res.findings[1].message,
            "第 17 行" in res.findings[2].message] == [True] * 3
    assert ids[3] in res.findings[0].message and len(out) == len(lines) - 3


def test_keys_that_only_read_alike_as_numbers_are_not_duplicates(monkeypatch):
    """'0x0000000001' is the number 1 to a string-to-integer cast, as is '000000000001'; '-00000000001' and
    '000000000001' differ too: packed keys are built from the digits themselves, so none of these is a duplicate."""
    from loaders import validate

    monkeypatch.setattr(validate, "CHUNK_BYTES", 200)
    ids = [f"{i:012d}" for i in range(1, 30)]
    ids[10], ids[12], ids[14] = "0x0000000001", "-00000000002", "00000000003X"
    res, out = run(SPEC, [contrib(1, person_id=p) for p in ids])
    assert [f.rule for f in res.findings] == [] and len(out) == len(ids)


GOOD_UNIT = "202407|0000000001|91350100M000100Y43|某公司|110105|C|39|150|20200101|1|10"
ODD = ["", "x", "X", "-1", "1.5", "1.005", "12345678901234567890", "2024", "202400", "202413", "202406", "20240230",
       "20240229", "20230229", "19000229", "20000229", "17991231", "20991231", "2024071", "2024-07-1", "１２３", "张",
       "11010519491231002x", "11010519491231002X", "110105194912310021", "110105491231002", "1101051949123100XX",
       "91350100M000100Y43", "91350100M000100Y44", "91350100I000100Y43", "9135010OM000100Y43", "0000000001",
       "00000000000099", "110105", "110199", "C", "39", "150", "13800000000"]


def _mixed(good: str, delim: str = "|") -> list[str]:
    """The good line, then every odd value in every field, with good lines in between (duplicates too)."""
    fields = good.split(delim)
    lines = []
    for j in range(len(fields)):
        for k, v in enumerate(ODD):
            f = list(fields)
            f[j] = v
            f[1] = f"{len(lines) % 997:0{len(fields[1])}d}" if j != 1 else f[1]
            lines += [delim.join(f), good.replace(fields[1], f"{len(lines) + 5000:0{len(fields[1])}d}", 1)]
    return lines


@pytest.mark.parametrize("spec,good", [(PERSON, GOOD_PERSON), (UNIT, GOOD_UNIT), (SPEC, GOOD_CONTRIB)],
                         ids=["person", "unit", "contribution"])
def test_fast_paths_agree_with_the_exact_path(monkeypatch, spec, good):
    """The byte-level column checks and the line-wise COPY text give the same rule codes, findings and COPY
    bytes as the regular-expression, column-wise reference path, on good and bad values mixed in chunks."""
    from loaders import validate

    lines = _mixed(good)
    lines[200:200] = ["", "|" * (len(spec.columns) - 1)]   # an empty line, a line of empty fields
    lines[40:40] = [good.replace("|", "|\x00", 1), "白玉".join(good.rsplit("|", 1)), good[:20], good.replace("|", "\r", 1)]
    lines += [good.replace("|", "|a\\b", 1), good.replace("|", "|\\", 3)]  # backslashes: the column-wise COPY text
    data = b"".join(line.encode("gbk") + b"\n" for line in lines)
    monkeypatch.setattr(validate, "CHUNK_BYTES", 8000)
    got = {}
    for exact in (False, True):
        out = []
        res = validate_stream(spec, "202407", io.BytesIO(data), out.append, extra_columns=("7",), exact=exact)
        got[exact] = ([(f.line_no, f.column, f.rule, f.message, f.raw, f.severity) for f in res.findings],
                      res.rows_loaded, b"".join(bytes(c) for c in out))
    assert got[False] == got[True]
    rules = {f[2] for f in got[True][0]}
    assert {"type", "not_null", "length"} <= rules and got[True][1] > len(lines) // 2
    # and column by column, on all the odd values at once
    import pyarrow as pa

    for col in spec.columns:
        arr = pa.array(ODD * 3, type=pa.string())
        fast, ref = validate._ColumnCheck(col, "202407"), validate._ColumnCheck(col, "202407", exact=True)
        (e1, a1), (e2, a2) = fast.check(arr), ref.check(arr)
        assert e1.tolist() == e2.tolist() and a1.equals(a2), col.name


def test_key_set_finds_every_duplicate_while_it_grows():
    """The packed keys' hash table against a dict, on 60 000 ID numbers in chunks of 3 000 with one in five a repeat
    (of the same chunk or an earlier one): the table grows from 4 096 slots several times and keys share slots."""
    import numpy as np
    import pyarrow as pa

    from loaders.validate import _KeySet

    rng = np.random.default_rng(7)
    pool = [f"{v:017d}{'0123456789X'[v % 11]}" for v in rng.integers(10**16, 10**17, 50_000)]
    keys = [pool[i] for i in rng.integers(0, len(pool), 60_000)]
    ks, first, got, want = _KeySet(), {}, [], []
    for start in range(0, len(keys), 3000):
        part = keys[start:start + 3000]
        lines = np.arange(start + 1, start + len(part) + 1)
        got += [(int(lines[r]), f) for r, f in ks.duplicates([pa.array(part)], lines)]
        want += [(ln, first[k]) for k, ln in zip(part, lines.tolist()) if first.setdefault(k, ln) != ln]
    assert ks.seen is None and ks.count == len(first) and len(ks.slots) > 4096
    assert got == want and len(want) > 10_000


HUKOU = load_specs()["police_hukou_register"]


def hukou(i: int, address: str = "北京市东城区景山前街022号") -> str:
    """A police register line (names and addresses on every line: more than a fifth of the bytes Chinese)."""
    from foundation.checkdigits import id_check_char

    first17 = f"11010119820613{i:03d}"
    return f"202411|{first17}{id_check_char(first17)}|欧阳明·{i % 7}|1|19820613|H{i:010d}|1|03|110101|{address}|19820629"


def test_dense_gbk_with_delimiter_and_backslash_trail_bytes_loads_as_the_codec_reads_it(monkeypatch):
    """亅 (81 7C) and 乗 (81 5C) carry the delimiter's and the backslash's byte as their second byte, · is two bytes
    in UTF-8: in a chunk dense in Chinese (transcoded by the codec) they are read as characters, the fields cut at
    the real delimiters, and the COPY text is the UTF-8 line — the same as the exact path."""
    from loaders import encoding, validate

    lines = [hukou(i, f"北京市东城区亅乗胡同{i}号" if i % 3 else "北京市东城区景山前街022号") for i in range(1, 301)]
    data = gbk_lines(lines)
    assert b"\x81|" in data and b"\x81\\" in data and encoding.double_byte_to_utf8(data, "gbk") is None  # dense
    monkeypatch.setattr(validate, "CHUNK_BYTES", 4000)
    got = {}
    for exact in (False, True):
        out = []
        res = validate_stream(HUKOU, "202411", io.BytesIO(data), out.append, exact=exact)
        got[exact] = ([(f.line_no, f.column, f.rule) for f in res.findings], _text(out))
    assert got[False] == got[True] == ([], [f"{line}|{n}" for n, line in enumerate(lines, 1)])


def test_bad_byte_in_a_dense_gbk_file_is_reported_with_its_line_and_column(monkeypatch):
    """A byte pair that is not GBK in the address of line 3 of a chunk the codec transcodes: that line is rejected
    naming line, column, bytes and rule, its bytes kept; every other line loads with its own line number."""
    from loaders import encoding, validate

    monkeypatch.setattr(validate, "CHUNK_BYTES", 4000)
    lines = [hukou(i).encode("gbk") for i in range(1, 101)]
    assert encoding.double_byte_to_utf8(b"\n".join(lines), "gbk") is None  # dense: the codec's
    lines[2] = lines[2].replace("景山".encode("gbk"), b"\xff\xfe")
    res, out = run_bytes(HUKOU, b"\n".join(lines) + b"\n", month="202411")
    assert only(res) == (3, "address", "encoding") and res.findings[0].raw == lines[2]
    assert "FF FE" in res.findings[0].message and "户籍地址" in res.findings[0].message
    assert len(out) == 99 and out[2] == hukou(4) + "|4" and out[1] == hukou(2) + "|2"


def test_a_file_reserves_its_key_table_and_finds_the_same_duplicates(monkeypatch, tmp_path):
    """Read from a file, the key table is sized at the first chunk for the rows the file's size suggests: the same
    duplicates as from a stream of unknown size (whose table grows as it goes)."""
    from loaders import validate

    monkeypatch.setattr(validate, "CHUNK_BYTES", 4000)
    lines = [contrib(i) for i in range(1, 3001)]
    lines[2500], lines[2999] = lines[7], lines[1200]
    path = tmp_path / "f.txt"
    path.write_bytes(gbk_lines(lines))
    reserved = []
    real = validate._KeySet.reserve
    monkeypatch.setattr(validate._KeySet, "reserve", lambda self, n: (reserved.append(n), real(self, n))[1])
    with path.open("rb") as f:
        from_file = validate_stream(SPEC, "202407", f, lambda b: None)
    from_stream, _ = run(SPEC, lines)
    assert max(reserved) >= 2900 and reserved[0] >= 2900   # the estimate came first, before any growth
    found = [(f.line_no, f.rule, f.message) for f in from_file.findings]
    assert found == [(f.line_no, f.rule, f.message) for f in from_stream.findings]
    assert [(ln, rule) for ln, rule, _ in found] == [(2501, "duplicate_key"), (3000, "duplicate_key")]
