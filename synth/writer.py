"""Write an interface file in its spec's encoding and delimiter, its done-marker, and a check table."""
from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

MARKER_SUFFIX = ".done"


def write_marker(path: Path, data: bytes, rows: int) -> Path:
    """The upstream's 'finished' signal: row count and SHA-256 of the data file."""
    return write_marker_digest(path, hashlib.sha256(data).hexdigest(), rows)


def write_marker_digest(path: Path, sha256: str, rows: int) -> Path:
    """write_marker for a file written in chunks, whose SHA-256 (hex) was computed while writing it."""
    marker = path.with_name(path.name + MARKER_SUFFIX)
    marker.write_text(json.dumps({"file": path.name, "rows": rows, "sha256": sha256}, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    return marker


def write_check_table(path: Path, definition: dict, month: str, rows: list[dict]) -> None:
    """The provider's 数据核对表 as XLSX: title row, header of Chinese labels, one row per key."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = definition["sheet"]
    ws.append([f"{definition['title']}（{month[:4]}年{month[4:]}月）"])
    ws.append([c["label"] for c in definition["columns"]])
    for r in rows:
        ws.append([r[c["name"]] for c in definition["columns"]])
    from openpyxl.utils import get_column_letter

    for k, c in enumerate(definition["columns"], 1):
        ws.column_dimensions[get_column_letter(k)].width = max(10, len(c["label"]) * 2 + 2)
    buf = io.BytesIO()
    wb.save(buf)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(_deterministic_zip(buf.getvalue()))
    tmp.replace(path)


def _deterministic_zip(data: bytes) -> bytes:
    """openpyxl stamps the save time into docProps/core.xml and every zip entry; fix both so the same
    seed gives a byte-identical check table."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", body)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0)), body,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
