"""A fast reader of the first worksheet of an XLSX (openpyxl's read-only mode reads ~10⁴ rows/s; a 100 000-row
list must be read in seconds). Regular-expression scan of the sheet XML, streamed from the zip in 256 KiB pieces: shared strings, inline strings, numbers,
booleans and date-formatted numbers (built-in date formats 14–22 and custom formats with y/m/d). Anything it does
not recognise raises ValueError and the caller falls back to openpyxl."""
from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from xml.sax.saxutils import unescape

_ROW = re.compile(r"<row\b[^>]*?(?:/>|>(.*?)</row>)", re.S)
_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_V = re.compile(r"<v>(.*?)</v>", re.S)
_T = re.compile(r"<t\b[^>]*?(?:/>|>(.*?)</t>)", re.S)
_SI = re.compile(r"<si>(.*?)</si>", re.S)
_RPH = re.compile(r"<rPh\b.*?</rPh>", re.S)
_XF = re.compile(r"<xf\b([^>]*?)(?:/>|>)", re.S)
_NUMFMT = re.compile(r'<numFmt\b[^>]*numFmtId="(\d+)"[^>]*formatCode="([^"]*)"', re.S)
_ENT = {"&quot;": '"', "&apos;": "'"}
_INLINE = re.compile(r"<is><t(?: [^>]*)?>([^<]*)</t></is>")
MAX_COLUMNS = 16384   # XFD, the last column of an XLSX sheet
MAX_ROW_CHARS = 64 << 20   # one row's XML (16 384 cells of up to 32 767 characters is the format's theoretical top)


def _col_index(ref: str) -> int:
    n = 0
    for ch in ref:
        if ch.isalpha():
            n = n * 26 + (ord(ch.upper()) - 64)
        else:
            break
    return n - 1


def _text(fragment: str) -> str:
    return unescape("".join(m or "" for m in _T.findall(_RPH.sub("", fragment))), _ENT)


# the attributes as Excel, WPS, LibreOffice, openpyxl and xlsxfast write them (r, then s, then t): read without a dict
_ATTRS_USUAL = re.compile(r'\s*r="([A-Z]{1,3})\d+"(?:\s+s="(\d+)")?(?:\s+t="(\w+)")?\s*')
_COL_INDEX: dict[str, int] = {}          # column letters → index (at most 16 384 of them)


def _col_of(letters: str) -> int:
    """_col_index of column letters, remembered (a sheet repeats the same few columns on every row)."""
    idx = _COL_INDEX.get(letters)
    if idx is None:
        idx = _COL_INDEX[letters] = _col_index(letters)
    return idx


def _attrs(raw: str) -> tuple[dict[str, str], int | None]:
    """The cell's attributes, and its column index when its reference is of the usual form."""
    m = _ATTRS_USUAL.fullmatch(raw)
    if m is None:
        return dict(_ATTR.findall(raw)), None
    letters = m[1]
    idx = _col_of(letters)
    a = {"r": letters}
    if m[2] is not None:
        a["s"] = m[2]
    if m[3] is not None:
        a["t"] = m[3]
    return a, idx


# a row made only of the commonest cells — inline strings without entities (xlsxfast, openpyxl) and shared strings
# (Excel, WPS): read with two regular-expression passes instead of a Python loop over its cells' attributes
_SIMPLE = (r'<c r="([A-Z]{1,3})\d+"(?: s="\d+")? t="(?:inlineStr"><is><t(?: xml:space="preserve")?>([^<&]*)</t></is>'
           r'|s"><v>(\d+)</v>)</c>')
_SIMPLE_CELL = re.compile(_SIMPLE)
_SIMPLE_ROW = re.compile(f"(?:{_SIMPLE})*")


def _parse_simple_row(body: str, shared: list[str]) -> list[str]:
    row: list[str] = []
    for letters, text, si in _SIMPLE_CELL.findall(body):
        idx = _col_of(letters)
        if idx >= MAX_COLUMNS:
            raise ValueError(f"cell reference {letters!r} beyond column XFD")
        if idx > len(row):
            row.extend([""] * (idx - len(row)))
        row.append(shared[int(si)] if si else text)
    return row


def _parse_row(body: str, shared: list[str], date_styles: set[int]) -> list[str]:
    if _SIMPLE_ROW.fullmatch(body):
        return _parse_simple_row(body, shared)
    row: list[str] = []
    for cm in _CELL.finditer(body):
        a, idx = _attrs(cm[1]) if cm[1] else ({}, None)
        inner = cm[2] or ""
        typ = a.get("t", "n")
        if typ == "s":
            v = _V.search(inner)
            val = shared[int(v[1])] if v else ""
        elif typ == "inlineStr":
            fast = _INLINE.fullmatch(inner)
            val = (unescape(fast[1], _ENT) if "&" in fast[1] else fast[1]) if fast else _text(inner)
        elif typ in ("str", "e"):
            v = _V.search(inner)
            val = unescape(v[1], _ENT) if v else ""
        elif typ == "b":
            v = _V.search(inner)
            val = "TRUE" if v and v[1] == "1" else "FALSE"
        else:
            v = _V.search(inner)
            val = v[1] if v else ""
            if val and int(a.get("s", "0")) in date_styles:
                try:
                    val = (date(1899, 12, 30) + timedelta(days=int(float(val)))).isoformat()
                except (OverflowError, ValueError):   # a day number no calendar has (1e20, nan): openpyxl decides
                    raise ValueError(f"date serial {val!r}") from None
            elif val and not val.isdigit():    # digits stay as written: an 18-digit number is beyond a float's 15–17
                f = float(val)
                val = str(int(f)) if f.is_integer() and "E" not in val.upper() else val
        ref = a.get("r")
        if idx is None:
            idx = _col_index(ref) if ref else len(row)
        if idx >= MAX_COLUMNS:   # a hand-edited reference such as ZZZZZZZ2 would pad the row with billions of cells
            raise ValueError(f"cell reference {ref!r} beyond column XFD")
        if idx > len(row):
            row.extend([""] * (idx - len(row)))
        row.append(val)
    return row


CHUNK = 1 << 18


def first_sheet(f) -> tuple[str, Iterator[list[str]]]:
    """(title, rows) of the first worksheet of the XLSX in the binary file `f`; the rows are parsed as the sheet's
    XML is decompressed, 256 KiB at a time (memory bounded by the shared-string table and the longest row)."""
    z = zipfile.ZipFile(f)
    names = set(z.namelist())
    wb = z.read("xl/workbook.xml").decode("utf-8")
    m = re.search(r'<sheet\b[^>]*name="([^"]*)"[^>]*r:id="([^"]+)"', wb)
    if not m:
        raise ValueError("no sheet")
    title, rid = unescape(m[1], _ENT), m[2]
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    t = re.search(rf'<Relationship\b[^>]*Id="{re.escape(rid)}"[^>]*Target="([^"]+)"', rels) or \
        re.search(rf'<Relationship\b[^>]*Target="([^"]+)"[^>]*Id="{re.escape(rid)}"', rels)
    if not t:
        raise ValueError("no sheet target")
    target = t[1].lstrip("/")
    path = target if target.startswith("xl/") else f"xl/{target}"
    shared = [_text(si) for si in _SI.findall(z.read("xl/sharedStrings.xml").decode("utf-8"))] \
        if "xl/sharedStrings.xml" in names else []
    date_styles = _date_styles(z, names)
    if path not in names:
        raise KeyError(path)
    return title, _sheet_rows(z, path, shared, date_styles)


def _date_styles(z: zipfile.ZipFile, names: set[str]) -> set[int]:
    """The cell-style indexes whose number format is a date (built-in 14–22, or custom with y / d)."""
    date_styles: set[int] = set()
    if "xl/styles.xml" in names:
        st = z.read("xl/styles.xml").decode("utf-8")
        custom = {int(i): f for i, f in _NUMFMT.findall(st)}
        xfs = st[st.find("<cellXfs"): st.find("</cellXfs>")] if "<cellXfs" in st else ""
        for idx, attrs in enumerate(_XF.findall(xfs)):
            a = dict(_ATTR.findall(attrs))
            fid = int(a.get("numFmtId", "0"))
            fmt = custom.get(fid, "")
            if 14 <= fid <= 22 or (fmt and re.search(r"[yd]", re.sub(r'"[^"]*"|\[[^\]]*\]', "", fmt), re.I)):
                date_styles.add(idx)
    return date_styles


def _sheet_rows(z: zipfile.ZipFile, path: str, shared: list[str], date_styles: set[int]) -> Iterator[list[str]]:
    """The rows of the sheet at `path`, parsed as its XML is decompressed (closes the zip at the end)."""
    dec = codecs.getincrementaldecoder("utf-8")()
    with z, z.open(path) as member:
        buf = ""
        started = False
        pending = 0          # where the search for the end of the unfinished row resumes
        while True:
            chunk = member.read(CHUNK)
            buf += dec.decode(chunk, final=not chunk)
            if not started:
                i = buf.find("<sheetData")
                if i < 0:
                    if not chunk:
                        return
                    buf = buf[-20:]
                    continue
                buf, started = buf[i:], True
            if chunk and buf.find("</row>", pending) < 0:
                # no row ended in this piece: read on without re-scanning the buffer (a row that never closes
                # made every piece re-scan all of it: minutes for a 100 KB upload), up to a bound on one row
                if len(buf) > MAX_ROW_CHARS:
                    raise ValueError("a row longer than the reader's bound")
                pending = max(0, len(buf) - len("</row>"))
                continue
            pending = 0
            end = 0
            for rm in _ROW.finditer(buf):
                yield _parse_row(rm[1] or "", shared, date_styles)
                end = rm.end()
            buf = buf[end:]
            if not chunk:
                if re.search(r"<row\b", buf):   # the sheet ends inside a row (not <rowBreaks>): openpyxl says where
                    raise ValueError("the sheet ends inside a row")
                return


def read_first_sheet(data: bytes) -> tuple[str, list[list[str]]]:
    title, rows = first_sheet(io.BytesIO(data))
    return title, list(rows)
