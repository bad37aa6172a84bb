"""The access model (access/model.yaml) and the login throttle (access/throttle.py)."""
from __future__ import annotations

import os
import stat
import time

import access
from access.throttle import LoginThrottle


def test_every_component_and_district_has_its_own_database_role():
    roles = access.database_roles()
    for component in ("loader", "dbt", "publish", "backup", "cube", "superset", "superset_review"):
        name = access.component_role(component)
        assert name in roles and name.startswith("wh_")
    assert {access.district_database_role(c) for c in access.districts()} <= set(roles)
    assert len({access.component_role(c) for c in ("loader", "dbt", "publish", "backup", "cube", "superset")}) == 6
    for spec in roles.values():
        assert spec["statement_timeout"] and spec["connection_limit"] > 0


def test_superset_users_log_in_as_their_groups_role_district_first():
    assert access.superset_database_role(["district", "district_110105"]) == "wh_district_110105"
    assert access.superset_database_role(["analyst", "district_110108"]) == "wh_district_110108"   # narrowest
    assert access.superset_database_role(["leadership"]) == "wh_superset"
    assert access.superset_database_role(["reviewer"]) == "wh_superset_review"
    assert access.superset_database_role(["Admin"]) == "wh_superset"
    # fail closed: no warehouse group, two districts, a district user without a district, an unknown district
    assert access.superset_database_role(["Gamma"]) is None
    assert access.superset_database_role(["district_110105", "district_110108"]) is None
    assert access.superset_database_role(["district"]) is None
    assert access.superset_database_role(["district_999999"]) is None
    assert access.district_of_database_role("wh_district_110105") == "110105"
    assert access.district_of_database_role("wh_superset") is None


def test_demo_users_have_concrete_superset_roles():
    users = {u["username"]: u for u in access.demo_users()}
    assert users["district_110105"]["superset_roles"] == ["district", "district_110105"]
    assert users["leader"]["superset_roles"] == ["leadership"]


def test_throttle_locks_a_name_after_five_failures_and_a_success_clears_it(tmp_path):
    t = LoginThrottle(tmp_path / "t.db", max_failures=5, max_client_failures=20, window_s=900, lockout_s=900)
    assert stat.S_IMODE(os.stat(tmp_path / "t.db").st_mode) == 0o600
    for _ in range(4):
        t.failure("Alice", "10.0.0.1")
    assert t.blocked("alice", "10.0.0.2") == 0
    t.failure("alice ", "10.0.0.3")
    assert 890 <= t.blocked("ALICE", "10.0.0.9") <= 901         # per name, whatever the address
    assert t.blocked("bob", "10.0.0.9") == 0
    t.forget("alice")
    assert t.blocked("alice", "10.0.0.1") == 0


def test_throttle_locks_an_address_trying_many_names(tmp_path):
    t = LoginThrottle(tmp_path / "t.db", max_failures=5, max_client_failures=10)
    for i in range(10):
        t.failure(f"user{i}", "10.0.0.1")
    assert t.blocked("someone", "10.0.0.1") > 0 and t.blocked("someone", "10.0.0.2") == 0


def test_throttle_window_expires(tmp_path, monkeypatch):
    t = LoginThrottle(tmp_path / "t.db", max_failures=2, window_s=60, lockout_s=60)
    t.failure("a", "c")
    t.failure("a", "c")
    assert t.blocked("a", "c") > 0
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 61)
    assert t.blocked("a", "c") == 0
