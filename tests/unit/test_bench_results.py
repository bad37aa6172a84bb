"""bench/common.write_result with keep=: a benchmark's result file keeps its earlier sections (issue 19's
bench/results/dashboards.md was overwritten by every run of bench.dashboards)."""
from __future__ import annotations

from bench import common

EARLIER = ("# dashboards\n\n## 2026-12-07 (branch dash5): where an opening's time goes\n\nText of dash5.\n\n"
           "| a | b |\n|---|---|\n| 1 | 2 |\n\n## 2026-12-07 (branch dash3): the month default\n\nText of dash3.\n")


def test_a_run_goes_on_top_and_the_earlier_sections_stay(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    (tmp_path / "dashboards.md").write_text(EARLIER, encoding="utf-8")
    keep = common.earlier_sections("dashboards")   # read once, when the run starts
    run = {"started": "2026-12-07T15:00:00", "dashboards": []}
    for step in ("after one dashboard", "after two dashboards"):   # the bench writes after every dashboard
        md = common.write_result("dashboards", "python -m bench.dashboards", run, f"| {step} |", keep=keep)
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# dashboards\n\n## Run of 2026-12-07 15:00:00\n\nReproduce: `python -m bench.dashboards`")
    assert "| after two dashboards |" in text and "| after one dashboard |" not in text
    assert text.count("# dashboards\n") == 1 and text.count("## Run of") == 1
    # the earlier sections below, unchanged and in their order
    assert text.index("| after two dashboards |") < text.index("## 2026-12-07 (branch dash5)") \
        < text.index("## 2026-12-07 (branch dash3)")
    assert EARLIER.removeprefix("# dashboards\n\n") in text
    # the next run keeps this one too
    keep = common.earlier_sections("dashboards")
    md = common.write_result("dashboards", "cmd 2", {"started": "2026-12-07T16:00:00"}, "| run 2 |", keep=keep)
    text = md.read_text(encoding="utf-8")
    assert [line for line in text.splitlines() if line.startswith("## ")] == [
        "## Run of 2026-12-07 16:00:00", "## Run of 2026-12-07 15:00:00",
        "## 2026-12-07 (branch dash5): where an opening's time goes", "## 2026-12-07 (branch dash3): the month default"]


def test_a_file_from_before_sections_becomes_one_section(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    (tmp_path / "x.md").write_text("# x\n\nReproduce: `old`\n\n| old |\n", encoding="utf-8")
    assert common.earlier_sections("x") == "## Earlier run\n\nReproduce: `old`\n\n| old |"
    assert common.earlier_sections("missing") == ""
