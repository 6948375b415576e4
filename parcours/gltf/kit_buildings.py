"""Buildings of the kit: corons, semi-detached houses, estates, church, school, halls, memorial.

Houses have their ridge along local z and their front (door) on -x unless said otherwise;
each builder returns anchors like the mining pieces do.
"""

from __future__ import annotations

from parcours.gltf.kit_mining import Anchors, anchor
from parcours.gltf.kit_parts import (
    Frame,
    Part,
    box,
    frustum,
    gable_roof,
    moved,
    part,
    patch,
    prism,
    tree,
    walls,
)


def hip_roof(width: float, depth: float, rise: float, y: float, overhang: float = 0.3) -> Part:
    """Hipped roof over a rectangle (ridge along the longer side z)."""
    hx, hz = width / 2.0 + overhang, depth / 2.0 + overhang
    ridge = max(hz - hx, 0.0)
    v = [
        (-hx, y, -hz),
        (hx, y, -hz),
        (hx, y, hz),
        (-hx, y, hz),
        (0.0, y + rise, -ridge),
        (0.0, y + rise, ridge),
    ]
    f = [(0, 4, 1), (1, 4, 5), (1, 5, 2), (2, 5, 3), (3, 5, 4), (3, 4, 0), (0, 1, 2), (0, 2, 3)]
    return part(v, f)  # fmt: skip


def wedge(length: float, width: float, rise: float) -> Part:
    """Ramp rising along +x from 0 to `rise` over `length`, `width` across z, from x = 0."""
    return prism([(0.0, 0.0), (length, 0.0), (length, rise)], width)


WINDOW = "slate"


def _openings(
    f: Frame,
    node: str,
    length: float,
    width: float,
    wall: float,
    per: float,
    side: float = -1.0,
    door: bool = True,
) -> None:
    """A door and windows on the `side` (-x or +x) face for every `per` metres of a row."""
    count = max(1, round(length / per))
    x = side * (width / 2 + 0.04)
    parts = []
    for i in range(count):
        z = -length / 2 + per * (i + 0.5)
        if door:
            parts.append(box(0.12, 2.1, 1.0, x=x, z=z - per * 0.22))
            parts.append(box(0.12, 1.3, 1.2, x=x, y=1.0, z=z + per * 0.18))
        else:
            parts.append(box(0.12, min(wall * 0.55, 5.0), 1.3, x=x, y=wall * 0.25, z=z))
        if door and wall > 4.5:
            parts.append(box(0.12, 1.2, 1.1, x=x, y=wall - 2.0, z=z))
    f.add(node, WINDOW, *parts)


def terraced_row(
    f: Frame,
    node: str,
    houses: int,
    house_w: float = 5.5,
    depth: float = 7.0,
    wall: float = 4.2,
    rise: float = 3.2,
    garden: float = 14.0,
) -> Anchors:
    """Row of identical joined houses (coron): one roof, a chimney per house, back gardens."""
    length = houses * house_w
    f.add(node, "brick", walls(depth, wall, length))
    f.add(node, "slate", gable_roof(depth, length, rise, wall, overhang=0.25))
    chimneys = [
        box(0.6, 1.6, 0.9, y=wall + rise - 0.6, z=-length / 2 + house_w * (i + 0.5))
        for i in range(houses)
    ]
    f.add(node, "brick-dark", *chimneys)
    _openings(f, node, length, depth, wall, house_w)
    gardens = [
        patch(
            garden - 1.0,
            house_w - 0.5,
            x=depth / 2 + garden / 2 + 0.5,
            z=-length / 2 + house_w * (i + 0.5),
        )
        for i in range(houses)
    ]
    f.add(f"{node}/gardens", "grass", *gardens)
    f.add(f"{node}/street", "road", patch(6.0, length + 6.0, x=-depth / 2 - 4.5, y=0.02))
    return {
        "roof": anchor(f, 0.0, wall + rise + 0.3, 0.0),
        "chimney": anchor(f, 0.0, wall + rise + 1.4, -length / 2 + house_w * 0.5),
        "door": anchor(f, -depth / 2 - 0.4, 1.6, -length / 2 + house_w * 0.28, (-1.0, 0.0, 0.0)),
        "garden": anchor(f, depth / 2 + garden / 2, 0.3, -length / 2 + house_w * 1.5),
        "street": anchor(f, -depth / 2 - 4.5, 0.3, 0.0),
    }


def semi_detached(
    f: Frame,
    node: str,
    width: float = 13.0,
    depth: float = 8.0,
    wall: float = 5.8,
    rise: float = 3.6,
    plot: float = 22.0,
    hedges: bool = False,
    roof: str = "tile",
) -> Anchors:
    """Two dwellings under one roof (maisons jumelles), ridge along z, in a garden plot."""
    f.add(node, "brick", walls(depth, wall, width))
    f.add(node, roof, gable_roof(depth, width, rise, wall))
    f.add(
        node,
        "brick-dark",
        *(box(0.6, 1.5, 0.7, y=wall + rise - 0.7, z=s * width * 0.2) for s in (-1, 1)),
    )
    _openings(f, node, width, depth, wall, width / 2)
    f.add(
        f"{node}/garden",
        "grass",
        patch(plot - 2.0, width + 8.0, x=depth / 2 + plot / 2 - 3.0, y=0.03),
    )
    if hedges:
        hx0, hx1, hz = -depth / 2 - 2.0, depth / 2 + plot - 3.0, (width + 9.0) / 2
        hedge = [
            box(hx1 - hx0, 1.2, 0.7, x=(hx0 + hx1) / 2, z=-hz),
            box(hx1 - hx0, 1.2, 0.7, x=(hx0 + hx1) / 2, z=hz),
            box(0.7, 1.2, 2 * hz, x=hx1),
        ]
        f.add(f"{node}/hedge", "hedge", *hedge)
    out = {
        "house": anchor(f, 0.0, wall + rise + 0.3, 0.0),
        "door": anchor(f, -depth / 2 - 0.4, 1.6, -width * 0.36, (-1.0, 0.0, 0.0)),
        "garden": anchor(f, depth / 2 + plot / 2, 0.3, 0.0),
    }
    if hedges:
        out["hedge"] = anchor(f, depth / 2 + plot / 2, 1.5, (width + 9.0) / 2)
    return out


def modern_block(f: Frame, node: str, dwellings: int, width: float = 6.5) -> Anchors:
    """Post-war row: plain rendered block, low-pitched roof."""
    length, depth, wall = dwellings * width, 9.0, 5.6
    f.add(node, "render", walls(depth, wall, length))
    f.add(node, "tile", gable_roof(depth, length, 1.4, wall, overhang=0.4))
    _openings(f, node, length, depth, wall, width)
    f.add(f"{node}/garden", "grass", patch(10.0, length, x=depth / 2 + 5.5))
    return {
        "house": anchor(f, 0.0, wall + 1.7, 0.0),
        "door": anchor(f, -depth / 2 - 0.4, 1.6, -length / 2 + width * 0.28, (-1.0, 0.0, 0.0)),
        "garden": anchor(f, depth / 2 + 5.5, 0.3, 0.0),
    }


def church(
    f: Frame, node: str, length: float = 32.0, width: float = 13.0, tower: float = 24.0
) -> Anchors:
    """Nave along z, tower and spire at the -z front, apse at the back."""
    wall, rise = 10.0, 6.5
    f.add(node, "brick", walls(width, wall, length))
    f.add(node, "slate", gable_roof(width, length, rise, wall))
    for side in (-1.0, 1.0):
        _openings(f, node, length - 4.0, width, wall, 5.0, side=side, door=False)
    apse = frustum(width * 0.42, width * 0.42, wall * 0.85, 8, phase=0.3927)
    f.add(node, "brick", moved(apse, dz=length / 2))
    cap = frustum(width * 0.46, 0.0, 4.0, 8, y=wall * 0.85, phase=0.3927)
    f.add(node, "slate", moved(cap, dz=length / 2))
    side, tz = 6.5, -length / 2 - 2.5
    f.add(f"{node}/tower", "brick", box(side, tower, side, z=tz))
    spire = frustum(side * 0.72, 0.0, tower * 0.55, 4, y=tower, phase=0.7854)
    f.add(f"{node}/tower", "slate", moved(spire, dz=tz))
    f.add(node, "wood", box(2.2, 3.8, 0.2, z=tz - side / 2 - 0.05))
    f.add(node, "road", patch(width + 10.0, 12.0, z=tz - side / 2 - 6.0))
    return {
        "spire": anchor(f, 0.0, tower * 1.55 + 0.6, tz),
        "tower": anchor(f, 0.0, tower * 0.6, tz - side / 2 - 0.4, (0.0, 0.0, -1.0)),
        "door": anchor(f, 0.0, 2.6, tz - side / 2 - 0.5, (0.0, 0.0, -1.0)),
        "nave": anchor(f, 0.0, wall + rise + 0.4, 0.0),
    }


def house(
    f: Frame,
    node: str,
    width: float = 11.0,
    depth: float = 9.0,
    wall: float = 6.5,
    rise: float = 4.0,
    hipped: bool = False,
    roof: str = "slate",
    garden: float = 24.0,
    trees: int = 0,
) -> Anchors:
    """Detached two-storey house with a garden behind (+x); presbytery, engineer's house."""
    f.add(node, "brick", walls(depth, wall, width))
    top = hip_roof(depth, width, rise, wall) if hipped else gable_roof(depth, width, rise, wall)
    f.add(node, roof, top)
    f.add(
        node,
        "brick-dark",
        *(box(0.7, 1.8, 0.8, y=wall + rise * 0.4, z=s * width * 0.3) for s in (-1, 1)),
    )
    _openings(f, node, width, depth, wall, width / 3)
    f.add(f"{node}/garden", "grass", patch(garden, width + 12.0, x=depth / 2 + garden / 2))
    hz = (width + 13.0) / 2
    wall_parts = [box(garden + depth, 1.4, 0.4, x=garden / 2, z=s * hz) for s in (-1, 1)] + [
        box(0.4, 1.4, 2 * hz, x=depth / 2 + garden)
    ]
    f.add(f"{node}/enclosure", "brick-dark", *wall_parts)
    crowns, trunks = [], []
    for i in range(trees):
        t, c = tree(
            9.0 + 1.5 * (i % 2),
            depth / 2 + garden * (0.3 + 0.5 * (i % 2)),
            (i - trees / 2 + 0.5) * 6.0,
        )
        trunks.append(t)
        crowns.append(c)
    if trees:
        f.add(f"{node}/trees", "trunk", *trunks)
        f.add(f"{node}/trees", "tree", *crowns)
    return {
        "house": anchor(f, 0.0, wall + rise + 0.3, 0.0),
        "door": anchor(f, -depth / 2 - 0.4, 1.6, -width * 0.36 + width / 6 * 0.1, (-1.0, 0.0, 0.0)),
        "garden": anchor(f, depth / 2 + garden / 2, 0.3, 0.0),
    }


def school(f: Frame, node: str, wings: int = 1) -> Anchors:
    """Long classroom wing(s) along z facing a yard (-x), with a covered play area."""
    length, depth, wall = 42.0, 10.0, 5.5
    out: Anchors = {}
    for w in range(wings):
        wf = f.at(0.0, w * (length + 12.0) - (wings - 1) * (length + 12.0) / 2)
        wf.add(node, "brick", walls(depth, wall, length))
        wf.add(node, "slate", gable_roof(depth, length, 3.8, wall))
        _openings(wf, node, length, depth, wall, 5.0)
        if w == 0:
            out["building"] = anchor(wf, 0.0, wall + 4.1, 0.0)
            out["door"] = anchor(wf, -depth / 2 - 0.4, 1.6, -length / 2 + 1.4, (-1.0, 0.0, 0.0))
    span = wings * length + (wings - 1) * 12.0
    f.add(f"{node}/yard", "road", patch(26.0, span, x=-depth / 2 - 13.0))
    shelter = [
        box(0.3, 3.2, 0.3, x=-depth / 2 - 2.0 - 4.0 * (i % 2), z=(i // 2) * 4.0) for i in range(8)
    ]
    f.add(f"{node}/shelter", "wood", *shelter)
    f.add(f"{node}/shelter", "slate", box(6.0, 0.3, 14.0, x=-depth / 2 - 4.0, y=3.2, z=6.0))
    f.add(f"{node}/wall", "brick-dark", box(0.4, 2.0, span, x=-depth / 2 - 26.0))
    out["playground"] = anchor(f, -depth / 2 - 16.0, 0.3, -span * 0.2)
    out["shelter"] = anchor(f, -depth / 2 - 4.0, 3.8, 6.0)
    return out


def clinic(f: Frame, node: str, modern: bool = False, wings: int = 1) -> Anchors:
    """Dispensary or medical centre: hipped single storey, or flat-roofed two-storey block."""
    out: Anchors = {}
    for w in range(wings):
        wf = f.at(0.0, w * 17.0, 0.0)
        if modern:
            wf.add(node, "render", box(12.0, 7.0 - 3.0 * w, 16.0))
            wf.add(node, "concrete", box(12.6, 0.4, 16.6, y=7.0 - 3.0 * w))
            _openings(wf, node, 16.0, 12.0, 7.0 - 3.0 * w, 4.0)
            top = 7.4 - 3.0 * w
        else:
            wf.add(node, "brick", walls(10.0, 4.6, 16.0))
            wf.add(node, "tile", hip_roof(10.0, 16.0, 3.6, 4.6))
            _openings(wf, node, 16.0, 10.0, 4.6, 4.0)
            top = 8.5
        if w == 0:
            out["building"] = anchor(wf, 0.0, top + 0.3, 0.0)
    front = -6.0 if modern else -5.0
    f.add(node, "wood", box(0.2, 2.4, 1.6, x=front - 0.05))
    f.add(
        f"{node}/forecourt",
        "road",
        patch(8.0, 16.0 + 17.0 * (wings - 1), x=front - 4.0, z=8.5 * (wings - 1)),
    )
    out["door"] = anchor(f, front - 0.5, 1.8, 0.0, (-1.0, 0.0, 0.0))
    return out


def village_hall(f: Frame, node: str) -> Anchors:
    """Festival hall: long gabled hall along z with a raised front gable on -z."""
    width, length, wall, rise = 16.0, 34.0, 9.0, 6.0
    f.add(node, "brick", walls(width, wall, length))
    f.add(node, "slate", gable_roof(width, length, rise, wall))
    hw, top = width / 2 + 0.5, wall + rise + 1.8
    gable = [(-hw, 0.0), (hw, 0.0), (hw, wall + 0.8), (0.9, top), (-0.9, top), (-hw, wall + 0.8)]
    f.add(node, "brick-dark", prism(gable, 1.0, z=-length / 2 - 0.2))
    for side in (-1.0, 1.0):
        _openings(f, node, length - 4.0, width, wall, 4.5, side=side, door=False)
    f.add(node, "wood", box(3.0, 3.6, 0.2, z=-length / 2 - 0.75))
    f.add(f"{node}/square", "road", patch(width + 12.0, 14.0, z=-length / 2 - 7.5))
    return {
        "facade": anchor(f, 0.0, wall + 2.0, -length / 2 - 1.1, (0.0, 0.0, -1.0)),
        "door": anchor(f, 0.0, 2.2, -length / 2 - 1.1, (0.0, 0.0, -1.0)),
        "roof": anchor(f, 0.0, wall + rise + 0.4, length * 0.2),
    }


def pit_building(f: Frame, node: str, ramp: bool = False) -> Anchors:
    """Early pit: a tall brick block over the shaft with a lower wing; optional access ramp."""
    out: Anchors = {}
    f.add(node, "brick", walls(12.0, 11.0, 12.0))
    f.add(node, "slate", gable_roof(12.0, 12.0, 4.5, 11.0))
    f.add(node, "brick", walls(10.0, 6.5, 18.0, z=15.0))
    f.add(node, "slate", moved(gable_roof(10.0, 18.0, 3.5, 6.5), dz=15.0))
    for side in (-1.0, 1.0):
        _openings(f, node, 12.0, 12.0, 11.0, 4.0, side=side, door=False)
        _openings(f.at(0.0, 15.0), node, 18.0, 10.0, 6.5, 4.5, side=side, door=False)
    f.add(node, "wood", box(2.2, 3.4, 0.2, z=-6.05))
    out["building"] = anchor(f, 0.0, 15.8, 0.0)
    out["door"] = anchor(f, 0.0, 2.4, -6.5, (0.0, 0.0, -1.0))
    out["wing"] = anchor(f, 0.0, 10.3, 15.0)
    if ramp:
        rf = f.at(-26.0, 2.0)
        rf.add(f"{node}/ramp", "brick-dark", wedge(20.0, 6.0, 4.0))
        rf.add(f"{node}/ramp", "ballast", moved(wedge(20.0, 5.2, 4.0), dy=0.05))
        out["ramp"] = anchor(rf, 12.0, 2.4 + 0.6, 0.0)
    return out


def memorial(f: Frame, node: str) -> Anchors:
    """Stone pedestal and a standing bronze figure."""
    f.add(f"{node}/square", "stone", patch(16.0, 16.0, y=0.02))
    f.add(
        f"{node}/pedestal",
        "stone",
        box(3.6, 0.6, 3.6),
        box(2.4, 2.8, 2.4, y=0.6),
        box(2.9, 0.4, 2.9, y=3.4),
    )
    y0 = 3.8
    body = frustum(0.55, 0.34, 1.35, 10, y=y0)
    torso = frustum(0.36, 0.3, 0.55, 10, y=y0 + 1.35)
    head = frustum(0.14, 0.16, 0.3, 8, y=y0 + 1.95)
    head_top = frustum(0.16, 0.0, 0.12, 8, y=y0 + 2.25)
    arm = box(0.16, 0.75, 0.16, x=0.42, y=y0 + 1.05)
    f.add(f"{node}/statue", "bronze", body, torso, head, head_top, arm)
    return {
        "statue": anchor(f, 0.0, y0 + 2.6, 0.0),
        "pedestal": anchor(f, 0.0, 2.0, 1.45, (0.0, 0.0, 1.0)),
        "square": anchor(f, 0.0, 0.3, 6.0),
    }
