"""The printable 审核确认单 (sign-off sheet) of a build's review release: one row per module with its
department, decision, signer, time and comment (from foundation.signoff.state)."""
from __future__ import annotations

import datetime as dt

from documents.layout import Column, Table

DECISION = {"confirmed": "确认", "rejected": "驳回"}


def table(st: dict, made: dt.datetime | None = None) -> Table:
    build = st.get("build") or {}
    cols = [Column("module", ("模块",)), Column("decision", ("审核意见", "结论")),
            Column("signer", ("审核意见", "确认人")), Column("signed_at", ("审核意见", "时间")),
            Column("comment", ("审核意见", "意见 / 驳回原因"))]
    rows = []
    done = 0
    for v in st["modules"].values():
        d = v["decision"]
        if d and d["decision"] == "confirmed":
            done += 1
        rows.append((v["department_name"], {
            "module": v["label"],
            "decision": DECISION[d["decision"]] if d else "未确认",
            "signer": (f"{d['signer_name']}({d['signed_by']})" + (" [演示]" if d["demo"] else "")) if d else "",
            "signed_at": d["signed_at"].astimezone().strftime("%Y-%m-%d %H:%M") if d else "",
            "comment": (d["comment"] or "") if d else "",
        }))
    made = made or dt.datetime.now().astimezone()
    return Table(
        title="数据仓库月度审核确认单", label_header="处室", columns=cols, rows=rows,
        subtitle=[f"数据月份: {build.get('data_month') or '—'}    审核版构建: #{build.get('run_id', '—')}"
                  + (f" ({build['finished_at'].astimezone():%Y-%m-%d %H:%M})" if build.get("finished_at") else "")],
        unit_line=f"已确认 {done} / {len(rows)} 个模块",
        notes=["注: 各处室对本处负责模块的审核版数据逐项确认; 全部确认后方可发布为正式版(make publish), "
               "强制发布(FORCE=1)记入运行日志与发布信息。新的构建开始新一轮确认。"],
        footer=[("制表单位", "北京市人力资源和社会保障局"), ("打印时间", f"{made:%Y-%m-%d %H:%M}")],
        total_rows=set(),
    )
