"""审核确认 gates publish (real PostgreSQL, a scratch database holding a one-table review release and a finished
build): refused without sign-off, naming the missing modules; a rejection blocks with its reason; all confirmed →
published with the confirmations in release_info; a new build starts a new round; a forced publish is recorded
in the run log and the release info."""
from __future__ import annotations

import psycopg
import pytest

from foundation import signoff
from pipeline import release
from pipeline import signoff as signoff_cli
from runtime import runlog

pytestmark = pytest.mark.integration


def _build(url) -> int:
    with psycopg.connect(url, autocommit=True) as c:
        return c.execute("insert into audit.run_log (action, data_month, run_by, result, finished_at) "
                         "values ('build', '202501', 'test', 'ok', now()) returning run_id").fetchone()[0]


@pytest.fixture()
def wh(scratch_url, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_FIXED_REPORTS", "off")       # no marts to report on here
    with psycopg.connect(scratch_url, autocommit=True) as c:
        c.execute(runlog.DDL)
        c.execute("create schema marts")
        c.execute("create table marts.rpt_pension_overview (month_key int, district_code text, "
                  "insured_active bigint, pension_paid numeric(18,2))")
        c.execute("insert into marts.rpt_pension_overview values (202501, '110000', 10, 5.00)")
    _build(scratch_url)
    return scratch_url


def _publish(url, force=False):
    return release.publish("202501", force=force, url=url, log=lambda *_: None)


def _sign(url, dept, modules, decision="confirmed", comment="ok"):
    with psycopg.connect(url, autocommit=True) as c:
        signoff.ensure(c)
        b = signoff.current_build(c)
        return signoff.record(c, b["run_id"], dept, modules, decision, f"dept_{dept}", "测试人",
                              comment)


def test_publish_refused_without_signoff_then_a_rejection_blocks_then_all_confirmed_publishes(wh):
    with pytest.raises(release.PublishRefused, match=r"17 个模块未确认: 企业职工养老保险\(养老保险处\)"):
        _publish(wh)
    for d in signoff.DEPARTMENTS:
        if d.code != "injury":
            _sign(wh, d.code, list(d.modules))
    with pytest.raises(release.PublishRefused, match=r"1 个模块未确认: 工伤保险\(含工伤审核结算\)\(工伤保险处\)。"):
        _publish(wh)
    _sign(wh, "injury", ["injury"], "rejected", "12月结算件数与经办系统不符")
    with pytest.raises(release.PublishRefused, match="1 个模块被驳回: 工伤保险.*12月结算件数与经办系统不符"):
        _publish(wh)
    _sign(wh, "injury", ["injury"])                       # corrected and confirmed: the latest decision counts
    rid = _publish(wh)
    with psycopg.connect(wh) as c:
        forced, so = c.execute("select forced, signoff from official.release_info").fetchone()
        runs = c.execute("select result, detail->'signoff'->>'build_run_id' from audit.run_log "
                         "where action = 'publish' order by run_id").fetchall()
    assert rid and forced is False
    assert so["modules"]["injury"]["decision"] == "confirmed" and so["demo"] is False
    assert [r[0] for r in runs] == ["refused", "refused", "refused", "ok"]


def test_a_new_build_resets_and_a_forced_publish_is_recorded(wh):
    signoff_cli.sign_all_demo(url=wh, log=lambda *_: None)
    with psycopg.connect(wh) as c:
        assert signoff.outstanding(signoff.state(c)) == ([], [])
    _build(wh)                                                # a new review release: nobody has confirmed it
    with psycopg.connect(wh) as c:
        missing, _ = signoff.outstanding(signoff.state(c))
    assert len(missing) == len(signoff.MODULES)
    _publish(wh, force=True)
    with psycopg.connect(wh) as c:
        forced, so = c.execute("select forced, signoff from official.release_info").fetchone()
        result, detail = c.execute("select result, detail from audit.run_log where action = 'publish' "
                                   "order by run_id desc limit 1").fetchone()
    assert forced is True and result == "forced"
    assert "17 个模块未确认" in detail["signoff_forced_over"] and "17 个模块未确认" in so["forced_over"]


def test_a_department_signs_only_its_own_modules_and_a_rejection_needs_a_reason(wh):
    with psycopg.connect(wh, autocommit=True) as c:
        signoff.ensure(c)
        b = signoff.current_build(c)
        with pytest.raises(signoff.SignoffError, match="工伤保险处 负责的模块是 injury"):
            signoff.record(c, b["run_id"], "injury", ["pension"], "confirmed", "dept_injury", "x", None)
        with pytest.raises(signoff.SignoffError, match="驳回须说明原因"):
            signoff.record(c, b["run_id"], "injury", ["injury"], "rejected", "dept_injury", "x", " ")
        with pytest.raises(signoff.SignoffError, match="审核版已更新"):
            signoff.record(c, b["run_id"] - 1, "injury", ["injury"], "confirmed", "dept_injury", "x", None)
