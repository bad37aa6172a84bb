"""审核确认 (sign-off of the review release): after each build, every business department (处室) confirms its
modules of the review release — name, time, comment — or rejects one with a reason. A new build starts a new
round (confirmations belong to a build's run id). `make publish` refuses while a module is unconfirmed or
rejected, unless forced (recorded). The portal records decisions (portal/signoff_routes.py); publish reads them
(pipeline/release.py); demo and test pipelines sign as the demo department users, marked demo
(python -m cli signoff --all-demo).

The table audit.signoff is created by the role setup (pipeline/roles.py) owned by the loader like the run log;
the portal may insert and read, publish may read.
"""
from __future__ import annotations

from dataclasses import dataclass

# module (= a folder of report marts, warehouse/models/marts/reports/<module>) -> label
MODULES: dict[str, str] = {
    "pension": "企业职工养老保险",
    "caliber": "口径参数(养老金水平、基金预算)",
    "injury": "工伤保险(含工伤审核结算)",
    "unemployment": "失业保险",
    "public_pension": "机关事业单位养老保险",
    "residents_pension": "城乡居民养老保障",
    "unemployed_registry": "失业人员管理",
    "job_market": "职业介绍",
    "training": "职业培训",
    "arbitration": "劳动人事仲裁",
    "hotline": "12333 电话咨询",
    "petition": "劳动人事信访",
    "dmp": "业务备份库模块(内控、稽核、财务预算、公务查询、统计精算、部数据核查、收缴固定报表)",
    "maternity": "生育保险",
    "medical_account": "医疗保险个人账户",
    "governance": "数据治理异常",
    "manual": "手工录入(在职培训、失业保险基金预算)",
}


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    modules: tuple[str, ...]


DEPARTMENTS: tuple[Department, ...] = (
    Department("pension", "养老保险处", ("pension", "caliber")),
    Department("injury", "工伤保险处", ("injury",)),
    Department("unemployment", "失业保险处", ("unemployment",)),
    Department("public_pension", "机关事业单位养老保险处", ("public_pension",)),
    Department("residents_pension", "城乡居民养老保险处", ("residents_pension",)),
    Department("hr_market", "人力资源市场处", ("unemployed_registry", "job_market", "training")),
    Department("labour_relations", "劳动关系处", ("arbitration", "hotline", "petition")),
    Department("statistics", "统计处", ("dmp", "maternity", "medical_account", "governance", "manual")),
)

DDL = """
create table if not exists audit.signoff (
    signoff_id    bigserial primary key,
    build_run_id  bigint not null,        -- the build (audit.run_log) whose review release is confirmed
    data_month    text,
    department    text not null,
    module        text not null,
    decision      text not null check (decision in ('confirmed', 'rejected')),
    signed_by     text not null,          -- the portal account
    signer_name   text not null,          -- the name the person signed with
    comment       text,
    demo          boolean not null default false,   -- signed by the demo/test pipeline, not by a person
    signed_at     timestamptz not null default now()
);
comment on table audit.signoff is '审核确认单: 各处室对审核版各模块的确认或驳回(每次构建一轮, 最新一条为准)';
"""


class SignoffError(ValueError):
    pass


def department(code: str) -> Department:
    for d in DEPARTMENTS:
        if d.code == code:
            return d
    raise SignoffError(f"没有处室 {code!r}")


def ensure(conn) -> None:
    if conn.execute("select to_regclass('audit.signoff')").fetchone()[0] is None:
        conn.execute("create schema if not exists audit")
        conn.execute(DDL)


def current_build(conn) -> dict | None:
    """The last finished build: the review release now in `marts`."""
    if conn.execute("select to_regclass('audit.run_log')").fetchone()[0] is None:
        return None
    row = conn.execute("select run_id, data_month, finished_at, result from audit.run_log where action = 'build' "
                       "and result <> 'running' order by run_id desc limit 1").fetchone()
    return dict(zip(("run_id", "data_month", "finished_at", "result"), row)) if row else None


def state(conn, build_run_id: int | None = None) -> dict:
    """Per module the latest decision for the build (None = not yet signed)."""
    build = current_build(conn) if build_run_id is None else {"run_id": build_run_id}
    out = {"build": build, "modules": {}}
    if build is None:
        return out
    have = conn.execute("select to_regclass('audit.signoff')").fetchone()[0] is not None
    latest = {}
    if have:
        for r in conn.execute(
                "select distinct on (module) module, department, decision, signed_by, signer_name, comment, demo, "
                "signed_at from audit.signoff where build_run_id = %s order by module, signoff_id desc",
                (build["run_id"],)):
            latest[r[0]] = dict(zip(("module", "department", "decision", "signed_by", "signer_name", "comment",
                                     "demo", "signed_at"), r))
    for d in DEPARTMENTS:
        for m in d.modules:
            out["modules"][m] = {"department": d.code, "department_name": d.name, "label": MODULES[m],
                                 "decision": latest.get(m)}
    return out


def outstanding(st: dict) -> tuple[list[str], list[str]]:
    """(modules not yet confirmed, modules rejected), as 'label(处室)' texts."""
    missing, rejected = [], []
    for m, v in st["modules"].items():
        text = f"{v['label']}({v['department_name']})"
        if v["decision"] is None:
            missing.append(text)
        elif v["decision"]["decision"] == "rejected":
            rejected.append(f"{text}: {v['decision']['comment'] or ''}".rstrip(": "))
    return missing, rejected


SIGNER_NAME_MAX, COMMENT_MAX = 50, 2000     # characters: a name, and a reason that still prints on the sheet


def record(conn, build_run_id: int, dept: str, modules: list[str], decision: str,
           signed_by: str, signer_name: str, comment: str | None, demo: bool = False) -> int:
    """Record a department's decision on its modules of build `build_run_id` (which must still be the current
    build: the data month recorded is that build's, never the caller's)."""
    d = department(dept)
    if decision not in ("confirmed", "rejected"):
        raise SignoffError("decision 须为 confirmed 或 rejected")
    if not signer_name.strip():
        raise SignoffError("请填写确认人姓名")
    if len(signer_name.strip()) > SIGNER_NAME_MAX:
        raise SignoffError(f"确认人姓名至多 {SIGNER_NAME_MAX} 个字")
    if len((comment or "").strip()) > COMMENT_MAX:
        raise SignoffError(f"意见至多 {COMMENT_MAX} 个字")
    if decision == "rejected" and not (comment or "").strip():
        raise SignoffError("驳回须说明原因")
    wrong = [m for m in modules if m not in d.modules]
    if wrong or not modules:
        raise SignoffError(f"{d.name} 负责的模块是 {', '.join(d.modules)}; 不能确认 {', '.join(wrong) or '(无)'}")
    current = current_build(conn)
    if current is None or current["run_id"] != build_run_id:
        raise SignoffError("审核版已更新(有新的构建), 请刷新页面后重新确认")
    with conn.transaction():
        for m in modules:
            conn.execute("insert into audit.signoff (build_run_id, data_month, department, module, decision, "
                         "signed_by, signer_name, comment, demo) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                         (build_run_id, current["data_month"], dept, m, decision, signed_by, signer_name.strip(),
                          (comment or "").strip() or None, demo))
    return len(modules)


def reviewers(conn) -> dict[str, str]:
    """module -> who confirmed it in the last build's round (the 审核人 line of the official fixed reports)."""
    st = state(conn)
    return {m: v["decision"]["signer_name"] for m, v in st["modules"].items()
            if v["decision"] and v["decision"]["decision"] == "confirmed"}
