"""The person sources of identity resolution are split by whether a daily (T+1) state reaches them
(warehouse/macros/identity_person_records.sql): the daily refresh of the topic libraries rebuilds only
int_identity__person_records, whose records come from the sources marked daily, and reads the others from
int_identity__person_records_monthly, which no daily source reaches. A source marked monthly whose staging model
reads a daily state would leave a day's change out of the libraries until the next monthly build — so the marks
must agree with the staging models, which is what this checks."""
from __future__ import annotations

import re

from foundation import settings

MACRO = settings.WAREHOUSE_DBT / "macros" / "identity_person_records.sql"
SOURCE = re.compile(r"^\s*\((true|false),\s*'(\w+)',\s*'[^']*',\s*\d+,\s*'(\w+)'", re.M)


def _sources() -> list[tuple[bool, str, str]]:
    return [(flag == "true", iface, model) for flag, iface, model in SOURCE.findall(MACRO.read_text(encoding="utf-8"))]


def _reads_daily_state(model: str) -> bool:
    """Whether the model is a staging model over a daily state, or is made from one (a source's month-incremental
    registration table stands in for its staging model so that raw months can be archived)."""
    [path] = list((settings.WAREHOUSE_DBT / "models").rglob(f"{model}.sql"))
    sql = path.read_text(encoding="utf-8")
    if "staging" in path.parts:
        return "with_daily_state(" in sql
    refs = re.findall(r"'((?:stg|int)_\w+)'", sql)  # ref('…') or a macro's argument naming the model
    assert refs, f"{model} reads no model"
    return any(_reads_daily_state(r) for r in refs)


def test_daily_marks_agree_with_the_staging_models():
    sources = _sources()
    assert len(sources) == 14 and len({s[1] for s in sources}) == 14
    wrong = [(iface, model, daily) for daily, iface, model in sources
             if daily != _reads_daily_state(model)]
    assert not wrong, f"daily mark differs from the staging model's daily state: {wrong}"
    assert {iface for daily, iface, _ in sources if daily} == {
        "police_hukou_register", "police_residence_permit", "police_death_cancel", "points_applicant"}


def test_the_incremental_refresh_lists_the_changed_persons_of_every_daily_person_source():
    """macros/topic_incremental.sql finds the persons a day changed in the daily tables of the person sources marked
    daily: a daily person source missing there would leave its changes out of the merged identity and status tables."""
    text = (settings.WAREHOUSE_DBT / "macros" / "topic_incremental.sql").read_text(encoding="utf-8")
    block = text[text.index("macro daily_person_sources"):text.index("endmacro", text.index("macro daily_person_sources"))]
    listed = set(re.findall(r"'(\w+_daily)'", block))
    assert listed == {f"{iface}_daily" for daily, iface, _ in _sources() if daily}
    # and the unit sources with a daily state are those whose changed credit codes it lists
    units = {m.group(1) for p in (settings.WAREHOUSE_DBT / "models" / "staging").rglob("*.sql")
             if (m := re.search(r"with_daily_state\([^)]*\),\s*source\('\w+',\s*'(\w+_daily)'\),\s*\['(?:credit_code|unit_code)'\]",
                                p.read_text(encoding="utf-8")))}
    # …plus the 积分落户 applicants (a person source): each names the unit he works for, and a unit's source list
    # in the legal-person library counts 积分落户, so an applicant's change is a change of his unit's row
    block = text[text.index("macro daily_changed_units"):]
    assert units and units | {"points_applicant_daily"} == set(
        re.findall(r"\('(\w+_daily)', '(?:credit_code|unit_code)'\)", block))
