"""The history import's CSV reader names the file, line and column of bytes it cannot read (issue 13: the portal's
import said only "编码既不是 UTF-8 也不是 GBK"), and a control character or a lone CR is an error on its line, never
a traceback."""
from __future__ import annotations

import pytest

from history import imports

HEADER = "指标代码,地区代码,期别,数值,单位\n"


def _error(data: bytes) -> imports.ImportError_:
    with pytest.raises(imports.ImportError_) as info:
        imports.read_table("上传.csv", data)
    return info.value


@pytest.mark.parametrize("enc", ["utf-8", "gbk"])
def test_bad_byte_names_line_column_and_byte(enc):
    data = (HEADER + "A01,110000,2024-01,1.5,万人\n").encode(enc) + b"A01,110000,2024-02,\xff\xfe2,"
    data += "万人\nA01,110000,2024-03,3,万人\n".encode(enc)
    e = _error(data)
    assert (e.row, e.column) == (3, "数值")
    msg = str(e)
    assert "上传.csv" in msg and "第 3 行" in msg and "第 4 列(数值)" in msg and "FF" in msg
    assert f"按 {'UTF-8' if enc == 'utf-8' else 'GBK'} 可读" in msg


def test_bad_byte_with_bom_counts_lines_after_it():
    e = _error(b"\xef\xbb\xbf" + HEADER.encode() + b"\x80A01,110000,2024-01,1,x\n")
    assert (e.row, e.column) == (2, "指标代码")


@pytest.mark.parametrize("char,name", [("\x00", "NUL"), ("\r", "CR"), ("\x1b", "ESC")])
def test_control_character_names_line_and_column(char, name):
    e = _error((HEADER + "A01,110000,2024-01,1,万人\nA01,1100" + char + "00,2024-02,2,万人\n").encode("utf-8"))
    assert (e.row, e.column) == (3, "地区代码")
    assert name in str(e) and "第 3 行 第 2 列(地区代码)" in str(e)


def test_crlf_and_clean_files_still_read():
    sheet, header, body = imports.read_table("ok.csv", (HEADER + "A01,110000,2024-01,1,万人\n").replace(
        "\n", "\r\n").encode("gbk"))
    assert sheet == "CSV" and header[:2] == ["指标代码", "地区代码"]
    assert body == [(2, ["A01", "110000", "2024-01", "1", "万人"])]


def test_validate_reports_the_row_and_column():
    res = imports.validate(None, "上传.csv", HEADER.encode() + b"A01,\xff\n")
    (err,) = res["errors"]
    assert err["row"] == 2 and err["column"] == "地区代码" and err["where"] == "上传.csv 第 2 行"
    assert res["rows"] == []
