"""Drop-zone checks (交换平台): is every file due for the month present, named right, non-empty and
matching its done-marker (row count + SHA-256)?"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from foundation import settings
from foundation.months import arrival_date
from foundation.spec import Spec, load_check_tables, load_specs

MARKER_SUFFIX = ".done"


@dataclass
class Problem:
    provider: str
    file_name: str
    problem: str   # missing | empty | marker_missing | marker_mismatch
    detail: str

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def sha256_of(path: Path) -> tuple[str, int, int]:
    """SHA-256, byte size and record count of a file, streamed. Records = lines: the newlines, plus one
    for a last line without a final newline (interfaces/README.md, "Done-marker")."""
    h = hashlib.sha256()
    lines = size = 0
    last = b"\n"
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return h.hexdigest(), size, lines + (size > 0 and last != b"\n")


def check_file(folder: Path, provider: str, file_name: str) -> tuple[Problem | None, str | None]:
    """Returns (problem or None, sha256 when the file is usable)."""
    path = folder / file_name
    if not path.exists():
        return Problem(provider, file_name, "missing", "文件未到达"), None
    if path.stat().st_size == 0:
        return Problem(provider, file_name, "empty", "文件为空"), None
    marker = path.with_name(path.name + MARKER_SUFFIX)
    if not marker.exists():
        return Problem(provider, file_name, "marker_missing", "缺少完成标志文件(.done), 文件可能仍在传输"), None
    try:
        m = json.loads(marker.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        return Problem(provider, file_name, "marker_mismatch", f"完成标志文件无法解析: {e}"), None
    sha, _, lines = sha256_of(path)
    if m.get("sha256") != sha:
        return Problem(provider, file_name, "marker_mismatch",
                       f"SHA-256 不符: 标志 {str(m.get('sha256'))[:12]}…, 实际 {sha[:12]}…(文件不完整或被改动)"), None
    if int(m.get("rows", -1)) != lines:
        return Problem(provider, file_name, "marker_mismatch", f"行数不符: 标志 {m.get('rows')} 行, 文件实有 {lines} 行(记录数, 末行无换行符也计 1 行)"), None
    return None, sha


def due_interfaces(month: str, as_of: dt.date | None = None) -> list[Spec]:
    """Interfaces whose file for data month `month` has arrived by `as_of` (default today) per its
    arrival day: e.g. pension data of 202407 is due on 2024-08-05, the job market's on 2024-07-25."""
    as_of = as_of or dt.date.today()
    return [s for s in load_specs().values() if arrival_date(month, s.period, s.arrival_day) <= as_of]


def completeness(month: str, folder: Path | None = None, as_of: dt.date | None = None, check=check_file
                 ) -> tuple[list[Problem], dict[str, str]]:
    """Problems for the month's drop, and the SHA-256 of each usable interface file by interface.
    A file not yet due is not a problem; if it is already there it is loaded all the same.
    `check` has check_file's signature (pipeline.status passes one that trusts the load audit for unchanged files)."""
    folder = folder or settings.EXCHANGE / month
    problems, usable = [], {}
    due = {s.interface for s in due_interfaces(month, as_of)}
    for spec in load_specs().values():
        if spec.interface not in due:
            if (folder / spec.file_name(month)).exists():
                problem, sha = check(folder, spec.provider, spec.file_name(month))
                if sha:
                    usable[spec.interface] = sha
            continue
        problem, sha = check(folder, spec.provider, spec.file_name(month))
        if problem:
            problems.append(problem)
        else:
            usable[spec.interface] = sha
    for ct in load_check_tables().values():
        name = ct["file_pattern"].format(month=month)
        if not (folder / name).exists():
            problems.append(Problem(ct["provider"], name, "missing", "数据核对表未到达"))
    return problems, usable
