"""The daily contracts (interfaces/daily/) cover exactly the monthly interfaces whose upstream delivers 按日, and
describe a file the validator can check: change columns first, then the base interface's columns."""
import datetime as dt

import yaml

from foundation.daily_spec import CHANGE_COLUMNS, load_daily_specs
from foundation.spec import load_specs


def test_every_daily_upstream_has_a_daily_contract_and_nothing_else():
    by_delivery = {name for name, s in load_specs().items()
                   if str(yaml.safe_load(s.path.read_text(encoding="utf-8")).get("delivery", "")).startswith("按日")}
    assert len(by_delivery) == 7 and {d.base.interface for d in load_daily_specs().values()} == by_delivery
    assert not any(name.endswith("_daily") for name in load_specs())   # the monthly loader does not see them


def test_layout_and_names():
    for name, d in load_daily_specs().items():
        assert d.spec.column_names[:2] == [c.name for c in CHANGE_COLUMNS]
        assert d.spec.column_names[2:] == [c for c in d.base.column_names if c != "data_month"]
        assert d.spec.encoding == d.base.encoding and d.spec.delimiter == d.base.delimiter
        assert set(d.key) <= set(d.spec.column_names) and d.spec.primary_key == d.key
        assert set(d.change_date_from) <= set(d.spec.column_names)
        f = d.file_name(dt.date(2025, 1, 3), 4)
        assert d.pattern.match(f).groups() == ("20250103", "000004"), name
