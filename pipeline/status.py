"""Per month: files arrived / missing, loaded, built, checks passed, published, backed up.

    python -m pipeline.status

Cheap at any scale: a file is not hashed again when the load audit (audit.load_batch: file, SHA-256,
size, load start) still describes it. Only `stat` is taken of the file and its done-marker, and the
marker (a few bytes) is read: if the size equals the recorded size, neither file nor marker was modified
(mtime) after the load started, and the marker still names the recorded SHA-256, the file is what was
loaded and counts as arrived and verified. Any other file (never loaded, re-delivered, changed on disk)
gets the full check — SHA-256 and line count against its marker, as the loader does. (mtime, not ctime:
the drop is often re-written or copied unchanged with its arrival time as mtime, which must not cost a
re-hash of every file; an edit that keeps size, marker and a back-dated mtime is left to the loader, which
hashes every file it is given.)
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg

from foundation import settings
from foundation.spec import load_specs
from loaders import dropzone
from pipeline import backup


@dataclass(frozen=True)
class Loaded:
    """What the loader recorded for a file: its hash and size when it was loaded (or held)."""
    sha256: str
    size: int
    loaded_at: float   # epoch seconds: start of the load, after the loader had hashed the file


def _unchanged(path: Path, rec: Loaded) -> bool:
    """True when file and marker provably are what the loader saw (stat + the marker's few bytes)."""
    marker = path.with_name(path.name + dropzone.MARKER_SUFFIX)
    try:
        st, mst = path.stat(), marker.stat()
        claimed = json.loads(marker.read_text(encoding="utf-8")).get("sha256")
    except (OSError, ValueError, UnicodeDecodeError, AttributeError):
        return False
    return st.st_size == rec.size and claimed == rec.sha256 and max(st.st_mtime, mst.st_mtime) <= rec.loaded_at


def audited_check(recorded: dict[str, Loaded], hashed: list[str] | None = None):
    """A dropzone.check_file that trusts the load audit for unchanged files and hashes only the others
    (their names are appended to `hashed`)."""
    def check(folder: Path, provider: str, file_name: str):
        rec = recorded.get(file_name)
        if rec is not None and _unchanged(folder / file_name, rec):
            return None, rec.sha256
        if hashed is not None and (folder / file_name).exists():
            hashed.append(file_name)
        return dropzone.check_file(folder, provider, file_name)
    return check


def rows(url: str | None = None, hashed: list[str] | None = None) -> list[dict]:
    """One dict per month. `hashed`, if given, receives the files that had to be hashed."""
    months = sorted({p.name for p in settings.EXCHANGE.glob("[0-9]" * 6)} |
                    {p.name for p in backup.BACKUPS.glob("[0-9]" * 6)})
    out = []
    with psycopg.connect(url or settings.warehouse_url()) as conn:
        def q(sql, *args):
            try:
                return conn.execute(sql, args).fetchall()
            except psycopg.Error:
                conn.rollback()
                return []

        loads = {r[0]: r[1] for r in q("select distinct on (data_month) to_char(data_month, 'YYYYMM'), status "
                                       "from audit.load_run order by data_month, run_id desc")}
        # The latest loaded (or held) batch of every file: what the loader saw of it.
        recorded: dict[str, dict[str, Loaded]] = {}
        for month, name, sha, size, started in q(
                "select distinct on (data_month, interface) to_char(data_month, 'YYYYMM'), file_name, file_sha256, "
                "file_bytes, started_at from audit.load_batch where status in ('loaded', 'held') "
                "order by data_month, interface, batch_id desc"):
            recorded.setdefault(month, {})[name] = Loaded(sha, size, started.timestamp())
        review = {r[0] for r in q("select month_key::text from marts.dim_month")}
        official = {r[0] for r in q("select month_key::text from official.dim_month")}
        build = q("select result, finished_at from audit.run_log where action = 'build' and result <> 'running' "
                  "order by run_id desc limit 1")
        release = q("select release_id, data_month from official.release_info")
        specs = load_specs()
        for m in months:
            folder = settings.EXCHANGE / m
            files = recorded.get(m, {})
            problems, usable = dropzone.completeness(m, folder, check=audited_check(files, hashed)) \
                if folder.exists() else ([], {})
            chain = backup.chain(m)
            loaded = loads.get(m, "-")
            if loaded != "-":
                # usable files on disk that the loader has not seen as they are: re-delivered, or never loaded
                pending = sorted(name for name, sha in ((specs[i].file_name(m), sha) for i, sha in usable.items())
                                 if name not in files or files[name].sha256 != sha)
                if pending:
                    loaded += f" (待加载 {len(pending)}: {', '.join(pending[:3])}{' …' if len(pending) > 3 else ''})"
            out.append({
                "month": m,
                "arrived": f"{len(usable)}/{len(usable) + len(problems)}",
                "missing": ", ".join(p.file_name for p in problems) or "-",
                "loaded": loaded,
                "built": "yes" if m in review else "-",
                "checks": (build[0][0] if build else "-") if m in review else "-",
                "published": (f"yes (release {release[0][0]})" if m in official and release else "-"),
                "backed_up": f"{len(chain)} ({chain[-1].name})" if chain else "-",
            })
    return out


def main(argv: list[str] | None = None) -> int:
    if argv:
        print("usage: python -m cli status (no arguments)", file=sys.stderr)
        return 2
    data = rows()
    header = {"month": "月份", "arrived": "到达/应到", "missing": "缺失或有误", "loaded": "加载", "built": "已构建",
              "checks": "校验", "published": "已发布", "backed_up": "备份"}
    widths = {k: max(len(header[k]) * 2, *(len(str(r[k])) for r in data)) if data else len(header[k]) * 2
              for k in header}
    print("  ".join(header[k].ljust(widths[k] - len(header[k])) for k in header))
    for r in data:
        print("  ".join(str(r[k]).ljust(widths[k]) for k in header))
    return 0


if __name__ == "__main__":
    sys.exit(main())
