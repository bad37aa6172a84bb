"""市场监督管理局 企业异常和违规信息 (catalogue #24, 按日 upstream; delivered as the month's snapshot):
经营异常名录 and 严重违法失信企业名单 of the world's enterprises (credit codes of the enterprise employers; about three
records in ten still carry the old 组织机构代码 instead — identity resolution maps it to the credit code).
Membership is stable month to month (a unit's listing persists; a few are removed after rectification).
"""
from __future__ import annotations

import numpy as np

from foundation.months import month_index
from synth.population import month_to_date
from synth.sources import _gov_common as g
from synth.sources._emp_common import dates
from synth.sources.legal_person import org_code

SOURCE = "market_supervision"
ORDER = 1


def _listed(world, month, share_lo, share_hi, salt, interface):
    m = month_index(month)
    u = world.people.units
    s = g.stable_share(u["uid"], salt)
    idx = np.flatnonzero((s >= share_lo) & (s < share_hi) & (u["open"] < month_to_date(m - 2, 1)))
    listed = month_to_date(m - 1 - (g.stable_share(u["uid"][idx], salt + 1) * 36).astype(np.int64), 1) \
        + (g.stable_share(u["uid"][idx], salt + 2) * 28).astype("timedelta64[D]")
    listed = np.maximum(listed, u["open"][idx] + np.timedelta64(60, "D"))
    old = g.stable_share(u["uid"][idx], salt + 3) < 0.3
    code = np.where(old, org_code(u["credit"][idx]), u["credit"][idx])
    return idx, listed, code


def month_files(world, month: str, events: dict) -> dict[str, dict[str, np.ndarray]]:
    u = world.people.units
    out = {}
    idx, listed, code = _listed(world, month, 0.0, 0.03, 101, "market_abnormal_operation")
    reason = np.array(["1", "2", "3", "4"])[(g.stable_share(u["uid"][idx], 105) * 4).astype(np.int64)]
    out["market_abnormal_operation"] = {
        "data_month": np.full(len(idx), month), "unit_code": code, "unit_name": u["name"][idx].astype(str),
        "list_date": dates(listed), "list_reason": reason, "authority": np.full(len(idx), "北京市市场监督管理局")}
    idx, listed, code = _listed(world, month, 0.03, 0.034, 201, "market_serious_violation")
    reason = np.array(["1", "2", "3"])[(g.stable_share(u["uid"][idx], 205) * 3).astype(np.int64)]
    out["market_serious_violation"] = {
        "data_month": np.full(len(idx), month), "unit_code": code, "unit_name": u["name"][idx].astype(str),
        "list_date": dates(listed), "list_reason": reason, "authority": np.full(len(idx), "北京市市场监督管理局")}
    return out


def check_tables(files) -> dict:
    return {}
