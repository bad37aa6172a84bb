"""A small streaming XLSX writer for large results (openpyxl writes ~10⁴ cells/s; this ~10⁶): sheets of text and
numbers as inline strings, a bold shaded header row, column widths. Output opens in Excel / WPS / LibreOffice and
reads back with openpyxl (the tests do)."""
from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from xml.sax.saxutils import escape

_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPECIAL = re.compile("[<>&\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_COLS: list[str] = []


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _cell(ref: str, v, style: int = 0) -> str:
    st = f' s="{style}"' if style else ""
    if v is None or v == "":
        return ""
    if isinstance(v, bool):
        v = "是" if v else "否"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return f'<c r="{ref}"{st}><v>{v}</v></c>'
    text = str(v)
    if _SPECIAL.search(text):
        text = escape(_BAD.sub("", text))
    return f'<c r="{ref}"{st} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


class Sheet:
    def __init__(self, title: str, widths: list[int] | None = None):
        self.title = title[:31]
        self.widths = widths or []
        # the rows' XML, UTF-8 encoded once (bounded memory; copied into the zip as it is)
        self.buf = tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+b")
        self.n = 0
        self.width = 1

    def header(self, values) -> None:
        self._row(values, style=1)

    def append(self, values) -> None:
        self._row(values)

    def _row(self, values, style: int = 0) -> None:
        self.n += 1
        r = str(self.n)
        self.width = max(self.width, len(values))
        while len(_COLS) < len(values):
            _COLS.append(_col(len(_COLS)))
        st = f' s="{style}"' if style else ""
        # one search of the row's text for characters to escape or drop (usually none), not one per cell
        plain = not _SPECIAL.search("\n".join([v for v in values if type(v) is str]))
        cells = []
        for c, v in zip(_COLS, values):
            if v is None or v == "":
                continue
            if type(v) is str:           # most cells: _cell's text case, inline (a call per cell costs a third)
                if not plain and _SPECIAL.search(v):
                    v = escape(_BAD.sub("", v))
                cells.append(f'<c r="{c}{r}"{st} t="inlineStr"><is><t xml:space="preserve">{v}</t></is></c>')
            else:
                cells.append(_cell(c + r, v, style))
        self.buf.write(f'<row r="{r}">{"".join(cells)}</row>'.encode("utf-8"))

    def write_to(self, out) -> None:
        """The worksheet XML into a binary stream (the rows copied from the spool in chunks)."""
        head, tail = self._frame()
        out.write(head.encode("utf-8"))
        self.buf.seek(0)
        while chunk := self.buf.read(1 << 20):
            out.write(chunk)
        out.write(tail.encode("utf-8"))
        self.buf.close()

    def _frame(self) -> tuple[str, str]:
        cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>' for i, w in enumerate(self.widths))
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                f'<dimension ref="A1:{_col(self.width - 1)}{max(self.n, 1)}"/><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
                'state="frozen"/></sheetView></sheetViews>'
                + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>"), "</sheetData></worksheet>"


def workbook(sheets: list[Sheet], out=None) -> bytes | None:
    """The workbook's bytes, or (given `out`, a path or a binary file) written there, streamed from the sheets'
    spools: memory does not grow with the rows."""
    if out is None:
        buf = io.BytesIO()
        workbook(sheets, buf)
        return buf.getvalue()
    if isinstance(out, (str, os.PathLike)):
        with open(out, "wb") as f:
            workbook(sheets, f)
        return None
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                   + "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                             for i in range(len(sheets))) + "</Types>")
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{ns}" '
                   f'xmlns:r="{rel}"><sheets>' + "".join(f'<sheet name="{escape(s.title)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                                                      for i, s in enumerate(sheets)) + "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   + "".join(f'<Relationship Id="rId{i + 1}" Type="{rel}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                             for i in range(len(sheets)))
                   + f'<Relationship Id="rId{len(sheets) + 1}" Type="{rel}/styles" Target="styles.xml"/></Relationships>')
        z.writestr("xl/styles.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="{ns}">'
                   '<fonts count="2"><font><sz val="11"/><name val="等线"/></font><font><b/><sz val="11"/><name val="等线"/></font></fonts>'
                   '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
                   '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/></patternFill></fill></fills>'
                   '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
                   '<cellXfs count="2"><xf/><xf fontId="1" fillId="2" applyFont="1" applyFill="1"/></cellXfs>'
                   '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
        for i, s in enumerate(sheets):
            with z.open(f"xl/worksheets/sheet{i + 1}.xml", "w", force_zip64=True) as f:
                s.write_to(f)
    return None
