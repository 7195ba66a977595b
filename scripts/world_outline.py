"""Write the member map's world outline: src/livingtogether/web/templates/_world_land.html.

The land of Natural Earth (public domain) at 1:110 million, as the npm package
``world-atlas`` (ISC, Mike Bostock) ships it in TopoJSON, projected as the map
draws its cities (equirectangular: x = longitude + 180, y = 90 - latitude, in
degrees), rounded to a tenth of a degree, points closer than ``STEP`` to the last kept dropped. The
result is one SVG ``<path>``, a template the cities widget includes: no
request, no script, no file to serve.

    npm install --prefix .cache/npm world-atlas@2.0.2
    python scripts/world_outline.py .cache/npm/node_modules/world-atlas/land-110m.json

Run again only to change the outline (the output is committed).
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path
from typing import Any

#: the smallest step kept between two points of a coast, in degrees (the map is drawn
#: at a few pixels per degree: finer detail is not seen, only sent)
STEP = 0.4
OUT = Path(__file__).resolve().parents[1] / "src/livingtogether/web/templates/_world_land.html"


def arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """The topology's arcs in longitude/latitude (delta-decoded, untransformed)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        decoded.append(points)
    return decoded


def rings(topology: dict[str, Any], name: str) -> list[list[tuple[float, float]]]:
    """Every ring of the object ``name`` as a list of points."""
    table = arcs(topology)

    def ring(indexes: list[int]) -> list[tuple[float, float]]:
        points: list[tuple[float, float]] = []
        for index in indexes:
            arc = table[index] if index >= 0 else table[~index][::-1]
            points.extend(arc if not points else arc[1:])
        return points

    found = []
    for geometry in topology["objects"][name]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for polygon in polygons:
            found.extend(ring(indexes) for indexes in polygon)
    return found


def path(all_rings: list[list[tuple[float, float]]]) -> str:
    """One SVG path ``d`` of the rings, projected, in tenths of a degree, each point
    relative to the one before (the path is drawn with ``scale(0.1)``)."""
    parts = []
    for points in all_rings:
        projected: list[tuple[int, int]] = []
        for lon, lat in points:
            point = (round((lon + 180.0) * 10), round((90.0 - lat) * 10))
            if not projected or max(abs(point[0] - projected[-1][0]),
                                    abs(point[1] - projected[-1][1])) >= STEP * 10:
                projected.append(point)
        if len(projected) < 4:
            continue  # an islet smaller than the step
        steps = [f"M{projected[0][0]} {projected[0][1]}l"]
        for (x0, y0), (x1, y1) in itertools.pairwise(projected):
            steps.append(f"{x1 - x0} {y1 - y0} ".replace(" -", "-"))
        parts.append("".join(steps).rstrip() + "z")
    return "".join(parts)


def main(source: str) -> None:
    topology = json.loads(Path(source).read_text(encoding="utf-8"))
    d = path(rings(topology, "land"))
    OUT.write_text(
        "{#- The land of the world, projected as the member map draws its cities (x = "
        "longitude + 180,\n    y = 90 - latitude). Natural Earth 1:110m land, public domain "
        "(naturalearthdata.com), from\n    the npm package world-atlas 2.0.2 (ISC, Mike "
        "Bostock); written by scripts/world_outline.py. -#}\n"
        f'<path class="lt-map__land" transform="scale(0.1)" d="{d}" fill="#dfe6d8" '
        'stroke="#9aa88f" stroke-width="1.5" aria-hidden="true"/>\n', encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1])
