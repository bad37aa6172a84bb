"""Daily (T+1) increments on a scratch database: hand-made files of 企业经营异常名录 (market_abnormal_operation_daily)
for the loader's cases, and one generated month replayed onto the roll-up it must reproduce."""
import datetime as dt
import json

import psycopg
import pytest

from foundation.daily_spec import load_daily_specs
from loaders.daily import load_daily
from synth.daily import write_day, write_signal

pytestmark = pytest.mark.integration
IFACE = "market_abnormal_operation_daily"
DS = load_daily_specs()[IFACE]
D0 = dt.date(2024, 12, 31)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n - 1)


def row(op: str, seq: int, code: str, name: str = "北京某某商贸有限公司", listed: str = "20241105", reason: str = "1") -> str:
    return f"{op}|{day(seq):%Y%m%d}|{code}|{name}|{listed}|{reason}|北京市市场监督管理局"


def deliver(folder, seq: int, lines: list[str], signal: bool = True, extra: bytes = b""):
    data = "".join(line + "\n" for line in lines).encode("gbk") + extra
    return write_day(folder / IFACE, DS, day(seq), seq, data, {}, signal=signal)


def run(url, folder):
    logs: list[str] = []
    out = load_daily(url=url, folder=folder, interfaces=[IFACE], log=logs.append, reports=folder / "reports")[IFACE]
    out["log"] = logs
    return out


def state(url) -> dict[str, tuple]:
    with psycopg.connect(url) as c:
        return {r[0]: r[1:] for r in c.execute(
            f"select unit_code, unit_name, _valid_from from raw.{IFACE} where _valid_to is null")}


def versions(url) -> list[tuple]:
    with psycopg.connect(url) as c:
        return c.execute(f"select unit_code, unit_name, _op, _valid_from, _valid_to from raw.{IFACE} "
                         "order by unit_code, _valid_from, _seq").fetchall()


def test_insert_update_delete_keep_history_and_bad_lines_become_findings(scratch_url, tmp_path):
    deliver(tmp_path, 1, [row("I", 1, "A001"), row("I", 1, "B001"), row("I", 1, "C001")])
    deliver(tmp_path, 2, [row("U", 2, "A001", name="北京新名称有限公司"), row("D", 2, "B001"), row("I", 2, "D001"),
                          row("X", 2, "E001"),                      # line 4: unknown operation
                          row("U", 2, "Z999"),                      # line 5: update of a key not in the state
                          row("I", 2, "F001", listed="20241345"),   # line 6: impossible date
                          row("I", 2, "C001"),                      # line 7: insert of a key already there
                          row("I", 3, "G001")],                     # line 8: change dated another day
            extra=(row("I", 2, "H001", name="白玉商贸") + "\n").encode("utf-8"))  # line 9: UTF-8 text in a GBK file
    out = run(scratch_url, tmp_path)
    assert [a["seq"] for a in out["applied"]] == [1, 2] and out["status"] == "applied"
    assert out["applied"][1] | {"delivery_id": 0, "seconds": 0} == {
        "seq": 2, "delivery_id": 0, "seconds": 0, "rows_read": 9, "inserted": 1, "updated": 1, "deleted": 1, "rejected": 6,
        "findings": {"change_op": 1, "change_missing": 1, "impossible_date": 1, "change_insert_exists": 1, "change_date": 1,
                     "encoding": 1}}
    assert state(scratch_url) == {"A001": ("北京新名称有限公司", day(2)), "C001": ("北京某某商贸有限公司", day(1)),
                                  "D001": ("北京某某商贸有限公司", day(2))}
    assert versions(scratch_url) == [
        ("A001", "北京某某商贸有限公司", "I", day(1), day(2)), ("A001", "北京新名称有限公司", "U", day(2), None),
        ("B001", "北京某某商贸有限公司", "I", day(1), day(2)), ("C001", "北京某某商贸有限公司", "I", day(1), None),
        ("D001", "北京某某商贸有限公司", "I", day(2), None)]
    with psycopg.connect(scratch_url) as c:
        found = c.execute("select file_name, line_no, column_name, rule, raw_line from audit.daily_finding "
                          "order by line_no").fetchall()
    name = DS.file_name(day(2), 2)
    assert [(f[0], f[1], f[2], f[3]) for f in found] == [
        (name, 4, "change_op", "change_op"), (name, 5, "unit_code", "change_missing"), (name, 6, "list_date", "impossible_date"),
        (name, 7, "unit_code", "change_insert_exists"), (name, 8, "change_date", "change_date"),
        (name, 9, "unit_name", "encoding")]
    assert bytes(found[0][4]).decode("gbk") == row("X", 2, "E001")
    report = (tmp_path / "reports" / "202501" / "数据错误报告_按日_市市场监督管理局_企业信用信息_202501.txt").read_text()
    assert f"{name} 第 4 行 [变更类型无效]" in report and row("X", 2, "E001") in report
    assert (tmp_path / "reports" / "202501" / "数据错误报告_按日_市市场监督管理局_企业信用信息_202501.xlsx").exists()


def test_completion_signal_interrupted_transfer_and_crash_resume_without_duplicates(scratch_url, tmp_path, monkeypatch):
    deliver(tmp_path, 1, [row("I", 1, "A001")])
    full = [row("I", 2, f"N{k:03d}") for k in range(40)]
    path = deliver(tmp_path, 2, full[:15], signal=False)             # upstream still writing: no signal
    out = run(scratch_url, tmp_path)
    assert [a["seq"] for a in out["applied"]] == [1]
    assert "完成标志(.ok)未到" in out["waiting"][0]["reason"]
    data = "".join(x + "\n" for x in full).encode("gbk")
    write_signal(path, DS, day(2), 2, data)                          # signal of the whole file, bytes cut short
    out = run(scratch_url, tmp_path)
    assert out["applied"] == [] and "传输未完成或中断" in out["waiting"][0]["reason"]
    path.write_bytes(data)                                           # transfer resumed and finished
    deliver(tmp_path, 3, [row("U", 3, "N001", name="改名")])
    import loaders.daily as daily
    real = daily._store_findings
    monkeypatch.setattr(daily, "_store_findings", lambda conn, ds, f, *a: (_ for _ in ()).throw(OSError("killed"))
                        if f.seq == 3 else real(conn, ds, f, *a))   # the run dies while applying day 3
    out = run(scratch_url, tmp_path)
    assert [a["seq"] for a in out["applied"]] == [2] and "killed" in out["waiting"][0]["reason"]
    assert state(scratch_url)["N001"][0] == "北京某某商贸有限公司"       # day 3 left nothing behind
    monkeypatch.setattr(daily, "_store_findings", real)
    out = run(scratch_url, tmp_path)
    assert [a["seq"] for a in out["applied"]] == [3]
    assert run(scratch_url, tmp_path)["applied"] == []               # nothing applied twice
    assert len(state(scratch_url)) == 41 and state(scratch_url)["N001"][0] == "改名"
    assert len(versions(scratch_url)) == 42


def test_gap_is_held_and_reported_until_filled(scratch_url, tmp_path):
    deliver(tmp_path, 1, [row("I", 1, "A001")])
    deliver(tmp_path, 2, [row("I", 2, "B001")])
    deliver(tmp_path, 4, [row("U", 4, "C001", name="四号")])
    deliver(tmp_path, 5, [])
    out = run(scratch_url, tmp_path)
    assert [a["seq"] for a in out["applied"]] == [1, 2] and out["status"] == "waiting"
    assert "缺少序号 3" in out["waiting"][0]["reason"] and "4–5" in out["waiting"][0]["reason"]
    assert "缺少序号 3" in next((tmp_path / "reports" / "202501").glob("*.txt")).read_text()   # told to the provider
    deliver(tmp_path, 3, [row("I", 3, "C001")])
    out = run(scratch_url, tmp_path)
    assert [a["seq"] for a in out["applied"]] == [3, 4, 5] and out["status"] == "applied"
    assert state(scratch_url)["C001"] == ("四号", day(4))


def test_structure_change_is_held_once_and_the_corrected_file_loads(scratch_url, tmp_path):
    deliver(tmp_path, 1, [row("I", 1, "A001")])
    deliver(tmp_path, 2, [row("I", 2, f"N{k:03d}") + "|新增字段" for k in range(10)])   # a column added upstream
    deliver(tmp_path, 3, [row("I", 3, "Z001")])
    for _ in range(2):
        out = run(scratch_url, tmp_path)
        assert "文件结构与接口规范不符" in out["waiting"][0]["reason"] and "序号 3–3 等待" in out["waiting"][0]["reason"]
    with psycopg.connect(scratch_url) as c:
        assert c.execute("select count(*) from audit.daily_delivery where status='held'").fetchone()[0] == 1
    assert set(state(scratch_url)) == {"A001"}
    deliver(tmp_path, 2, [row("I", 2, f"N{k:03d}") for k in range(10)])                 # corrected re-delivery
    out = run(scratch_url, tmp_path)
    assert [a["seq"] for a in out["applied"]] == [2, 3] and len(state(scratch_url)) == 12


def test_redelivery_replaces_a_day_atomically_and_replays_the_later_days(scratch_url, tmp_path):
    deliver(tmp_path, 1, [row("I", 1, "A001"), row("I", 1, "B001")])
    deliver(tmp_path, 2, [row("U", 2, "A001", name="错误名称"), row("I", 2, "X001")])
    deliver(tmp_path, 3, [row("U", 3, "B001", name="三号")])
    assert [a["seq"] for a in run(scratch_url, tmp_path)["applied"]] == [1, 2, 3]
    before = versions(scratch_url)
    # A re-delivery of day 2 while day 3's file is gone: nothing may change (one transaction).
    p3 = tmp_path / IFACE / DS.file_name(day(3), 3)
    saved = p3.read_bytes()
    p3.unlink()
    deliver(tmp_path, 2, [row("U", 2, "A001", name="正确名称")])
    out = run(scratch_url, tmp_path)
    assert out["replaced"] == [] and "重放序号 3" in out["waiting"][0]["reason"] and versions(scratch_url) == before
    p3.write_bytes(saved)
    out = run(scratch_url, tmp_path)
    assert out["replaced"] == [2] and out["status"] == "applied"
    assert state(scratch_url) == {"A001": ("正确名称", day(2)), "B001": ("三号", day(3))}   # X001 of the first day 2 gone
    assert versions(scratch_url) == [
        ("A001", "北京某某商贸有限公司", "I", day(1), day(2)), ("A001", "正确名称", "U", day(2), None),
        ("B001", "北京某某商贸有限公司", "I", day(1), day(3)), ("B001", "三号", "U", day(3), None)]
    with psycopg.connect(scratch_url) as c:
        assert c.execute("select seq, status from audit.daily_delivery order by delivery_id").fetchall() == [
            (1, "applied"), (2, "superseded"), (3, "superseded"), (2, "applied"), (3, "applied")]
    assert run(scratch_url, tmp_path)["replaced"] == []                 # the same re-delivery is not applied twice
    after = versions(scratch_url)
    deliver(tmp_path, 2, [row("U", 2, "A001", name=f"名称{k}") + "|多一列" for k in range(6)])  # layout changed
    out = run(scratch_url, tmp_path)
    assert out["replaced"] == [] and "暂缓" in out["waiting"][0]["reason"] and versions(scratch_url) == after


def test_a_generated_month_replayed_gives_its_roll_up(scratch_url, tmp_path):
    """synth.daily: the increments of 202501 on the state of 202412 give the 202501 roll-up, for every 按日 source,
    with the same ID numbers and credit codes as the monthly files (same world)."""
    from synth.__main__ import generate
    from synth.daily import generate as daily_generate

    generate("202412", 2, 0.0002, 11, out=tmp_path / "exchange", log=lambda *_: None)
    daily_generate("202501", out=tmp_path / "daily", exchange=tmp_path / "exchange", log=lambda *_: None)
    summary = load_daily(url=scratch_url, folder=tmp_path / "daily", log=lambda *_: None, reports=tmp_path / "reports")
    assert {k: (v["status"], len(v["applied"])) for k, v in summary.items()} == {k: ("applied", 32) for k in load_daily_specs()}
    ops = {"I": 0, "U": 0, "D": 0}
    with psycopg.connect(scratch_url) as c:
        for name, ds in load_daily_specs().items():
            cols = [c_ for c_ in ds.entity_columns]
            text = ", ".join(f"coalesce(to_char({x.name}, 'YYYYMMDD'), '')" if x.type == "date"
                             else f"coalesce({x.name}::text, '')" for x in cols)
            got = set(c.execute(f"select {text} from raw.{name} where _valid_to is null").fetchall())
            lines = (tmp_path / "exchange" / "202501" / ds.base.file_name("202501")).read_bytes().decode("gbk").splitlines()
            want = {tuple(line.split("|")[1:]) for line in lines}
            assert got and got == want, name
            for op, n in c.execute("select _op, count(*) from raw." + name + " where _seq > 1 group by 1"):
                ops[op] += n
            ops["D"] += c.execute(f"select count(*) from raw.{name} where _valid_to is not null and _closed_by in "
                                  f"(select delivery_id from audit.daily_delivery where deleted > 0) and not exists "
                                  f"(select 1 from raw.{name} n where n._delivery_id = raw.{name}._closed_by and "
                                  + " and ".join(f"n.{k} = raw.{name}.{k}" for k in ds.key) + ")").fetchone()[0]
    assert min(ops.values()) > 0, ops        # the month has inserts, updates and deletes
    signal = json.loads((tmp_path / "daily" / "police_hukou_register_daily" /
                         (load_daily_specs()["police_hukou_register_daily"].file_name(dt.date(2025, 1, 1), 2) + ".ok"))
                        .read_text(encoding="utf-8"))
    assert signal["seq"] == 2 and signal["business_date"] == "2025-01-01" and len(signal["sha256"]) == 64
