"""The loader against a real PostgreSQL: audited COPY, exactly-once, re-delivery, refusals."""
import json
import shutil

import psycopg
import pytest

from loaders.load import MonthIncomplete, load_month
from synth.__main__ import generate

pytestmark = pytest.mark.integration
MONTH = "202407"


@pytest.fixture(scope="module")
def drop(tmp_path_factory):
    root = tmp_path_factory.mktemp("exchange")
    generate(MONTH, 1, 0.0005, 11, out=root)
    return root


def _month_copy(drop, tmp_path):
    folder = tmp_path / MONTH
    shutil.copytree(drop / MONTH, folder)
    return folder


def _count(url, table):
    with psycopg.connect(url) as c:
        return c.execute(f"select count(*) from {table}").fetchone()[0]


def _line_count(folder, name):
    return (folder / name).read_bytes().count(b"\n")


def test_load_is_audited_and_exactly_once(scratch_url, drop, tmp_path):
    folder = _month_copy(drop, tmp_path)
    first = load_month(MONTH, url=scratch_url, folder=folder, log=lambda *_: None)
    assert all(v["status"] == "loaded" for v in first.values())
    n = _count(scratch_url, "raw.ent_pension_person")
    assert n == _line_count(folder, "QYYL_RY_202407.txt")
    second = load_month(MONTH, url=scratch_url, folder=folder, log=lambda *_: None)
    assert all(v["status"] == "unchanged" for v in second.values())
    assert _count(scratch_url, "raw.ent_pension_person") == n
    with psycopg.connect(scratch_url) as c:
        rows = c.execute("select interface, status, rows_read, rows_loaded, file_sha256, run_by "
                         "from audit.load_batch where interface not like 'manual%%' order by batch_id").fetchall()
    from foundation.spec import load_specs

    assert len(rows) == len(load_specs()) and {r[1] for r in rows} == {"loaded"}
    assert all(r[2] == r[3] > 0 and len(r[4]) == 64 and r[5] for r in rows)


def test_corrected_redelivery_replaces_the_month(scratch_url, drop, tmp_path):
    folder = _month_copy(drop, tmp_path)
    load_month(MONTH, url=scratch_url, folder=folder, log=lambda *_: None)
    path = folder / "QYYL_DYFF_202407.txt"
    lines = path.read_bytes().splitlines(keepends=True)
    corrected = b"".join(lines[:-10])  # the provider withdrew ten payments
    path.write_bytes(corrected)
    from synth.writer import write_marker

    write_marker(path, corrected, len(lines) - 10)
    res = load_month(MONTH, url=scratch_url, folder=folder, log=lambda *_: None)
    assert res["ent_pension_payment"]["status"] == "loaded"
    assert _count(scratch_url, "raw.ent_pension_payment") == len(lines) - 10
    with psycopg.connect(scratch_url) as c:
        statuses = c.execute("select status from audit.load_batch where interface='ent_pension_payment' "
                             "order by batch_id").fetchall()
    assert [s[0] for s in statuses] == ["superseded", "loaded"]


def test_incomplete_month_is_refused_unless_forced(scratch_url, drop, tmp_path):
    folder = _month_copy(drop, tmp_path)
    (folder / "QYYL_JF_202407.txt").unlink()
    marker = folder / "QYYL_RY_202407.txt.done"
    m = json.loads(marker.read_text())
    m["rows"] += 1
    marker.write_text(json.dumps(m))
    with pytest.raises(MonthIncomplete, match="2 个文件"):
        load_month(MONTH, url=scratch_url, folder=folder, log=lambda *_: None)
    with psycopg.connect(scratch_url) as c:
        status, problems = c.execute("select status, problems from audit.load_run").fetchone()
        assert status == "refused"
        assert {p["problem"] for p in problems} == {"missing", "marker_mismatch"}
        assert c.execute("select to_regclass('raw.ent_pension_unit')").fetchone()[0] is None
    load_month(MONTH, url=scratch_url, folder=folder, force=True, log=lambda *_: None)
    with psycopg.connect(scratch_url) as c:
        assert c.execute("select forced from audit.load_run where status='loaded'").fetchone()[0] is True
    assert _count(scratch_url, "raw.ent_pension_unit") > 0
    # nothing of the file whose marker disagrees is loaded; its raw table exists from the spec, empty, so the
    # month still builds with that source's models empty (issue 14)
    assert _count(scratch_url, "raw.ent_pension_person") == 0


def test_bad_rows_are_rejected_and_kept(scratch_url, drop, tmp_path):
    folder = _month_copy(drop, tmp_path)
    path = folder / "QYYL_JF_202407.txt"
    lines = path.read_bytes().splitlines(keepends=True)
    bad = lines[4].replace(b"|202407|", b"|202413|", 1)  # fee month 13 → type error (data_month first)
    lines[4] = bad
    data = b"".join(lines)
    path.write_bytes(data)
    from synth.writer import write_marker

    write_marker(path, data, len(lines))
    load_month(MONTH, url=scratch_url, folder=folder, log=lambda *_: None)
    assert _count(scratch_url, "raw.ent_pension_contribution") == len(lines) - 1
    with psycopg.connect(scratch_url) as c:
        line_no, column, rule, raw = c.execute(
            "select line_no, column_name, rule, raw_line from audit.load_finding").fetchone()
    assert (line_no, column, rule) == (5, "fee_month", "type") and bytes(raw) == bad.rstrip(b"\n")


def test_structure_change_holds_the_file(scratch_url, drop, tmp_path):
    folder = _month_copy(drop, tmp_path)
    path = folder / "QYYL_DW_202407.txt"
    data = b"".join(l.rstrip(b"\n") + b"|NEW\n" for l in path.read_bytes().splitlines(keepends=True))
    path.write_bytes(data)
    from synth.writer import write_marker

    write_marker(path, data, data.count(b"\n"))
    res = load_month(MONTH, url=scratch_url, folder=folder, log=lambda *_: None)
    assert res["ent_pension_unit"]["status"] == "held"
    assert "12 个字段" in res["ent_pension_unit"]["message"]
    assert _count(scratch_url, "raw.ent_pension_unit") == 0


def test_loader_catches_exactly_the_injected_errors(scratch_url, tmp_path):
    from synth.errors import RULES

    generate(MONTH, 1, 0.0005, 23, out=tmp_path, error_rates={r: 0.003 for r in RULES})
    manifest = json.loads((tmp_path / MONTH / "_manifest.json").read_text(encoding="utf-8"))
    load_month(MONTH, url=scratch_url, folder=tmp_path / MONTH, log=lambda *_: None)
    with psycopg.connect(scratch_url) as c:
        found = set(c.execute("select file_name, line_no, column_name, rule from audit.load_finding").fetchall())
        loaded = c.execute("select sum(rows_loaded), sum(rows_read), sum(rows_rejected) from audit.load_batch").fetchone()
    expected = {(e["file"], e["line"], e["column"], e["rule"]) for e in manifest["errors"]}
    assert found == expected
    rejected_lines = {(e["file"], e["line"]) for e in manifest["errors"] if e["rule"] != "unknown_code"}
    assert loaded[2] == len(rejected_lines) and loaded[0] == loaded[1] - loaded[2]


def test_truncated_and_structure_scenarios_are_caught(scratch_url, tmp_path):
    generate(MONTH, 1, 0.0005, 24, out=tmp_path,
             scenarios=["truncated:ent_pension_retiree", "structure:ent_pension_unit"])
    with pytest.raises(MonthIncomplete):
        load_month(MONTH, url=scratch_url, folder=tmp_path / MONTH, log=lambda *_: None)
    res = load_month(MONTH, url=scratch_url, folder=tmp_path / MONTH, force=True, log=lambda *_: None)
    assert "ent_pension_retiree" not in res and res["ent_pension_unit"]["status"] == "held"


def test_files_not_yet_due_are_not_missing(scratch_url, drop, tmp_path):
    import datetime as dt

    folder = _month_copy(drop, tmp_path)
    for name in ("DHZX_HJ_202407.txt", "QYYL_RY_202407.txt"):
        (folder / name).unlink()
    # On 2 August: the hotline file for July (due 1 August) is missing; pension (due 5 August) is not due yet.
    with pytest.raises(MonthIncomplete, match="1 个文件"):
        load_month(MONTH, url=scratch_url, folder=folder, log=lambda *_: None, as_of=dt.date(2024, 8, 2))
    with psycopg.connect(scratch_url) as c:
        problems = c.execute("select problems from audit.load_run").fetchone()[0]
    assert [p["file_name"] for p in problems] == ["DHZX_HJ_202407.txt"]


def test_error_reports_per_provider(scratch_url, tmp_path):
    from openpyxl import load_workbook

    from synth.errors import RULES

    generate(MONTH, 1, 0.0005, 25, out=tmp_path, error_rates={r: 0.003 for r in RULES},
             scenarios=["missing:hotline_call"])
    load_month(MONTH, url=scratch_url, folder=tmp_path / MONTH, force=True, log=lambda *_: None,
               reports=tmp_path / "reports")
    pension = tmp_path / "reports" / f"数据错误报告_社会保险业务经办系统_企业养老_{MONTH}.xlsx"
    wb = load_workbook(pension)
    assert wb.sheetnames == ["加载情况", "问题统计", "样例", "缺失文件"]
    counted = {(r[0], r[1], r[3] or ""): r[6] for r in wb["问题统计"].iter_rows(min_row=3, values_only=True)}
    with psycopg.connect(scratch_url) as c:
        expected = dict(((f, r, col or ""), n) for f, r, col, n in c.execute(
            "select file_name, rule, column_name, count(*) from audit.load_finding "
            "where file_name like 'QYYL%%' group by 1, 2, 3"))
    assert counted == expected and sum(expected.values()) > 0
    assert len(list(wb["样例"].iter_rows(min_row=3))) > 0
    hotline = (tmp_path / "reports" / f"数据错误报告_12333咨询服务呼叫中心系统_{MONTH}.txt").read_text(encoding="utf-8")
    assert "DHZX_HJ_202407.txt: 文件未到达" in hotline


CRASH_CHILD = """
import sys, time
from pathlib import Path
from loaders import load, validate
real = load.validate_stream
def slow(spec, month, f, sink, extra_columns=()):
    def slow_sink(data):
        time.sleep(0.05)
        sink(data)
    return real(spec, month, f, slow_sink, extra_columns)
validate.CHUNK_BYTES = 32 * 1024
load.validate_stream = slow
load.load_month("202407", url=sys.argv[1], folder=Path(sys.argv[2]), log=lambda *_: None)
"""


def test_kill_9_mid_copy_leaves_no_partial_batch(scratch_url, drop, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    folder = _month_copy(drop, tmp_path)
    child = subprocess.Popen([sys.executable, "-c", CRASH_CHILD, scratch_url, str(folder)],
                             cwd=os.getcwd(), env={**os.environ, "PYTHONPATH": os.getcwd()})
    deadline = time.time() + 60
    with psycopg.connect(scratch_url, autocommit=True) as c:
        while time.time() < deadline:
            copying = c.execute("select count(*) from pg_stat_activity where query ilike 'copy raw.%%' "
                                "and state <> 'idle' and pid <> pg_backend_pid()").fetchone()[0]
            loaded = c.execute("select count(*) from audit.load_batch where status = 'loaded'").fetchone()[0] \
                if c.execute("select to_regclass('audit.load_batch')").fetchone()[0] else 0
            if copying and loaded >= 2:  # some files done, one in the middle of its COPY
                break
            time.sleep(0.05)
        else:
            child.kill()
            pytest.fail("the loader never reached a COPY")
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        time.sleep(0.5)
        done = dict(c.execute("select interface, rows_loaded from audit.load_batch where status = 'loaded'").fetchall())
        assert c.execute("select count(*) from audit.load_batch where status <> 'loaded'").fetchone()[0] == 0
        from foundation.spec import load_specs

        for spec in load_specs().values():
            if c.execute("select to_regclass(%s)", (f"raw.{spec.interface}",)).fetchone()[0]:
                n = c.execute(f"select count(*) from raw.{spec.interface}").fetchone()[0]
                assert n == done.get(spec.interface, 0), f"partial rows in raw.{spec.interface}"
    assert len(done) < len(load_specs()), "the kill came after the load had finished"
    res = load_month(MONTH, url=scratch_url, folder=folder, log=lambda *_: None)
    assert {v["status"] for v in res.values()} <= {"loaded", "unchanged"}
    with psycopg.connect(scratch_url) as c:
        total = c.execute("select count(*) from audit.load_batch where status = 'loaded' "
                          "and interface not like 'manual%%'").fetchone()[0]
    assert total == len(load_specs())


def test_manual_entry_is_all_or_nothing(scratch_url, tmp_path):
    from openpyxl import load_workbook

    from loaders.manual import ManualEntryInvalid, import_file

    generate(MONTH, 1, 0.0005, 26, out=tmp_path)
    path = tmp_path / MONTH / f"SGLR_{MONTH}.xlsx"
    assert import_file(path, MONTH, scratch_url) == {"manual_training_inservice": 16,
                                                       "manual_unemployment_fund_budget": 7}
    wb = load_workbook(path)
    wb["在职职工培训"]["D4"] = -1
    wb.save(path)
    with pytest.raises(ManualEntryInvalid, match="第 4 行"):
        import_file(path, MONTH, scratch_url)
    assert _count(scratch_url, "raw.manual_training_inservice") == 16  # the earlier import is untouched


def test_quality_report_lists_new_codes(scratch_url, tmp_path):
    from pipeline import quality

    generate(MONTH, 1, 0.0005, 27, out=tmp_path, error_rates={"unknown_code": 0.004})
    manifest = json.loads((tmp_path / MONTH / "_manifest.json").read_text(encoding="utf-8"))
    load_month(MONTH, url=scratch_url, folder=tmp_path / MONTH, log=lambda *_: None, reports=tmp_path / "r")
    with psycopg.connect(scratch_url) as c:
        q = quality.collect(c, MONTH)
    injected = {(e["file"].split("_2024")[0], e["column"]) for e in manifest["errors"]}
    assert injected and sum(c["rows"] for c in q["new_codes"]) == len(manifest["errors"])
    assert {c["column"] for c in q["new_codes"]} == {col for _, col in injected}
    assert all(c["value"] not in ("", "?") for c in q["new_codes"])
    paths = quality.write(MONTH, scratch_url, tmp_path / "q")
    assert "代码表中没有的新代码" in paths[0].read_text(encoding="utf-8")


def test_a_load_leaves_fresh_planner_statistics(scratch_url, drop, tmp_path):
    """The build reads a month right after its load: the loaded raw tables are analysed by the load itself (the
    statistics of before would plan the new month as one row), files left unchanged are not re-analysed."""
    folder = _month_copy(drop, tmp_path)
    seen = []
    summary = load_month(MONTH, url=scratch_url, folder=folder, log=seen.append)
    assert any("ANALYZE" in line for line in seen), seen

    def analysed():
        with psycopg.connect(scratch_url) as c:
            return dict(c.execute("select relname, last_analyze from pg_stat_user_tables where schemaname = 'raw'"
                                  ).fetchall())

    first = analysed()
    loaded = [i for i, r in summary.items() if r["status"] == "loaded"]
    assert len(loaded) >= 30, summary
    for interface in loaded:
        assert first.get(interface) is not None, f"raw.{interface} not analysed after its load"
    assert first.get("check_table") is not None
    seen.clear()
    load_month(MONTH, url=scratch_url, folder=folder, log=seen.append)       # nothing new: nothing analysed
    again = analysed()
    assert {k: v for k, v in again.items() if k != "check_table"} == {k: v for k, v in first.items() if k != "check_table"}
