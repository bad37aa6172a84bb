"""The cube YAML's typed models (cube/spec.py): a wrong value, a missing or a misspelt key is refused with the file
and the key path; every shipped cube file passes."""
from __future__ import annotations

import pytest
import yaml

from cube.model import CUBES_DIR, ModelError, load_cube


def _load(tmp_path, change):
    raw = yaml.safe_load((CUBES_DIR / "pension.yaml").read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "pension.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ModelError) as info:
        load_cube(path)
    return str(info.value), str(path)


@pytest.mark.parametrize("change, key, text", [
    (lambda r: r["measures"]["contributors"].update(agg="median"), "measures.contributors.agg",
     "'sum', 'count' or 'count_distinct'"),
    (lambda r: r["measures"]["pension_paid"].update(colum="x"), "measures.pension_paid.colum", "Extra inputs"),
    (lambda r: r["dimensions"]["time"]["levels"][0].pop("key"), "dimensions.time.levels[0].key", "Field required"),
    (lambda r: r["dimensions"]["district"]["levels"][0].update(type="date"), "dimensions.district.levels[0].type",
     "'int' or 'text'"),
    (lambda r: r["distinct_aggregates"][1].pop("first_column"), "distinct_aggregates[1].first_column", "Field required"),
    (lambda r: r.update(fact="Fact Table"), "fact", "should match pattern"),
    (lambda r: r["facts"]["columns"][1].update(mask="ssn"), "facts.columns[1].mask", "'id_number', 'name' or 'phone'"),
])
def test_shape_errors_name_file_and_key(tmp_path, change, key, text):
    msg, path = _load(tmp_path, change)
    assert msg.startswith(f"{path}: ") and f"{key}: " in msg and text in msg, msg


def test_reference_errors_name_file_and_key(tmp_path):
    msg, path = _load(tmp_path, lambda r: r["calculated_measures"]["dependency_ratio"].update(denominator="nothing"))
    assert msg.startswith(f"{path}: cube pension.calculated_measures.dependency_ratio: denominator 'nothing'"), msg
    msg, path = _load(tmp_path, lambda r: r["aggregates"][0]["measures"].update(nothing="x"))
    assert msg.startswith(f"{path}: cube pension.aggregates[0].measures: 'nothing' is not a stored measure"), msg


def test_every_cube_file_is_valid():
    assert len([load_cube(p) for p in sorted(CUBES_DIR.glob("*.yaml"))]) == 31
