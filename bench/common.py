"""Helpers shared by the benchmarks: machine description, peak RSS of a child process, result files."""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def load_avg() -> str:
    """The 1/5/15-minute load average, as the benchmarks print it beside their figures ("0.8 / 1.0 / 3.0")."""
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def machine() -> dict:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "memory_gib": round(mem, 1), "cpu": cpu,
            "python": platform.python_version(), "date": dt.datetime.now().isoformat(timespec="seconds")}


def run_child(code: str, env: dict | None = None) -> dict:
    """Run `code` in a fresh Python; it prints one JSON line last, which is returned."""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, **(env or {})}, cwd=Path(__file__).resolve().parent.parent)
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-3000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def read_result(name: str) -> dict | None:
    """The figures a benchmark last wrote (bench/results/<name>.json), or None."""
    try:
        return json.loads((RESULTS / f"{name}.json").read_text())
    except (OSError, ValueError):
        return None


def earlier_sections(name: str) -> str:
    """What bench/results/<name>.md holds below its title (the earlier runs' sections), for write_result(keep=...)
    to put back below a new run; read once at a run's start. A file written before runs were kept (no '## ' heading
    of its own) becomes one section, its Reproduce line the heading's."""
    md = RESULTS / f"{name}.md"
    text = md.read_text(encoding="utf-8").strip() if md.exists() else ""
    if text.startswith(f"# {name}\n") or text == f"# {name}":
        text = text[len(f"# {name}"):].strip()
    if text and not text.startswith("## "):
        text = "## Earlier run\n\n" + text
    return text


def write_result(name: str, command: str, data: dict, table_md: str, keep: str | None = None) -> Path:
    """bench/results/<name>.json (this run) and <name>.md: the run's table. With `keep` (earlier_sections(), read
    when the run started) the run is a section of its own on top and the earlier sections stay below it, so that
    a run that writes its file after every step replaces only its own section."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"command": command, "machine": machine(), **data}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    md = RESULTS / f"{name}.md"
    m = payload["machine"]
    body = (f"Reproduce: `{command}`\n\nMachine: {m['cores']} cores, {m['memory_gib']} GiB, {m['cpu']}, "
            f"Python {m['python']}, run {m['date']}.\n\n{table_md}\n")
    if keep is None:
        md.write_text(f"# {name}\n\n{body}", encoding="utf-8")
    else:
        started = data.get("started") or m["date"]
        md.write_text(f"# {name}\n\n## Run of {started.replace('T', ' ')}\n\n{body}"
                      + (f"\n{keep}\n" if keep else ""), encoding="utf-8")
    return md


def run_step(name: str, args: list[str], env: dict, log_dir: Path) -> float:
    """Run `python <args>` from the repository root as one timed benchmark step: its output goes to
    <log_dir>/<name>.log, a failure stops the benchmark with the output's tail; returns the seconds taken."""
    from foundation import settings

    print(f"[bench] {name} …", flush=True)
    t = time.perf_counter()
    res = subprocess.run([sys.executable, *args], cwd=settings.ROOT, env=env, capture_output=True, text=True)
    secs = time.perf_counter() - t
    log_dir.mkdir(parents=True, exist_ok=True)
    (log_dir / f"{name.replace(' ', '_')}.log").write_text(res.stdout + res.stderr)
    if res.returncode != 0:
        raise SystemExit(f"{name} failed ({res.returncode}):\n{res.stdout[-3000:]}\n{res.stderr[-2000:]}")
    print(f"[bench] {name}: {secs:.1f}s", flush=True)
    return secs
