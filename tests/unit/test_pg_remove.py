"""`make clean-data` frees the database's disk now: runtime.pg.remove deletes var/pgdata and, when the cluster lives
under SERVICE_HOME/clusters (as root), this clone's folder there — not another clone's, not a link's target
elsewhere."""
from pathlib import Path

from runtime import pg


def _clone(tmp_path: Path, monkeypatch, name: str) -> Path:
    var = tmp_path / name / "var"
    var.mkdir(parents=True)
    monkeypatch.setenv("WAREHOUSE_VAR", str(var))
    return var


def test_remove_deletes_this_clones_cluster_only(tmp_path, monkeypatch):
    monkeypatch.setattr(pg, "SERVICE_HOME", tmp_path / "service")
    monkeypatch.setattr(pg, "_run_as", lambda: "warehouse_pg")       # as root: the cluster outside the clone
    _clone(tmp_path, monkeypatch, "other")
    other = pg.data_dir(create=True)
    _clone(tmp_path, monkeypatch, "this")
    mine = pg.data_dir(create=True)
    (mine / "base").mkdir()
    pg.service_dir("restore-test").mkdir()
    assert mine != other and mine.parent.parent == other.parent.parent == tmp_path / "service" / "clusters"

    gone = pg.remove()
    assert not (tmp_path / "this" / "var" / "pgdata").exists() and not mine.parent.exists()
    assert mine.parent in gone and other.is_dir()


def test_a_link_outside_the_clusters_folder_is_not_followed(tmp_path, monkeypatch):
    monkeypatch.setattr(pg, "SERVICE_HOME", tmp_path / "service")
    var = _clone(tmp_path, monkeypatch, "this")
    elsewhere = tmp_path / "elsewhere" / "pgdata"
    elsewhere.mkdir(parents=True)
    (var / "pgdata").symlink_to(elsewhere, target_is_directory=True)
    assert pg.remove() == [var / "pgdata"]
    assert elsewhere.is_dir() and not (var / "pgdata").exists()


def test_a_folder_var_pgdata_is_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(pg, "_run_as", lambda: None)
    var = _clone(tmp_path, monkeypatch, "this")
    (var / "pgdata" / "base").mkdir(parents=True)
    assert pg.remove() == [var / "pgdata"] and not (var / "pgdata").exists()
