"""名单比对 reads a list of any length in bounded memory: the reader streams (a CSV line by line, an XLSX sheet's
XML 1 MiB at a time). Measured with tracemalloc over a generated list whose rows, held in Python, would take
several times the bound."""
from __future__ import annotations

import tracemalloc

from listmatch import reader, xlsxfast
from listmatch.normalise import id_check_char

SURNAMES = "王李张刘陈杨黄赵吴周"


def _rows(n: int):
    for i in range(n):
        first17 = f"110105{19500101 + (i % 28) + 100 * (1 + i % 12):08d}{i % 1000:03d}"
        yield [f"{SURNAMES[i % 10]}测试{i}", first17 + id_check_char(first17), "", "朝阳区",
               f"北京第{i}号测试科技有限公司", ""]


def _peak_mib(filename: str, path) -> tuple[float, int]:
    rd = reader.ListReader(filename, path, find_duplicates=False)
    tracemalloc.start()
    try:
        n = sum(1 for _ in rd.rows())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    rd.check()
    return peak / 2**20, n


HEAD = ["姓名", "身份证号", "出生日期", "区", "单位名称", "统一社会信用代码"]


def test_a_csv_list_is_read_in_bounded_memory(tmp_path):
    n = 25_000
    path = tmp_path / "名单.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write(",".join(HEAD) + "\n")
        for r in _rows(n):
            f.write(",".join(r) + "\n")
    held = sum(len(c) * 2 + 50 for c in ["x" * 9, "x" * 18, "", "xxx", "x" * 15, ""]) * n / 2**20 + n * 100 / 2**20
    peak, rows = _peak_mib("名单.csv", path)
    print(f"\n[csv] {n} rows, peak {peak:.1f} MiB (held: {held:.0f} MiB)")
    assert rows == n
    assert held > 6 and peak < 1.5, (peak, held)        # the rows held would be ~8 MiB; streamed: < 1.5 MiB


def test_an_xlsx_list_is_read_in_bounded_memory(tmp_path):
    n = 15_000
    ws = xlsxfast.Sheet("名单")
    ws.header(HEAD)
    for r in _rows(n):
        ws.append(r)
    path = tmp_path / "名单.xlsx"
    xlsxfast.workbook([ws], out=path)
    peak, rows = _peak_mib("名单.xlsx", path)
    assert rows == n
    print(f"\n[xlsx] {n} rows, peak {peak:.1f} MiB")
    assert peak < 4, peak       # 256 KiB of the sheet's XML decoded at a time: ~2 MiB for 10 000 or 40 000 rows
    lst = reader.read("名单.xlsx", path)           # the same rows as the in-memory reader
    assert len(lst.rows) == n and lst.rows[0][0] == "王测试0" and lst.rows[-1][4] == f"北京第{n - 1}号测试科技有限公司"


def test_unit_candidates_rank_the_same_in_every_process():
    """Ties among unit-name candidates are broken the same way whatever the process's string-hash seed (a job is
    reproducible: the same input and engine give the same rows)."""
    import os
    import subprocess
    import sys

    code = ("from listmatch.engine import UnitIndex\n"
            "ix = UnitIndex([(f'C{i}', n) for i, n in enumerate(['北京甲乙丙有限公司', '北京乙丙丁有限公司', "
            "'北京丙丁戊有限公司', '北京丁戊己有限公司', '北京戊己庚有限公司'])])\n"
            "print(ix.candidates('甲乙丁戊己', limit=3))\n")
    out = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3", "4")}
    assert len(out) == 1, out


def test_fast_paths_give_what_the_plain_code_gives():
    """The speed-ups of the 100 000-row benchmark change no result: unit candidates counted with numpy rank as a
    Counter + heapq.nlargest over the same posting lists (ties in order of first appearance); pinyin_many is
    pinyin per name; a row of plain cells read by the two-regex path reads as by the cell-by-cell path."""
    import heapq
    import random
    import re
    from collections import Counter
    from operator import itemgetter

    from listmatch import engine, normalise, xlsxread

    rnd = random.Random(7)
    chars = "甲乙丙丁戊己庚辛壬癸子丑寅卯"
    units = [(f"C{i:05d}", "北京" + "".join(rnd.choices(chars, k=rnd.randint(2, 5))) + "有限公司") for i in range(3000)]
    ix = engine.UnitIndex(units)

    def reference(core: str, limit: int) -> list[int]:      # the counting the numpy version replaced
        counts: Counter[int] = Counter()
        for g in sorted(engine._bigrams(core)):
            posting = ix.grams.get(g, ())
            if len(posting) <= 5000:
                counts.update(posting)
        return [i for i, _ in heapq.nlargest(limit, counts.items(), key=itemgetter(1))]

    queries = ["".join(rnd.choices(chars, k=rnd.randint(1, 6))) for _ in range(300)] + ["子", "", "无关"]
    assert all(ix.candidates(q, limit=k) == reference(q, k) for q in queries for k in (3, 30))
    assert any(len(ix.candidates(q)) == 30 for q in queries)          # the limit cuts through ties
    names = ["张三", "", " 张", "A张", "阿卜杜·热合曼", "李\u3000", "〇一", "ABC"]
    assert normalise.pinyin_many(names) == [normalise.pinyin(n) for n in names]
    shared = ["甲", "乙", "丙"]
    for body in ("", '<c r="B2" t="s"><v>2</v></c><c r="A2" t="inlineStr"><is><t>x</t></is></c>',
                 '<c r="A3" s="1" t="s"><v>1</v></c><c r="D3" t="inlineStr"><is><t xml:space="preserve">丁</t></is></c>',
                 '<c r="C4" t="inlineStr"><is><t xml:space="preserve"></t></is></c>'):
        assert xlsxread._SIMPLE_ROW.fullmatch(body)
        fast = xlsxread._parse_row(body, shared, set())
        plain, xlsxread._SIMPLE_ROW = xlsxread._SIMPLE_ROW, re.compile("(?!)")
        try:
            assert xlsxread._parse_row(body, shared, set()) == fast, body
        finally:
            xlsxread._SIMPLE_ROW = plain
    assert not xlsxread._SIMPLE_ROW.fullmatch('<c r="A2" t="inlineStr"><is><t>a&amp;b</t></is></c>')   # → cell by cell


def test_sheet_rows_are_written_as_cell_by_cell():
    """xlsxfast's row writer (text cells inline, one search of the row for characters to escape) writes what
    _cell gives cell by cell: escaped markup, dropped control characters, numbers, booleans, empty cells left out."""
    from listmatch import xlsxfast

    rows = [["张三", "", None, 0.9312, 7, True, "a<b & c>d", "x\x01y", "行1\n行2"], ["纯文本", "110105198001010015"]]
    for style in (0, 1):
        ws = xlsxfast.Sheet("t")
        for values in rows:
            ws._row(values, style)
        ws.buf.seek(0)
        got = ws.buf.read().decode("utf-8")
        want = "".join(f'<row r="{n}">' + "".join(xlsxfast._cell(f"{xlsxfast._col(i)}{n}", v, style) for i, v in
                                                  enumerate(values) if v is not None and v != "") + "</row>"
                       for n, values in enumerate(rows, 1))
        assert got == want
        assert "a&lt;b &amp; c&gt;d" in got and "xy" in got
