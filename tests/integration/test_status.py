"""`make status` (pipeline.status) answers from the load audit: it hashes no file the loader recorded and that
is unchanged on disk, and it is still right — the same as hashing everything — after a file changes."""
import shutil

import pytest

from foundation import settings
from loaders import dropzone
from loaders.load import load_month
from pipeline import backup, status
from synth.__main__ import generate
from synth.writer import write_marker

pytestmark = pytest.mark.integration
MONTH = "202407"
FILE = "QYYL_DYFF_202407.txt"


@pytest.fixture(scope="module")
def drop(tmp_path_factory):
    root = tmp_path_factory.mktemp("status_drop")
    generate(MONTH, 1, 0.0005, 17, out=root, log=lambda *_: None)
    return root


@pytest.fixture()
def loaded(scratch_url, drop, tmp_path, monkeypatch):
    """The month copied into a drop zone of its own and loaded; status pointed at it; hashing counted."""
    exchange = tmp_path / "exchange"
    shutil.copytree(drop / MONTH, exchange / MONTH)
    monkeypatch.setattr(settings, "EXCHANGE", exchange)
    monkeypatch.setattr(backup, "BACKUPS", tmp_path / "backups")
    load_month(MONTH, url=scratch_url, folder=exchange / MONTH, log=lambda *_: None)
    hashed = []
    real = dropzone.sha256_of

    def counting(path):
        hashed.append(path.name)
        return real(path)

    monkeypatch.setattr(dropzone, "sha256_of", counting)
    return scratch_url, exchange / MONTH, hashed


def _status(url, hashed):
    hashed.clear()
    (row,) = status.rows(url)
    return row, list(hashed)


def _full_check(folder):
    """What hashing every file says: arrived/expected and the problem files."""
    problems, usable = dropzone.completeness(MONTH, folder)
    return f"{len(usable)}/{len(usable) + len(problems)}", ", ".join(p.file_name for p in problems) or "-"


def test_loaded_month_is_reported_without_hashing_any_file(loaded):
    url, folder, hashed = loaded
    row, hashed_now = _status(url, hashed)
    assert hashed_now == []
    n = len(list(folder.glob("*.txt")))
    assert row["arrived"] == f"{n}/{n}" and row["missing"] == "-" and row["loaded"] == "loaded"
    assert (row["arrived"], row["missing"]) == _full_check(folder)
    assert row["built"] == row["published"] == row["backed_up"] == "-"


def test_file_changed_on_disk_is_hashed_alone_and_no_longer_counts_as_arrived(loaded):
    """One byte changed in place (size and done-marker unchanged): its new mtime gives it away, that
    file alone is hashed, and it no longer matches its done-marker."""
    url, folder, hashed = loaded
    path = folder / FILE
    size = path.stat().st_size
    data = bytearray(path.read_bytes())
    i = data.index(b"\n") + 1          # second line, first byte
    data[i] = ord("9") if data[i] != ord("9") else ord("8")
    path.write_bytes(bytes(data))
    assert path.stat().st_size == size
    row, hashed_now = _status(url, hashed)
    assert hashed_now == [FILE]
    n = len(list(folder.glob("*.txt")))
    assert row["arrived"] == f"{n - 1}/{n}" and row["missing"] == FILE
    assert (row["arrived"], row["missing"]) == _full_check(folder)


def test_drop_rewritten_unchanged_with_its_arrival_mtime_is_not_hashed(loaded, drop):
    """The generator (or a copy) writing the same files again with their arrival time as mtime."""
    url, folder, hashed = loaded
    for f in (drop / MONTH).iterdir():
        shutil.copy2(f, folder / f.name)
    row, hashed_now = _status(url, hashed)
    assert hashed_now == [] and row["missing"] == "-" and row["loaded"] == "loaded"


def test_redelivered_file_shows_as_waiting_to_load_until_loaded(loaded):
    url, folder, hashed = loaded
    path = folder / FILE
    lines = path.read_bytes().splitlines(keepends=True)
    corrected = b"".join(lines[:-3])
    path.write_bytes(corrected)
    write_marker(path, corrected, len(lines) - 3)
    row, hashed_now = _status(url, hashed)
    assert hashed_now == [FILE]
    n = len(list(folder.glob("*.txt")))
    assert row["arrived"] == f"{n}/{n}" and row["missing"] == "-"
    assert row["loaded"] == f"loaded (待加载 1: {FILE})"
    assert (row["arrived"], row["missing"]) == _full_check(folder)
    load_month(MONTH, url=url, folder=folder, log=lambda *_: None)
    row, hashed_now = _status(url, hashed)
    assert hashed_now == [] and row["loaded"] == "loaded" and row["arrived"] == f"{n}/{n}"


def test_deleted_file_is_missing_and_an_unloaded_month_shows_nothing_loaded(loaded):
    url, folder, hashed = loaded
    (folder / FILE).unlink()
    (folder.parent / "202408").mkdir()     # a month whose drop has not arrived
    hashed.clear()
    july, august = status.rows(url)
    assert hashed == []
    n = len(list(folder.glob("*.txt"))) + 1
    assert july["arrived"] == f"{n - 1}/{n}" and july["missing"] == FILE and july["loaded"] == "loaded"
    assert (july["arrived"], july["missing"]) == _full_check(folder)
    assert august["month"] == "202408" and august["loaded"] == "-" and august["arrived"].startswith("0/")
