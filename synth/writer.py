"""Write an interface file in its spec's encoding and delimiter, its done-marker, and a check table."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from loaders.spec import Spec

MARKER_SUFFIX = ".done"


def render(spec: Spec, columns: dict[str, np.ndarray]) -> tuple[bytes, int]:
    """Encode the rows (columns in spec order) as the file's bytes; returns (bytes, row count)."""
    missing = [c for c in spec.column_names if c not in columns]
    if missing:
        raise ValueError(f"{spec.interface}: generator produced no values for {missing}")
    cols = [columns[c] for c in spec.column_names]
    n = len(cols[0])
    text = "".join(spec.delimiter.join(row) + "\n" for row in zip(*cols))
    return text.encode(spec.encoding), n


def write_marker(path: Path, data: bytes, rows: int) -> Path:
    """The upstream's 'finished' signal: row count and SHA-256 of the data file."""
    marker = path.with_name(path.name + MARKER_SUFFIX)
    marker.write_text(json.dumps({"file": path.name, "rows": rows,
                                  "sha256": hashlib.sha256(data).hexdigest()}, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    return marker


def write_interface_file(folder: Path, spec: Spec, month: str, columns: dict[str, np.ndarray]) -> tuple[Path, int]:
    data, rows = render(spec, columns)
    path = folder / spec.file_name(month)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    write_marker(path, data, rows)
    return path, rows


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
    for col, width in zip("ABCDEFGH", (10, 10, 12, 14, 12, 12, 18, 18)):
        ws.column_dimensions[col].width = width
    # Fixed timestamps keep the file byte-identical for the same seed.
    import datetime as dt

    wb.properties.created = wb.properties.modified = dt.datetime(2000, 1, 1)
    tmp = path.with_name(path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)
