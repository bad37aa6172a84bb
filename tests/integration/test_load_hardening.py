"""The loader on a provider's worst deliveries, written byte by byte by the test (not by the generator's
error injection): each bad file ends as findings on its lines, or held with a message, while every other
file of the month loads; a held file makes the month 'held' and is recorded once per delivery."""
import shutil

import psycopg
import pytest

from foundation.spec import load_specs
from loaders.load import load_month, not_loaded
from synth.__main__ import generate
from synth.writer import write_marker

pytestmark = pytest.mark.integration
MONTH = "202407"


@pytest.fixture(scope="module")
def drop(tmp_path_factory):
    root = tmp_path_factory.mktemp("exchange")
    generate(MONTH, 1, 0.0005, 11, out=root, log=lambda *_: None)
    return root


def _deliver(folder, name, data: bytes, rows: int | None = None):
    (folder / name).write_bytes(data)
    write_marker(folder / name, data, rows if rows is not None else data.count(b"\n") + (not data.endswith(b"\n")))


def _load(url, folder):
    return load_month(MONTH, url=url, folder=folder, log=lambda *_: None, reports=folder.parent / "r")


def _others_loaded(summary, but: str):
    rest = {k: v for k, v in summary.items() if k != but}
    assert len(rest) == len(load_specs()) - 1 and all(v["status"] == "loaded" for v in rest.values()), rest


def _findings(url, interface):
    with psycopg.connect(url) as c:
        return c.execute("select line_no, column_name, rule, severity from audit.load_finding where interface=%s "
                         "order by line_no, rule", (interface,)).fetchall()


def _person_lines(folder):
    return (folder / "QYYL_RY_202407.txt").read_bytes().splitlines(keepends=True)


@pytest.fixture()
def folder(drop, tmp_path):
    f = tmp_path / MONTH
    shutil.copytree(drop / MONTH, f)
    return f


@pytest.mark.parametrize("case", ["nul", "lone_cr", "utf8_line", "header", "wrong_month_line1"])
def test_bad_lines_are_findings_and_the_month_loads(scratch_url, folder, case):
    lines = _person_lines(folder)
    n = len(lines)
    name_gbk = lines[3].split(b"|")[3]
    if case == "nul":
        lines[3] = lines[3].replace(name_gbk, name_gbk[:2] + b"\x00" + name_gbk[2:], 1)
        expect, line_no, rows = ("person_name", "control_char"), 4, n
    elif case == "lone_cr":
        lines[3] = lines[3].replace(name_gbk, name_gbk[:2] + b"\r" + name_gbk[2:], 1)
        expect, line_no, rows = ("person_name", "control_char"), 4, n
    elif case == "utf8_line":
        lines[3] = lines[3].decode("gbk").encode("utf-8")
        expect, line_no, rows = ("person_name", "encoding"), 4, n
    elif case == "header":
        lines.insert(0, b"|".join(c.name.encode() for c in load_specs()["ent_pension_person"].columns) + b"\n")
        expect, line_no, rows = (None, "header_line"), 1, n + 1
    else:
        lines[0] = lines[0].replace(b"202407|", b"202406|", 1)
        expect, line_no, rows = ("data_month", "data_month"), 1, n
    _deliver(folder, "QYYL_RY_202407.txt", b"".join(lines))
    summary = _load(scratch_url, folder)
    assert summary["ent_pension_person"]["status"] == "loaded"
    assert summary["ent_pension_person"]["rows_read"] == rows
    assert summary["ent_pension_person"]["rows_loaded"] == rows - 1 and summary["ent_pension_person"]["rows_rejected"] == 1
    assert [f[:3] for f in _findings(scratch_url, "ent_pension_person")] == [(line_no,) + expect]
    _others_loaded(summary, "ent_pension_person")
    with psycopg.connect(scratch_url) as c:
        assert c.execute("select status from audit.load_run").fetchone()[0] == "loaded"
        if case == "utf8_line":
            assert c.execute("select count(*) from raw.ent_pension_person where person_name like '%%鐧%%' "
                             "or person_name like '%%鏉%%'").fetchone()[0] == 0


def test_no_final_newline_with_a_record_count_marker_loads(scratch_url, folder):
    data = b"".join(_person_lines(folder)).rstrip(b"\n")
    _deliver(folder, "QYYL_RY_202407.txt", data, rows=data.count(b"\n") + 1)   # the marker counts records
    summary = _load(scratch_url, folder)
    p = summary["ent_pension_person"]
    assert p["status"] == "loaded" and p["rows_loaded"] == p["rows_read"] == data.count(b"\n") + 1
    assert [f[2:] for f in _findings(scratch_url, "ent_pension_person")] == [("no_final_newline", "warn")]
    _others_loaded(summary, "ent_pension_person")


def test_range_violation_is_rejected_and_named(scratch_url, folder):
    path = folder / "QYYL_JF_202407.txt"
    lines = path.read_bytes().splitlines(keepends=True)
    f = lines[5].split(b"|")
    f[4] = b"99999.00"
    lines[5] = b"|".join(f)
    _deliver(folder, path.name, b"".join(lines))
    summary = _load(scratch_url, folder)
    assert summary["ent_pension_contribution"]["rows_rejected"] == 1
    assert _findings(scratch_url, "ent_pension_contribution") == [(6, "contribution_base", "out_of_range", "reject")]
    _others_loaded(summary, "ent_pension_contribution")


def test_utf8_file_is_held_once_per_delivery_and_the_month_says_held(scratch_url, folder):
    path = folder / "QYYL_RY_202407.txt"
    utf8 = path.read_bytes().decode("gbk").encode("utf-8")
    _deliver(folder, path.name, utf8)
    summary = _load(scratch_url, folder)
    held = summary["ent_pension_person"]
    assert held["status"] == "held" and "UTF-8" in held["message"] and "GBK" in held["message"]
    assert list(not_loaded(summary)) == ["ent_pension_person"]
    _others_loaded(summary, "ent_pension_person")
    _load(scratch_url, folder)                                           # a re-run on the same delivery
    with psycopg.connect(scratch_url) as c:
        assert c.execute("select count(*) from audit.load_batch where status='held'").fetchone()[0] == 1
        assert c.execute("select status from audit.load_run order by run_id desc limit 1").fetchone()[0] == "held"
    gbk = utf8.decode("utf-8").encode("gbk")                             # the corrected delivery
    _deliver(folder, path.name, gbk)
    summary = _load(scratch_url, folder)
    assert summary["ent_pension_person"]["status"] == "loaded" and not not_loaded(summary)
    with psycopg.connect(scratch_url) as c:
        assert c.execute("select status from audit.load_run order by run_id desc limit 1").fetchone()[0] == "loaded"


def test_cli_exits_non_zero_and_names_the_held_file(scratch_url, folder, monkeypatch, capsys):
    from foundation import settings
    from loaders import __main__ as cli

    path = folder / "QYYL_RY_202407.txt"
    _deliver(folder, path.name, b"\xef\xbb\xbf" + path.read_bytes())
    monkeypatch.setattr(settings, "EXCHANGE", folder.parent)
    monkeypatch.setattr(settings, "warehouse_url", lambda *a, **k: scratch_url)
    assert cli.main(["load", "--month", MONTH]) == 4
    err = capsys.readouterr().err
    assert "ent_pension_person" in err and "BOM" in err
