"""The generator: deterministic, its files pass their own specs, markers and check tables agree."""
import hashlib
import io
import json

import numpy as np
from openpyxl import load_workbook

from foundation.months import month_index
from foundation.spec import load_specs
from loaders.validate import validate_stream
from synth.__main__ import generate
from synth.population import month_to_date, retirement_month

MONTHS = ["202407", "202408"]


def _digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files(tmp_path):
    generate("202407", 2, 0.0005, 7, out=tmp_path / "a")
    generate("202407", 2, 0.0005, 7, out=tmp_path / "b")
    generate("202407", 2, 0.0005, 8, out=tmp_path / "c")
    a, b, c = _digest(tmp_path / "a"), _digest(tmp_path / "b"), _digest(tmp_path / "c")
    from foundation.spec import load_check_tables

    per_month = 2 * len(load_specs()) + len(load_check_tables()) + 2  # files + markers, check tables, manual, manifest
    assert a == b and len(a) == 2 * per_month
    assert a != c


def test_files_conform_to_specs_and_markers(tmp_path):
    generate("202407", 2, 0.0005, 3, out=tmp_path)
    for month in MONTHS:
        for spec in load_specs().values():
            path = tmp_path / month / spec.file_name(month)
            data = path.read_bytes()
            marker = json.loads((path.parent / (path.name + ".done")).read_text())
            assert marker["sha256"] == hashlib.sha256(data).hexdigest()
            assert marker["rows"] == data.count(b"\n") > 0
            res = validate_stream(spec, month, io.BytesIO(data), lambda _: None)
            rejects = [f for f in res.findings if f.rejected]
            assert rejects == [], f"{path.name}: {rejects[:3]}"
            assert res.rows_loaded == marker["rows"]


def test_check_table_matches_rows(tmp_path):
    generate("202407", 1, 0.0005, 3, out=tmp_path)
    folder = tmp_path / "202407"
    ws = load_workbook(folder / "QYYL_HDB_202407.xlsx")["核对表"]
    rows = list(ws.iter_rows(values_only=True))[2:]
    persons = [l.split("|") for l in (folder / "QYYL_RY_202407.txt").read_text("gbk").splitlines()]
    active = sum(1 for p in persons if p[10] in ("1", "2"))
    assert sum(r[3] for r in rows) == active
    pays = [l.split("|") for l in (folder / "QYYL_DYFF_202407.txt").read_text("gbk").splitlines()]
    assert round(sum(r[7] for r in rows), 2) == round(sum(float(p[3]) for p in pays), 2)
    assert len(rows) == 16


def test_retirement_age_rules():
    # A man born 1964-06 would have retired at 60 in 2024-07 (before the reform): no delay.
    # A man born 1966-01: old month 2026-02 is 13 months after 2025-01 → delay min(36, 13//4+1) = 4.
    # A female worker born 1976-01 (old age 50 → 2026-02): delay min(60, 13//2+1) = 7.
    birth = np.array(["1964-06-10", "1966-01-10", "1976-01-10"], dtype="datetime64[D]")
    got = retirement_month(birth, np.array(["1", "1", "2"]), np.array([False, False, False]))
    assert list(got) == [month_index("202407"), month_index("202602") + 4, month_index("202602") + 7]
    assert str(month_to_date(month_index("202407"))) == "2024-07-01"


def _manifest(folder):
    return json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))


def test_injected_errors_are_exactly_what_the_validator_finds(tmp_path):
    from synth.errors import RULES

    generate("202407", 1, 0.0005, 21, out=tmp_path, error_rates={r: 0.004 for r in RULES})
    folder = tmp_path / "202407"
    expected = {(e["file"], e["line"], e["column"], e["rule"]) for e in _manifest(folder)["errors"]}
    assert {e[3] for e in expected} == set(RULES), "every rule injected at least once"
    found = set()
    for spec in load_specs().values():
        name = spec.file_name("202407")
        with (folder / name).open("rb") as f:
            res = validate_stream(spec, "202407", f, lambda _: None)
        found |= {(name, x.line_no, x.column, x.rule) for x in res.findings}
    assert found == expected


def test_scenarios(tmp_path):
    generate("202407", 2, 0.0005, 4, out=tmp_path, as_of="2024-09-06T00:00",
             scenarios=["missing:ent_pension_contribution@202407", "late:ent_pension_person:4",
                        "structure:ent_pension_unit", "truncated:ent_pension_retiree",
                        "redelivery:ent_pension_payment:3"])
    jul, aug = tmp_path / "202407", tmp_path / "202408"
    assert not (jul / "QYYL_JF_202407.txt").exists() and "QYYL_JF_202407.txt" in _manifest(jul)["not_delivered"]
    # August data arrives on 5 September; the person file is 4 days late, so not there on the 6th.
    assert not (aug / "QYYL_RY_202408.txt").exists() and "QYYL_RY_202408.txt" in _manifest(aug)["not_delivered"]
    assert (aug / "QYYL_JF_202408.txt").stat().st_mtime == \
        __import__("datetime").datetime(2024, 9, 5, 9).timestamp()
    # Structure change: one more field on every line.
    line = (aug / "QYYL_DW_202408.txt").read_bytes().splitlines()[0].decode("gbk")
    assert line.count("|") == len(load_specs()["ent_pension_unit"].columns) and line.endswith("新增字段")
    # Truncated: the marker describes more than arrived.
    marker = json.loads((aug / "QYYL_LTX_202408.txt.done").read_text())
    assert marker["rows"] > (aug / "QYYL_LTX_202408.txt").read_bytes().count(b"\n")
    # Re-delivery: on the 6th the first (faulty) version is there; after the 8th the corrected one.
    first = [e for e in _manifest(aug)["errors"] if e["file"] == "QYYL_DYFF_202408.txt"]
    assert first
    generate("202407", 2, 0.0005, 4, out=tmp_path, as_of="2024-09-09T00:00",
             scenarios=["redelivery:ent_pension_payment:3"])
    assert not [e for e in _manifest(aug)["errors"] if e["file"] == "QYYL_DYFF_202408.txt"]
    assert "QYYL_DYFF_202408.txt" in _manifest(aug)["redelivered"]


def test_unit_divisions_lie_in_their_section_and_are_carried_over(monkeypatch):
    """Every unit's industry division (大类) belongs to its section (门类) in the code table, manufacturing
    is spread over its divisions, a unit keeps its division from month to month, and the divisions come
    from their own random stream: without them every other column would be the same."""
    from collections import Counter

    from foundation.spec import code_table
    from synth import population
    from synth.sources import pension
    from synth.world import World

    def unit_files(months: int) -> list[dict]:
        world, out = World(0.002, 13, "202407"), []
        for month in ["202407", "202408", "202409"][:months]:
            events = world.advance_to(month, pension.base_limits)
            out.append(pension.month_files(world, month, events)["ent_pension_unit"])
        return out

    divisions = code_table("industry_division")
    files = unit_files(3)
    for f in files:
        assert all(divisions[d]["section_code"] == s for s, d in zip(f["industry_section"], f["industry_division"]))
    manufacturing = Counter(d for s, d in zip(files[0]["industry_section"], files[0]["industry_division"]) if s == "C")
    assert len(manufacturing) >= 15 and manufacturing.most_common(1)[0][1] < 0.25 * sum(manufacturing.values())
    first = dict(zip(files[0]["unit_id"], files[0]["industry_division"]))
    later = dict(zip(files[2]["unit_id"], files[2]["industry_division"]))
    assert len(set(first) & set(later)) > 0.9 * len(first)
    assert all(later[u] == d for u, d in first.items() if u in later)
    assert len(set(later) - set(first)) > 0                      # units opened since: divisions drawn too
    again = unit_files(3)
    assert all(np.array_equal(a[c], b[c]) for a, b in zip(files, again) for c in a)
    monkeypatch.setattr(population, "draw_divisions", lambda rng, sections: np.full(len(sections), "00"))
    without = unit_files(3)
    assert all(np.array_equal(a[c], b[c]) for a, b in zip(files, without) for c in a if c != "industry_division")


def test_district_stratified_draws_keep_the_expectation_and_fill_every_district():
    """systematic_counts: each count is the floor or ceiling of its expectation, unbiased; district_choice gives every
    district with ≥ 1 expected event at least one (independent draws leave the small ones empty by chance)."""
    from synth.population import DISTRICT_SHARE, DISTRICTS, district_choice, systematic_counts

    rng = np.random.default_rng(1)
    expected = np.array([0.3, 1.0, 1.7, 2.5, 10.25])
    draws = np.array([systematic_counts(rng, expected) for _ in range(4000)])
    assert ((draws == np.floor(expected)) | (draws == np.ceil(expected))).all()
    assert np.allclose(draws.mean(axis=0), expected, atol=0.03)
    cand = np.arange(16_000)
    district = np.repeat(DISTRICTS, 1000)
    w = np.repeat(DISTRICT_SHARE, 1000)                # a district's weight = its share of insured workers
    n = 150                                            # ≥ 1.2 expected in the smallest district (0.8 %)
    for _ in range(50):
        who = district_choice(rng, cand, district, n, w)
        assert len(who) == n and len(np.unique(district[who])) == 16
    independent = [len(np.unique(district[rng.choice(cand, n, p=w / w.sum())])) for _ in range(50)]
    assert min(independent) < 16                       # what the stratification removes


def test_joined_and_deferred_columns_read_as_the_whole_columns(monkeypatch):
    """The views that keep the largest tables and files from being held whole (synth.blocks, _gov_common.Joined) give
    exactly what the whole columns would, and a file rendered from them has the bytes of the whole columns."""
    import synth.errors as errors
    from synth.blocks import RowBlocks
    from synth.errors import Rendered, render_chunks
    from synth.sources._gov_common import Joined

    a, b = np.array(["11a", "2", "33c"]), np.array(["d", "ee"])
    values, index = np.array(["x", "yyyy", "zz"]), np.array([2, 0, 1, 2])
    j = Joined([a, (values, index), np.broadcast_to(np.array("R"), (2,)), b], "U4")
    whole = np.concatenate([a, values[index], ["R", "R"], b]).astype("U4")
    assert np.asarray(j).dtype == whole.dtype and np.array_equal(np.asarray(j), whole) and len(j) == len(whole)
    pick = np.array([10, 0, 4, 7, 3, 3])
    assert np.array_equal(j[pick], whole[pick]) and np.array_equal(j[whole == "R"], whole[whole == "R"])
    assert np.array_equal(j[2:9:3], whole[2:9:3]) and j[5] == whole[5] and np.array_equal(j == "zz", whole == "zz")
    keep = np.array([0, 2, 5, 6, 10])
    jk = Joined(j.parts, j.dtype, keep)
    assert np.array_equal(np.asarray(jk), whole[keep]) and np.array_equal(jk[[4, 1]], whole[keep][[4, 1]])
    assert np.array_equal(np.asarray(jk.take([3, 0])), whole[keep][[3, 0]]) and jk.take([3, 0])[1] == whole[0]

    spec = load_specs()["police_residence_permit"]
    n = 23
    cols = {c: np.array([f"{c[:3]}{i}" for i in range(n)]) for c in spec.column_names}
    built = []

    def block(b0, b1):
        built.append((b0, b1))
        return {c: v[b0:b1] for c, v in cols.items()}

    deferred = RowBlocks(n, block).columns(spec.column_names)
    assert np.array_equal(np.asarray(deferred["address"]), cols["address"]) and list(deferred["gender"]) == list(cols["gender"])
    monkeypatch.setattr(errors, "BLOCK_ROWS", 5)
    built.clear()
    rates = {"type": 0.1, "control_char": 0.1, "duplicate_key": 0.1}
    whole_bytes = b"".join(render_chunks(spec, cols, rates, np.random.default_rng(1), "f", Rendered()))
    lazy_bytes = b"".join(render_chunks(spec, deferred, rates, np.random.default_rng(1), "f", Rendered()))
    assert lazy_bytes == whole_bytes and built == [(0, 5), (5, 10), (10, 15), (15, 20), (20, 23)]
