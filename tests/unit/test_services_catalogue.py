"""The data services' catalogue (issue 18): the shipped YAMLs are valid and cover what the issue requires; a
broken YAML is refused with its file and key named; parameter rules and masking."""
from __future__ import annotations

import datetime as dt

import pytest

from services import catalogue as cat
from services.engine import mask_value
from services.params import ParamError, normalise_id_number, validate

REQUIRED = ("社保数据-指定人员是否在当前单位比对信息查询服务", "社保数据-失业查询社保服务",
            "社保数据-参保人员缴费月记录-五险查询服务", "社保数据-社保缴费年度对账单查询服务")


def test_shipped_catalogue_is_valid_and_covers_the_issue():
    services, feeds = cat.load()
    assert len(services) >= 25 and len(feeds) >= 1
    names = {s.name for s in services.values()}
    for n in REQUIRED:
        assert n in names
    cats = {s.category for s in services.values()}
    assert {"社保数据", "人力资源市场数据", "综合数据", "市公安局", "市经信局", "市民政局", "市残联", "市卫健委"} <= cats
    legal = [s for s in services.values() if s.category == "市经信局"]
    assert len(legal) >= 5 and any(s.limits.page_size for s in legal)


def test_broken_yaml_names_file_and_key(tmp_path):
    good = (cat.SERVICES_DIR / "ps_hukou.yaml").read_text(encoding="utf-8")
    (tmp_path / "svc").mkdir()
    (tmp_path / "feeds").mkdir()
    (tmp_path / "svc" / "bad_type.yaml").write_text(good.replace("type: id_number", "type: idnumber"), encoding="utf-8")
    (tmp_path / "svc" / "bad_sql.yaml").write_text(
        good.replace("code: ps_hukou", "code: ps_hukou2").replace("name: 市公安局-北京市户籍人员登记信息",
                                                                 "name: x").replace("%(id_number)s", "%(idn)s"),
        encoding="utf-8")
    (tmp_path / "svc" / "bad_yaml.yaml").write_text("code: [unclosed\n", encoding="utf-8")
    with pytest.raises(cat.CatalogueError) as e:
        cat.load(tmp_path / "svc", tmp_path / "feeds")
    msg = str(e.value)
    assert "bad_type.yaml: parameters.0.type:" in msg
    assert "bad_sql.yaml" in msg and "undeclared parameter(s) ['idn']" in msg
    assert "bad_yaml.yaml: line" in msg


def test_parameter_rules():
    services, _ = cat.load()
    s = services["ss_contribution_months_5"]
    old15 = "110105900101123"                      # 15-digit ID → 18 digits with check digit
    v = validate(s, {"id_number": old15, "from_month": "2025-01"})
    assert v["id_number"] == normalise_id_number(old15) and len(v["id_number"]) == 18
    assert v["from_month"] == dt.date(2025, 1, 1) and v["to_month"] is None
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in v["id_number"])
    assert validate(s, {"id_number": full_width})["id_number"] == v["id_number"]
    with pytest.raises(ParamError) as e:
        validate(s, {"id_number": v["id_number"][:-1] + ("0" if v["id_number"][-1] != "0" else "1")})
    assert (e.value.parameter, e.value.rule) == ("id_number", "id_number.check_digit")


def test_masking_modes():
    assert mask_value("110105199001011234", "id_number", "partial") == "110105********1234"
    assert mask_value("张三丰", "name", "partial") == "张**"
    assert mask_value("110105199001011234", "id_number", "hidden") is None
    assert mask_value("110105199001011234", "id_number", "clear") == "110105199001011234"
    assert mask_value(42, None, "hidden") == 42
