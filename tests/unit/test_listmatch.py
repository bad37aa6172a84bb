"""名单比对 engine: normalisation, the list reader's refusals (sheet / row / column named), and every reason code
on a small in-memory population (the integration test runs the same engine against the built warehouse)."""
from __future__ import annotations

import io
from collections import defaultdict
from datetime import date

import openpyxl
import pytest

from foundation.checkdigits import credit_check_char, id_check_char
from listmatch import engine, reader
from listmatch import normalise as nz
from listmatch.engine import REASONS


def _id(first17: str) -> str:
    return first17 + id_check_char(first17)


def _credit(first17: str) -> str:
    return first17 + credit_check_char(first17)


ZHANG = _id("11010519800512123")          # 张伟, 1980-05-12, 朝阳
ZHANG2 = _id("11010819800512456")         # 张玮, same birth date, 海淀 (a homophone of 张伟)
LI = _id("11010119750101002")             # 李秀英
OLD = _id("11010219650303001")            # 王芳, has an old 15-digit number 110102650303001
WANGLEI = _id("11010519900909111")        # 王磊 and 王蕾 born the same day: ambiguous by pinyin
WANGLEI2 = _id("11010519900909222")
C1 = _credit("91110105MA01ABCD1")         # 北京星辰科技有限公司
C2 = _credit("91110108MA01EFGH2")         # 北京华夏建筑工程有限责任公司
C3 = _credit("91110101MA01JKLM3")         # 北京红星商贸有限公司
C4 = _credit("91110102MA01NPQR4")         # 北京红心商贸有限公司 (close to 红星)

PERSONS = {ZHANG: ("张伟", date(1980, 5, 12), "110105"), ZHANG2: ("张玮", date(1980, 5, 12), "110108"),
           LI: ("李秀英", date(1975, 1, 1), "110101"), OLD: ("王芳", date(1965, 3, 3), "110102"),
           WANGLEI: ("王磊", date(1990, 9, 9), "110105"), WANGLEI2: ("王蕾", date(1990, 9, 9), "110105")}
UNITS = {C1: ("北京星辰科技有限公司", "110105"), C2: ("北京华夏建筑工程有限责任公司", "110108"),
         C3: ("北京红星商贸有限公司", "110101"), C4: ("北京红心商贸有限公司", "110102")}


class MemoryReference(engine.Reference):
    def persons_by_id(self, ids):
        return {i: PERSONS[i] for i in ids if i in PERSONS}

    def persons_by_birth(self, dates):
        out = defaultdict(list)
        for pid, (name, bd, dist) in PERSONS.items():
            if bd in dates:
                out[bd].append((pid, name, dist))
        return out

    def units_by_code(self, codes):
        return {c: UNITS[c] for c in codes if c in UNITS}

    def units(self):
        return [(c, v[0]) for c, v in UNITS.items()]


DISTRICTS = {"朝阳区": "110105", "朝阳": "110105", "海淀区": "110108", "东城区": "110101"}


def _csv(text: str, encoding="utf-8") -> bytes:
    return text.encode(encoding)


def _persons(rows: list[list[str]]):
    data = "姓名,身份证号,出生日期,区\n" + "\n".join(",".join(r) for r in rows) + "\n"
    lst = reader.read("名单.csv", _csv(data))
    return engine.match_persons(lst, MemoryReference(), DISTRICTS)


def _units(rows: list[list[str]]):
    data = "单位名称,统一社会信用代码\n" + "\n".join(",".join(r) for r in rows) + "\n"
    lst = reader.read("单位.csv", _csv(data))
    return engine.match_units(lst, MemoryReference())


# --- normalisation ----------------------------------------------------------------------------------------

def test_id_normalisation_full_width_spaces_lower_x_and_old_numbers():
    x_id = _id("11010519850101001")
    x_id = x_id if x_id.endswith("X") else None
    full = "".join(chr(ord(c) + 0xFEE0) for c in ZHANG[:6]) + "\u3000" + ZHANG[6:]
    r = nz.normalise_id(" " + full + " ")
    assert (r.value, r.valid, r.upgraded) == (ZHANG, True, False)
    r = nz.normalise_id(OLD[:6] + OLD[8:17])                          # 15 digits → 18 with the check digit
    assert (r.value, r.valid, r.upgraded) == (OLD, True, True)
    sample = next(_id(f"110105198501010{n:02d}") for n in range(100) if _id(f"110105198501010{n:02d}").endswith("X"))
    assert nz.normalise_id(sample.lower()).value == sample and nz.normalise_id(sample.lower()).valid
    bad = ZHANG[:17] + ("0" if ZHANG[17] != "0" else "1")
    r = nz.normalise_id(bad)
    assert not r.valid and r.problem == "校验位错误"
    assert nz.normalise_id("12345").problem.startswith("长度")
    assert nz.normalise_id(ZHANG[:6] + "19801332" + ZHANG[14:17] + "0").valid is False    # month 13
    assert nz.normalise_id("").problem == "空"
    assert nz.id_birth_date(bad) == date(1980, 5, 12)


def test_credit_code_and_unit_core():
    assert nz.normalise_credit(" " + C1.lower() + " ") == (C1, True)
    assert nz.normalise_credit(C1[:17] + ("0" if C1[17] != "0" else "1"))[1] is False
    core = "星辰科技"
    for name in ("北京星辰科技有限公司", "北京市星辰科技有限责任公司", "(北京)星辰科技股份有限公司", "星辰科技",
                 "星辰科技北京分公司", "北京星辰科技有限公司分公司", "北京 星辰科技 有限公司", "（北京）星辰科技有限公司"):
        assert nz.unit_core(name) == core, name
    assert nz.pinyin("张伟") == nz.pinyin("章玮") == "zhang wei"


def test_dates_parse_in_the_usual_spellings():
    for s in ("19800512", "1980-05-12", "1980/5/12", "1980年5月12日", "１９８０－０５－１２"):
        assert nz.parse_date(s) == date(1980, 5, 12), s
    assert nz.parse_date("1980-02-30") is None


# --- every reason code ------------------------------------------------------------------------------------

def test_person_reason_codes():
    bad_check = LI[:17] + ("0" if LI[17] != "0" else "1")
    absent = _id("11010519700101999")
    rows = [
        ["张伟", ZHANG, "", ""],                             # P01
        ["王芳", OLD[:6] + OLD[8:17], "", ""],               # P02
        ["张卫", ZHANG, "", ""],                             # P03
        ["赵六", absent, "", ""],                            # P04
        ["李秀英", bad_check, "", ""],                       # P05 (birth date from the invalid number)
        ["李秀瑛", "", "1975-01-01", ""],                    # P06 typo
        ["王雷", "", "1990-09-09", "朝阳区"],                 # P07 two equally close (王磊 / 王蕾)
        ["钱七", "", "1975-01-01", ""],                      # P08
        ["孙八", "", "", ""],                                # P09
        ["李秀英", "", "1975-01-01", "海淀区"],               # P10 name + date exact, district differs
        ["秀李英", "", "1975-01-01", ""],                    # P06 swapped characters
    ]
    got = _persons(rows)
    assert [m.reason for m in got] == ["P01", "P02", "P03", "P04", "P05", "P06", "P07", "P08", "P09", "P10", "P06"]
    assert [m.status for m in got] == [REASONS[m.reason][0] for m in got]
    assert got[1].key == OLD and got[4].key == LI and got[4].note == "身份证号校验位错误"
    assert got[5].key == LI and 0.75 <= got[5].score < 1 and got[10].key == LI
    assert {a[0] for a in got[6].alternatives[:2]} == {WANGLEI, WANGLEI2}
    assert got[9].key == LI


def test_unit_reason_codes():
    absent = _credit("91110105MA09YYYY9")
    rows = [
        ["北京星辰科技有限公司", C1],                # U01
        ["星辰科技(北京)有限公司", C1],              # U01: same core
        ["北京华夏建设有限公司", C2],                # U02
        ["北京无名公司", absent],                    # U03
        ["星辰科技有限责任公司", ""],                # U04 suffix and prefix differ
        ["北京华夏建筑工成有限公司", ""],            # U05 typo
        ["北京红商贸有限公司", ""],                  # U06: 红星 / 红心 equally close
        ["北京红兴商贸有限公司", ""],                # U05: 红兴 sounds like 红星
        ["北京完全不同餐饮管理有限公司", ""],        # U07
        ["", "12345"],                               # U08 (invalid code, no name)
    ]
    got = _units(rows)
    assert [m.reason for m in got] == ["U01", "U01", "U02", "U03", "U04", "U05", "U06", "U05", "U07", "U08"]
    assert got[4].key == C1 and got[5].key == C2 and got[7].key == C3 and got[9].note.startswith("统一社会信用代码")


def test_every_reason_code_is_documented_in_the_readme():
    from foundation import settings

    text = (settings.ROOT / "README.md").read_text(encoding="utf-8")
    for code, (status, why) in REASONS.items():
        assert f"| {code} | {status} | {why} |" in text, code


def test_fuzzy_matches_never_confirm():
    confirmed = {k for k, v in REASONS.items() if v[0] == engine.CONFIRMED}
    assert confirmed == {"P01", "P02", "P05", "U01", "U04"}


# --- refused lists: a clear message naming sheet, row and column; nothing matched -----------------------------

def _xlsx(rows, title="名单") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_an_id_number_typed_as_a_number_is_named_as_such():
    """Excel keeps 15 significant digits: an ID number entered as a number is stored as 1.1010519491231E+17, its
    last digits gone. The reason says so (not "wrong length"); a cell of plain digits is read digit for digit."""
    lst = reader.read("a.xlsx", _xlsx([["姓名", "身份证号"], ["张三", int(ZHANG[:17] + "1")], ["李四", ZHANG]]))
    sci, text = (nz.normalise_id(lst.get(r, "id_number")) for r in lst.rows)
    assert not sci.valid and "科学计数法" in sci.problem and "文本格式" in sci.problem
    assert text.valid and text.value == ZHANG
    from listmatch import xlsxread
    styled = '<c r="A2" s="1"><v>110105194912310021</v></c><c r="B2" s="1"><v>3.0</v></c>'   # not a date style
    assert xlsxread._parse_row(styled, [], {7}) == ["110105194912310021", "3"]


def _refused(name, data) -> str:
    with pytest.raises(reader.ListError) as e:
        reader.read(name, data)
    return " ".join(e.value.errors)


def test_refusals_name_sheet_row_and_column():
    assert "文件为空" in _refused("a.xlsx", b"")
    assert "不是 XLSX 或 CSV" in _refused("a.pdf", b"%PDF-1.7")
    assert "不是有效的 XLSX" in _refused("a.xlsx", b"PK\x03\x04broken")
    assert ".xls" in _refused("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    msg = _refused("a.xlsx", _xlsx([["编号", "备注"], ["1", "x"]]))
    assert "工作表“名单”" in msg and "第 1 行(表头)" in msg and "缺少必需的列" in msg and "编号, 备注" in msg
    msg = _refused("a.xlsx", _xlsx([["姓名", "单位名称"], ["张三", "x"]]))
    assert "身份证号" in msg
    assert "没有数据行" in _refused("a.xlsx", _xlsx([["姓名", "身份证号"]]))
    big = "x" * (10 * 1024 * 1024)                  # a 10 MB cell (CSV; an XLSX cell holds at most 32,767)
    msg = _refused("a.csv", f"姓名,身份证号,备注\n张三,{ZHANG},ok\n李四,{LI},{big}\n".encode())
    assert "a.csv CSV 第 3 行 列“备注”: 单元格内容过长(10,485,760 个字符" in msg
    msg = _refused("a.xlsx", _xlsx([["姓名", "身份证号", "备注"], ["张三", ZHANG, "ok"], ["李四", LI, "y" * 32_000]]))
    assert "a.xlsx 工作表“名单” 第 3 行 列“备注”: 单元格内容过长(32,000 个字符" in msg
    msg = _refused("a.xlsx", _xlsx([["姓名", "身份证号"], ["张三", ZHANG], ["李四", LI], ["张三", ZHANG]]))
    assert "第 4 行: 与第 2 行完全重复" in msg
    msg = _refused("a.csv", "姓名,身份证号\n张三,1\n".encode() + "李四,2\n".encode("gbk"))
    assert "混合编码" in msg and "第 1 行是 UTF-8" in msg and "第 3 行是 GBK" in msg
    assert "空行" in _refused("a.csv", "姓名,身份证号\n张三,1\n,\n李四,2\n".encode())


def _edited_sheet(rows: list[list[str]], extra_row: bytes, styles: bytes | None = None) -> bytes:
    """The XLSX of `rows` with a row appended inside the zip by hand (and the styles replaced), as a byte editor would."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_xlsx(rows))) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b"</sheetData>", extra_row + b"</sheetData>")
            if item.filename == "xl/styles.xml" and styles:
                body = styles
            zout.writestr(item, body)
    return out.getvalue()


def test_a_byte_damaged_sheet_is_refused_naming_file_sheet_and_row():
    """A sheet edited inside the zip (a shared-string index that does not exist) is refused, not a traceback."""
    bad = _edited_sheet([["姓名", "身份证号"], ["张三", ZHANG], ["李四", LI]],
                        b'<row r="9"><c r="A9" t="s"><v>999</v></c></row>')
    msg = _refused("坏.xlsx", bad)
    assert "坏.xlsx 工作表“名单” 第 3 行之后: 文件已损坏" in msg


def test_hand_edited_cells_neither_exhaust_memory_nor_crash():
    """A cell reference far beyond column XFD (ZZZZZZZ4: the fast reader padded the row towards 8 billion cells and
    ran out of memory) is refused; a date-formatted cell whose day number no calendar has (1e20: OverflowError)
    is left to openpyxl, which reads it as an error value instead of a traceback; a row that never closes is refused."""
    rows = [["姓名", "身份证号"], ["张三", ZHANG], ["李四", LI]]
    msg = _refused("坏.xlsx", _edited_sheet(rows, b'<row r="4"><c r="ZZZZZZZ4" t="inlineStr"><is><t>x</t></is></c></row>'))
    assert "坏.xlsx 工作表“名单” 第 3 行之后: 文件已损坏" in msg
    styles = (b'<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              b'<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>')
    lst = reader.read("日期.xlsx", _edited_sheet(rows, b'<row r="4"><c r="C4" s="1"><v>1e20</v></c></row>', styles))
    assert lst.rows == [["张三", ZHANG], ["李四", LI]]   # the row of the impossible date has nothing under the header
    # a last row that never closes (the sheet cut inside it) is refused, not dropped without a word
    cut = _edited_sheet(rows, b'<row r="4"><c r="A4" t="inlineStr"><is><t>' + b" " * 300_000)
    assert "坏.xlsx 工作表“名单” 第 3 行之后: 文件已损坏" in _refused("坏.xlsx", cut)


def test_encodings_gbk_and_utf8_with_and_without_bom():
    text = "姓名,身份证号\n张伟," + ZHANG + "\n"
    for data, enc in ((text.encode("gbk"), "GBK"), (text.encode("utf-8"), "UTF-8"),
                      (b"\xef\xbb\xbf" + text.encode("utf-8"), "UTF-8 (BOM)")):
        lst = reader.read("a.csv", data)
        assert lst.encoding == enc and lst.header == ["姓名", "身份证号"] and lst.rows == [["张伟", ZHANG]]
    lst = reader.read("a.xlsx", _xlsx([["姓名", "身份证号", "出生日期"], ["张伟", int(ZHANG[:17]) if False else ZHANG, date(1980, 5, 12)]]))
    assert lst.rows[0] == ["张伟", ZHANG, "1980-05-12"] and lst.sheet == "名单"


def test_a_workbook_damaged_inside_is_refused_with_a_message(damaged_xlsx):
    """A byte-damaged sheet (the zip directory intact, its compressed data not): a refusal naming the file, never a
    traceback from the decompressor."""
    msg = _refused("名单.xlsx", damaged_xlsx(_xlsx([["姓名", "身份证号"], ["张三", "110105194912310021"]])))
    assert "名单.xlsx" in msg and "不是有效的 XLSX" in msg and "压缩数据已损坏" in msg
