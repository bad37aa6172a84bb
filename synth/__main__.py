"""Generate monthly drops into var/exchange/<YYYYMM>/.

    python -m synth --start 202407 --months 3 --scale 0.001 --seed 42
    python -m synth ... --error-rate 0.001                 every rule at 0.1 % of rows
    python -m synth ... --errors type=0.01,encoding=0.002  chosen rules and rates
    python -m synth ... --scenario missing:ent_pension_contribution@202408
                        --scenario late:ent_pension_person:4   (arrives 4 days late; last month by default)
                        --scenario redelivery:ent_pension_payment:3   (v1 with errors, corrected v2 3 days later)
                        --scenario structure:ent_pension_unit         (upstream added a column)
                        --scenario truncated:ent_pension_retiree      (transfer cut short; marker of the full file)
    python -m synth ... --as-of 2024-09-05                  only what has arrived by that date
    python -m synth ... --cross-anomalies                   also under-16 and double-insured registrations (governance)

Deterministic for a seed: the population is simulated from --start, and each source has its own random
stream per month, so the same parameters give byte-identical files. Each month folder holds the files
(mtime = arrival time), their .done markers, the providers' check tables, and `_manifest.json`: the
ground truth of every injected error (file, line, column, rule), the scenarios and the arrival times, and
the injected cross-source anomalies the governance rules must find ("anomalies": rule, interface, month, key)
with their rates, and the identity noise of the external agencies ("identity": old IDs, lower-case x, typos).
A month whose parameters are unchanged is skipped unless --force.
"""
from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import hashlib
import json
import os
import sys
import time
from pathlib import Path

from foundation import settings
from foundation.months import arrival_date, month_range
from foundation.spec import load_check_tables, load_specs
from synth.errors import RULES, Rendered, render_chunks
from synth.manual import write_manual
from synth.sources import SOURCES
from synth.sources._gov_common import ANOMALY_RATES
from synth.sources.pension import base_limits
from synth.world import World
from synth.writer import write_check_table, write_marker_digest

MANIFEST = "_manifest.json"
GENERATOR_VERSION = 8   # 8: an appraisal every month at tiny scales; 7: district-stratified draws (synth.population.district_choice)


def _parse_scenarios(items: list[str], last_month: str) -> list[dict]:
    out = []
    for item in items or []:
        target, _, month = item.partition("@")
        kind, _, rest = target.partition(":")
        iface, _, arg = rest.partition(":")
        if kind not in ("missing", "late", "redelivery", "structure", "truncated"):
            raise SystemExit(f"unknown scenario kind {kind!r} in {item!r}")
        if iface not in load_specs():
            raise SystemExit(f"unknown interface {iface!r} in scenario {item!r}")
        out.append({"kind": kind, "interface": iface, "month": month or last_month,
                    "days": int(arg) if arg else (3 if kind in ("late", "redelivery") else 0)})
    return out


def _arrival(spec, month: str, delay_days: int = 0) -> dt.datetime:
    day = arrival_date(month, spec.period, spec.arrival_day) + dt.timedelta(days=delay_days)
    return dt.datetime.combine(day, dt.time(9, 0))


def _stream(path: Path, chunks) -> tuple[str, int]:
    """Write the chunks to `path` one after the other; SHA-256 (hex) and size of what was written."""
    h, size = hashlib.sha256(), 0
    with open(path, "wb") as f:
        for chunk in chunks:
            h.update(chunk)
            f.write(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _render_to(path: Path, spec, cols: dict, rates: dict, rng, fname: str) -> tuple[str, int, list[dict]]:
    """Render one interface file straight to `path`, a block of rows at a time: SHA-256, lines, injected errors."""
    out = Rendered()
    digest, _ = _stream(path, render_chunks(spec, cols, rates, rng, fname, out))
    return digest, out.lines, out.manifest


def _write_source(source, files: dict, folder: Path, month: str, params: dict, specs: dict, check_defs: dict,
                  rates: dict, world, as_of_dt) -> dict:
    """Render and write one source's interface files and check tables of the month (in the order of `files`).
    Each file is rendered straight to disk a block of rows at a time (render_chunks: same random draws in the same
    order, so the same bytes as rendering it whole), and its columns are dropped from `files` once it is written;
    the check tables are computed first, from every file of the source. Returns the source's part of the manifest
    (errors, arrivals, not delivered, redelivered) and its rows."""
    manifest = {"errors": [], "arrivals": {}, "not_delivered": []}
    rows_total = 0
    rng = world.rng(source.SOURCE + "/errors", month)
    check_tables = source.check_tables(files)
    check_arrival = _arrival(specs[next(iter(files))], month).isoformat() if files else None
    for name in list(files):
        cols = files.pop(name)
        spec = specs[name]
        fname = spec.file_name(month)
        my = {s["kind"]: s for s in params["scenarios"] if s["interface"] == name}
        path = folder / fname
        tmp = path.with_name(fname + ".part")
        digest, rows, errs = _render_to(tmp, spec, cols, rates, rng, fname)
        when = _arrival(spec, month, my["late"]["days"] if "late" in my else 0)
        if "redelivery" in my:
            tmp_v1 = path.with_name(fname + ".v1.part")
            v1 = _render_to(tmp_v1, spec, cols, {r: 0.01 for r in RULES}, rng, fname)
            redelivered = _arrival(spec, month, my["redelivery"]["days"])
            if as_of_dt and as_of_dt < redelivered:
                tmp_v1.replace(tmp)
                digest, rows, errs = v1
            else:
                tmp_v1.unlink()
                manifest["redelivered"] = {fname: {"first": when.isoformat(), "corrected": redelivered.isoformat()}}
                when = redelivered
        del cols
        if "missing" in my or (as_of_dt and as_of_dt < when):
            tmp.unlink()
            manifest["not_delivered"].append(fname)
            continue
        marker_digest, marker_rows = digest, rows
        if "structure" in my or "truncated" in my:  # scenarios of small test drops: the file is changed whole
            data = tmp.read_bytes()
            if "structure" in my:  # upstream added a column at the end of every line
                # split on newlines only: a lone CR (an injected control character) is no line end
                data = b"".join(l + spec.delimiter.encode() + "新增字段".encode(spec.encoding) + b"\n"
                                for l in data.split(b"\n")[:-1])
                errs = []
                marker_digest = hashlib.sha256(data).hexdigest()
            if "truncated" in my:  # the transfer stopped part-way; the marker describes the full file
                marker_digest, marker_rows = hashlib.sha256(data).hexdigest(), data.count(b"\n")
                data = data[: int(len(data) * 0.6)]
                errs = []
            tmp.write_bytes(data)
            del data
        tmp.replace(path)
        marker = write_marker_digest(path, marker_digest, marker_rows)
        ts = when.timestamp()
        os.utime(path, (ts, ts))
        os.utime(marker, (ts, ts))
        manifest["arrivals"][fname] = when.isoformat()
        manifest["errors"].extend(errs)
        rows_total += rows
    for ct_name, ct_rows in check_tables.items():
        ct = check_defs[ct_name]
        path = folder / ct["file_pattern"].format(month=month)
        write_check_table(path, ct, month, ct_rows)
        manifest["arrivals"][path.name] = check_arrival
    manifest["rows"] = rows_total
    return manifest


def _release_memory() -> None:
    """Hand the freed columns of a written source back to the system. glibc keeps freed blocks below its (growing)
    mmap threshold in the heap, so without this the next source's columns come on top of the last one's in the
    peak RSS; malloc_trim returns them (about 0.1 s). Nothing happens where there is no glibc."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _drop_unread(world, names, read_later: set[str]) -> None:
    """Files about to be written that no later source reads leave world.files, so their columns go once written."""
    for n in names:
        if n not in read_later:
            world.files.pop(n, None)


def _reads(source, world) -> tuple[str, ...]:
    """The interface files of earlier sources this source reads from world.files this month."""
    return tuple(source.reads(world)) if hasattr(source, "reads") else tuple(getattr(source, "READS", ()))


def generate(start: str, months: int, scale: float, seed: int, out: Path | None = None, force: bool = False,
             error_rates: dict[str, float] | None = None, scenarios: list[str] | None = None,
             as_of: str | None = None, log=print, cross_anomalies: bool = False) -> list[str]:
    out = out or settings.EXCHANGE
    specs = load_specs()
    check_defs = load_check_tables()
    month_list = month_range(start, months)
    scen = _parse_scenarios(scenarios or [], month_list[-1])
    rates = {k: v for k, v in (error_rates or {}).items() if v}
    as_of_dt = dt.datetime.fromisoformat(as_of) if as_of else None
    world = World(scale, seed, start)
    world.cross_anomalies = cross_anomalies
    t0 = time.time()
    for k, month in enumerate(month_list, 1):
        folder = out / month
        params = {"generator": GENERATOR_VERSION, "start": start, "scale": scale, "seed": seed,
                  "errors": rates, "scenarios": [s for s in scen if s["month"] == month], "as_of": as_of}
        if cross_anomalies:  # only when on, so the parameters (and files) of a default run are unchanged
            params["cross_anomalies"] = True
        events = world.advance_to(month, base_limits)
        manifest_path = folder / MANIFEST
        # Every source runs every month (its state must advance); only changed months are written.
        write = force or not manifest_path.exists() or json.loads(manifest_path.read_text())["params"] != params
        if write:
            folder.mkdir(parents=True, exist_ok=True)
            for stale in list(folder.glob("*.txt")) + list(folder.glob("*.done")) + list(folder.glob("*.xlsx")):
                stale.unlink()
        manifest = {"params": params, "errors": [], "arrivals": {}, "not_delivered": [],
                    "anomaly_rates": ANOMALY_RATES, "anomalies": [], "identity": []}
        # Streaming by source: a source's files are written as soon as it has produced them (unless a later source
        # amends them in place: then right after that one), and only the files a later source reads stay in
        # memory, so the peak is about one source's month, not every source's. The manifest is assembled in source
        # order whatever the order of writing, so the bytes are those of writing everything at the end.
        world.files, world.anomalies, world.identity_noise = {}, [], []
        parts: dict[str, dict] = {}
        pending: list[tuple] = []          # (source, files) waiting for a later source that amends them

        def flush(after: int | None) -> None:
            later = SOURCES[after + 1:] if after is not None else []
            amended = {n for src in later for n in (src.amends(world) if hasattr(src, "amends") else ())}
            read_later = {n for src in later for n in _reads(src, world)}
            for item in [p for p in pending if not (set(p[1]) & amended)]:
                pending.remove(item)
                _drop_unread(world, item[1], read_later)
                if write:
                    parts[item[0].SOURCE] = _write_source(item[0], item[1], folder, month, params, specs,
                                                          check_defs, rates, world, as_of_dt)
                    _release_memory()

        for i, source in enumerate(SOURCES):
            files = source.month_files(world, month, events)
            world.files.update(files)
            pending.append((source, files))
            flush(i)
            needed = {n for later in SOURCES[i + 1:] for n in _reads(later, world)}
            needed |= {n for _, f in pending for n in f}
            world.files = {n: c for n, c in world.files.items() if n in needed}
            del files
        flush(None)
        world.files = {}
        world.state.pop("_gov", None)   # the month's table of every person (_gov_common.people): rebuilt next month
        _release_memory()
        if not write:
            log(f"[synth] {month}: up to date, skipped ({k}/{len(month_list)})")
            continue
        rows_total = 0
        for source in SOURCES:          # the manifest in source order, as if written in one pass
            part = parts.get(source.SOURCE)
            if part is None:
                continue
            manifest["errors"].extend(part["errors"])
            manifest["not_delivered"].extend(part["not_delivered"])
            manifest["arrivals"].update(part["arrivals"])
            if "redelivered" in part:
                manifest["redelivered"] = part["redelivered"]
            rows_total += part["rows"]
        manifest["anomalies"], manifest["identity"] = world.anomalies, world.identity_noise
        if not any(s["kind"] == "missing" and s["interface"] == "manual" for s in params["scenarios"]):
            manual = write_manual(folder, world, month)
            manifest["arrivals"][manual.name] = dt.datetime.combine(arrival_date(month, "previous_month", 5),
                                                                    dt.time(9)).isoformat()
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        log(f"[synth] {month}: {rows_total:,} rows in {len(manifest['arrivals'])} files, "
            f"{len(manifest['errors'])} injected errors ({k}/{len(month_list)}, {time.time() - t0:.1f}s)")
    return month_list


def _rates(a) -> dict[str, float]:
    rates = {r: a.error_rate for r in RULES} if a.error_rate else {}
    for item in filter(None, (a.errors or "").split(",")):
        rule, _, rate = item.partition("=")
        if rule not in RULES:
            raise SystemExit(f"unknown error rule {rule!r}; rules: {', '.join(RULES)}")
        rates[rule] = float(rate)
    return rates


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m synth", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--start", default="202407", help="first data month YYYYMM")
    ap.add_argument("--months", type=int, default=3)
    ap.add_argument("--scale", type=float, default=0.001, help="1.0 ≈ Beijing (17.6 million insured)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", type=str, default=None, help="drop zone (default var/exchange)")
    ap.add_argument("--error-rate", type=float, default=0.0, help="fraction of rows per rule for every rule")
    ap.add_argument("--errors", help="rule=rate,... (overrides --error-rate for those rules)")
    ap.add_argument("--scenario", action="append", help="kind:interface[:days][@YYYYMM]; repeatable")
    ap.add_argument("--as-of", help="only files arrived by this date/time (ISO)")
    ap.add_argument("--force", action="store_true", help="regenerate months that are up to date")
    ap.add_argument("--cross-anomalies", action="store_true",
                    help="also inject the anomalies between production systems (under 16, insured twice) into their files")
    a = ap.parse_args(argv)
    generate(a.start, a.months, a.scale, a.seed, Path(a.out) if a.out else None, a.force,
             _rates(a), a.scenario, a.as_of, cross_anomalies=a.cross_anomalies)
    return 0


if __name__ == "__main__":
    sys.exit(main())
