"""Mining pieces of the kit: headframes, pit buildings, spoil tips, embankments, ponds.

Each builder adds its parts to a `Frame` and returns named anchors: a point on (or just above)
the surface and the direction it faces, in the frame's coordinates turned into the model's.
"""

from __future__ import annotations

import math

from parcours.gltf.kit_parts import (
    Frame,
    Part,
    Point2,
    Vec3,
    beam,
    box,
    circle,
    flat,
    gable_roof,
    loft,
    merge,
    moved,
    part,
    patch,
    prism,
    stadium,
    tree,
    vary,
)

Anchor = tuple[Vec3, Vec3]
Anchors = dict[str, Anchor]
UP: Vec3 = (0.0, 1.0, 0.0)


def anchor(f: Frame, x: float, y: float, z: float, normal: Vec3 = UP) -> Anchor:
    """A named point of the model (metres) and the unit direction its hotspot faces."""
    length = math.sqrt(sum(c * c for c in normal))
    return f.point(x, y, z), f.direction(*(c / length for c in normal))


def wheel(radius: float, width: float = 0.35, segments: int = 24, spokes: int = 6) -> Part:
    """Winding wheel (molette) centred on the origin, axle along x: rim, hub and spokes."""
    rim_in = radius - 0.22
    hw, n = width / 2.0, segments
    verts: list[tuple[float, float, float]] = []
    for r in (radius, rim_in):
        for sx in (-hw, hw):
            verts += [(sx, r * math.cos(a), r * math.sin(a)) for a in _angles(n)]
    faces: list[tuple[int, int, int]] = []
    for i in range(n):
        j = (i + 1) % n
        faces += [(i, j, n + j), (i, n + j, n + i)]  # outer surface
        faces += [(2 * n + i, 3 * n + j, 2 * n + j), (2 * n + i, 3 * n + i, 3 * n + j)]
        faces += [(i, 2 * n + j, j), (i, 2 * n + i, 2 * n + j)]  # side -x
        faces += [(n + i, n + j, 3 * n + j), (n + i, 3 * n + j, 3 * n + i)]  # side +x
    pieces = [part(verts, faces)]
    pieces.append(beam((-width, 0.0, 0.0), (width, 0.0, 0.0), 0.5))
    for k in range(spokes):
        a = math.pi * k / spokes
        end = (0.0, rim_in * math.cos(a), rim_in * math.sin(a))
        start = (0.0, -end[1], -end[2])
        pieces.append(beam(start, end, 0.12))
    return merge(pieces)


def _angles(segments: int) -> list[float]:
    return [2.0 * math.pi * i / segments for i in range(segments)]


def lattice_headframe(
    f: Frame, node: str, height: float = 24.0, wheel_radius: float = 2.6
) -> Anchors:
    """Steel lattice tower over the shaft, struts (bigues) towards +z, two wheels on top."""
    bw, tw, legs = 7.0, 4.2, []
    corners = ((-1, -1), (1, -1), (1, 1), (-1, 1))
    for sx, sz in corners:
        legs.append(beam((sx * bw / 2, 0.0, sz * bw / 2), (sx * tw / 2, height, sz * tw / 2), 0.5))
    levels = 6
    for k in range(levels + 1):
        t0, t1 = k / levels, (k + 1) / levels
        w0, y0 = bw + (tw - bw) * t0, height * t0
        w1, y1 = bw + (tw - bw) * t1, height * t1
        for c in range(4):
            (ax, az), (bx, bz) = corners[c], corners[(c + 1) % 4]
            p0 = (ax * w0 / 2, y0, az * w0 / 2)
            legs.append(beam(p0, (bx * w0 / 2, y0, bz * w0 / 2), 0.22))
            if k < levels:
                up = (
                    (bx * w1 / 2, y1, bz * w1 / 2) if k % 2 == 0 else (ax * w1 / 2, y1, az * w1 / 2)
                )
                low = p0 if k % 2 == 0 else (bx * w0 / 2, y0, bz * w0 / 2)
                legs.append(beam(low, up, 0.16))
    f.add(node, "steel", *legs)
    deck = height + 0.6
    f.add(node, "steel", box(tw + 1.6, 0.6, tw + 1.6, y=height))
    axle_y = deck + wheel_radius + 0.4
    posts = [beam((x, deck, 0.0), (x, axle_y, 0.0), 0.35) for x in (-2.0, 0.0, 2.0)]
    posts.append(beam((-2.2, axle_y, 0.0), (2.2, axle_y, 0.0), 0.3))
    f.add(node, "steel", *posts)
    for name, x in (("wheel-a", -1.0), ("wheel-b", 1.0)):
        w = wheel(wheel_radius)
        f.add(f"{node}/{name}", "steel", moved(w, x, axle_y))
    reach = height * 0.75
    struts = [
        beam((sx * tw / 2, height * 0.95, tw / 2), (sx * (tw / 2 + 1.5), 0.0, reach), 0.7)
        for sx in (-1, 1)
    ]
    for t in (0.3, 0.55, 0.8):
        y, z = height * 0.95 * (1 - t), tw / 2 + (reach - tw / 2) * t
        half = tw / 2 + 1.5 * t
        struts.append(beam((-half, y, z), (half, y, z), 0.25))
    f.add(f"{node}/struts", "steel", *struts)
    f.add(node, "concrete", box(bw + 3.0, 0.4, bw + 3.0))
    top = axle_y + wheel_radius
    return {
        "wheels": anchor(f, 0.0, top + 0.5, 0.0),
        "headframe": anchor(f, -(bw + tw) / 4 - 0.3, height * 0.5, 0.0, (-1.0, 0.0, 0.0)),
        "struts": anchor(f, 0.0, height * 0.45, reach * 0.5, (0.0, 0.4, 1.0)),
        "foot": anchor(f, -(bw + 3.0) / 2 - 0.2, 0.9, 0.0, (-1.0, 0.0, 0.0)),
        "cable-side": anchor(f, 0.0, axle_y, wheel_radius + 0.5, (0.0, 0.0, 1.0)),
    }


def portal_headframe(f: Frame, node: str, height: float = 38.0) -> Anchors:
    """Portal headframe: four heavy legs and girders, a deck with two wheels, a big strut."""
    members = []
    base, top = (7.0, 4.5), (4.6, 3.2)
    for sx in (-1, 1):
        for sz in (-1, 1):
            p0 = (sx * base[0], 0.0, sz * base[1])
            members.append(beam(p0, (sx * top[0], height, sz * top[1]), 1.4))
    for t in (0.33, 0.66, 1.0):
        hx, hz, y = base[0] + (top[0] - base[0]) * t, base[1] + (top[1] - base[1]) * t, height * t
        for sz in (-1, 1):
            members.append(beam((-hx, y - 0.5, sz * hz), (hx, y - 0.5, sz * hz), 1.0))
        for sx in (-1, 1):
            members.append(beam((sx * hx, y - 0.5, -hz), (sx * hx, y - 0.5, hz), 0.8))
    f.add(node, "steel", *members)
    f.add(node, "steel", box(2 * top[0] + 3.0, 1.2, 2 * top[1] + 3.0, y=height))
    radius, deck = 3.2, height + 1.2
    axle_y = deck + radius + 0.5
    supports = [beam((x, deck, 0.0), (x, axle_y, 0.0), 0.6) for x in (-3.4, 0.0, 3.4)]
    supports.append(beam((-3.6, axle_y, 0.0), (3.6, axle_y, 0.0), 0.45))
    f.add(node, "steel", *supports)
    for name, x in (("wheel-a", -1.7), ("wheel-b", 1.7)):
        w = wheel(radius, width=0.45, segments=28)
        f.add(f"{node}/{name}", "steel", moved(w, x, axle_y))
    reach = height * 0.7
    struts = [
        beam((sx * 3.6, height * 0.97, top[1]), (sx * 5.0, 0.0, reach), 1.2) for sx in (-1, 1)
    ]
    for t in (0.35, 0.7):
        y, z, half = height * 0.97 * (1 - t), top[1] + (reach - top[1]) * t, 3.6 + 1.4 * t
        struts.append(beam((-half, y, z), (half, y, z), 0.6))
    f.add(f"{node}/struts", "steel", *struts)
    f.add(node, "concrete", box(2 * base[0] + 4.0, 0.5, 2 * base[1] + 4.0))
    return {
        "wheels": anchor(f, 0.0, axle_y + radius + 0.5, 0.0),
        "headframe": anchor(f, -base[0] * 0.82 - 0.8, height * 0.66, 0.0, (-1.0, 0.0, 0.0)),
        "struts": anchor(f, 0.0, height * 0.45, reach * 0.5, (0.0, 0.4, 1.0)),
        "foot": anchor(f, -base[0] - 2.2, 1.0, 0.0, (-1.0, 0.0, 0.0)),
        "cable-side": anchor(f, 0.0, axle_y, radius + 0.6, (0.0, 0.0, 1.0)),
    }


def hall(
    f: Frame,
    node: str,
    width: float,
    length: float,
    wall: float,
    rise: float,
    walls: str = "brick",
    roof: str = "slate",
) -> Anchors:
    """Gabled industrial hall, ridge along z, door on the -z gable end."""
    f.add(node, walls, box(width, wall, length, top=False, bottom=False))
    f.add(node, roof, gable_roof(width, length, rise, wall))
    door = box(min(4.0, width * 0.3), min(4.5, wall * 0.6), 0.2, z=-length / 2 - 0.05)
    f.add(node, "wood", door)
    return {
        "door": anchor(f, 0.0, min(4.5, wall * 0.6) + 0.5, -length / 2 - 0.4, (0.0, 0.0, -1.0)),
        "roof": anchor(f, 0.0, wall + rise + 0.4, 0.0),
        "wall": anchor(f, width / 2 + 0.3, wall * 0.6, 0.0, (1.0, 0.0, 0.0)),
    }


def winding_cables(
    f: Frame, node: str, start: tuple[float, float], end: tuple[float, float]
) -> None:
    """Two ropes from the wheels (height, half spacing) to the engine house (z, height)."""
    (y0, half), (z1, y1) = start, end
    f.add(node, "steel", *(beam((x, y0, 0.0), (x, y1, z1), 0.08) for x in (-half, half)))


def _wobble(poly: list[Point2], key: str, amount: float) -> list[Point2]:
    """Deterministic unevenness of an outline, so tips and ponds do not look turned on a lathe."""
    p1, p2 = vary(key, "phase1", 0.0, 6.28), vary(key, "phase2", 0.0, 6.28)
    out = []
    for i, (px, pz) in enumerate(poly):
        a = 2.0 * math.pi * i / len(poly)
        k = 1.0 + amount * (0.6 * math.sin(2 * a + p1) + 0.4 * math.sin(5 * a + p2))
        out.append((px * k, pz * k))
    return out


def _front(poly: list[Point2]) -> int:
    """Index of the outline point furthest towards +z, the model's front (viewer's camera)."""
    return min(range(len(poly)), key=lambda i: (-poly[i][1], abs(poly[i][0])))


def _on_slope(lower: list[Point2], upper: list[Point2], y0: float, y1: float, t: float) -> Vec3:
    k = _front(lower)
    (ax, az), (bx, bz) = lower[k], upper[k]
    return (ax + (bx - ax) * t, y0 + (y1 - y0) * t + 0.5, az + (bz - az) * t)


def conical_terril(
    f: Frame,
    node: str,
    key: str,
    radius: float,
    height: float,
    cut: float = 1.0,
    green_foot: bool = False,
) -> Anchors:
    """Cone of spoil with a slightly concave foot; `cut` < 1 takes the summit off flat."""
    base = _wobble(circle(1.0, 40), key, 0.06)
    profile = [(1.0, 0.0), (0.8, 0.15), (0.55, 0.42), (0.3, 0.7), (0.08, 0.94)]
    if green_foot:  # a vegetated skirt: the lowest ring is grass
        profile.insert(1, (0.94, 0.04))
    if cut < 1.0:
        k = next(i for i, (_, t) in enumerate(profile) if t >= cut)
        (r0, t0), (r1, t1) = profile[k - 1], profile[k]
        profile = [*profile[:k], (r0 + (r1 - r0) * (cut - t0) / (t1 - t0), cut)]
    rings = [
        ([(px * radius * r, pz * radius * r) for px, pz in base], height * t) for r, t in profile
    ]
    apex: Vec3 | None = (0.0, height, 0.0) if cut >= 1.0 else None
    if green_foot:
        f.add(f"{node}/foot", "grass", loft(rings[:2], cap_top=False))
        f.add(node, "spoil", loft(rings[1:], apex=apex))
    else:
        f.add(node, "spoil", loft(rings, apex=apex))
    (lo, y0), (hi, y1) = rings[1], rings[2]
    foot = rings[0][0][_front(rings[0][0])]
    return {
        "summit": anchor(f, 0.0, height * min(cut, 1.0) + 0.5, 0.0),
        "slope": anchor(f, *_on_slope(lo, hi, y0, y1, 0.5), (0.0, 0.6, 0.8)),
        "foot": anchor(f, foot[0], 0.5, foot[1] + 1.0, (0.0, 0.3, 1.0)),
    }


def flat_terril(
    f: Frame, node: str, key: str, length: float, width: float, height: float
) -> Anchors:
    """Flat-topped tip: an uneven outline rising to a plateau."""
    base = _wobble(stadium(length, width, 12), key, 0.05)
    shoulder = [(px * 0.9, pz * 0.8) for px, pz in base]
    top = [(px * 0.84, pz * 0.66) for px, pz in base]
    rings = [(base, 0.0), (shoulder, height * 0.55), (top, height)]
    f.add(node, "spoil", loft(rings, cap_top=False))
    f.add(node, "spoil-brown", flat(top, height, hub=True))
    foot = base[_front(base)]
    return {
        "summit": anchor(f, 0.0, height + 0.5, 0.0),
        "slope": anchor(f, *_on_slope(base, shoulder, 0.0, height * 0.55, 0.6), (0.0, 0.6, 0.8)),
        "foot": anchor(f, foot[0], 0.5, foot[1] + 1.0, (0.0, 0.3, 1.0)),
    }


def tongue_terril(f: Frame, node: str, key: str) -> Anchors:
    """Long flat tip 'en langue' along x, railway on the +z side, water on the -z side."""
    length, width, height = 460.0, 64.0, 16.0
    out = flat_terril(f, node, key, length, width, height)
    track = railway(f.at(0.0, width / 2 + 14.0), f"{node}-railway", length * 0.9, embankment=1.2)
    f.add(f"{node}-water", "water", patch(length * 0.85, 40.0, z=-width / 2 - 28.0, y=0.05))
    out["railway"] = anchor(f, length * 0.25, track["rails"][0][1], width / 2 + 14.0)
    out["water"] = anchor(f, 0.0, 0.6, -width / 2 - 28.0)
    return out


def railway(f: Frame, node: str, length: float, embankment: float = 4.5) -> Anchors:
    """Track along x on a trapezoid embankment (a cavalier when it is high)."""
    top_w, base_w = 6.0, 6.0 + 3.0 * embankment
    profile = [
        (-base_w / 2, 0.0),
        (base_w / 2, 0.0),
        (top_w / 2, embankment),
        (-top_w / 2, embankment),
    ]
    body = prism(profile, length)
    f.add(node, "grass", Part(body.vertices[:, [2, 1, 0]] * (1.0, 1.0, -1.0), body.faces))
    f.add(node, "ballast", box(length, 0.3, 3.4, y=embankment))
    y = embankment + 0.3
    sleepers = [
        box(0.25, 0.15, 2.5, x=-length / 2 + 1.0 + 2.0 * i, y=y)
        for i in range(int(length / 2.0) - 1)
    ]
    f.add(f"{node}/sleepers", "wood", *sleepers)
    rails = [beam((-length / 2, y + 0.2, z), (length / 2, y + 0.2, z), 0.1) for z in (-0.72, 0.72)]
    f.add(f"{node}/rails", "steel", *rails)
    return {
        "rails": anchor(f, 0.0, y + 0.8, 0.0),
        "embankment": anchor(
            f, length * 0.2, embankment * 0.5 + 0.3, base_w * 0.4, (0.0, 0.6, 0.8)
        ),
        "end": anchor(f, length / 2 + 0.5, embankment * 0.6, 0.0, (1.0, 0.0, 0.0)),
    }


def pond(f: Frame, node: str, key: str, rx: float = 170.0, rz: float = 110.0) -> Anchors:
    """Subsidence pond: water below the ground, sloping banks, trees around."""
    n = 48
    shore = _wobble([(px * rx, pz * rz) for px, pz in circle(1.0, n)], key, 0.08)
    outer = [(px * (1.0 + 14.0 / rx), pz * (1.0 + 14.0 / rz)) for px, pz in shore]
    f.add(f"{node}/banks", "grass", loft([(outer, 0.0), (shore, -1.2)], cap_top=False))
    f.add(node, "water", flat([(px * 1.002, pz * 1.002) for px, pz in shore], -0.8, hub=True))
    trunks, crowns = [], []
    for i in range(0, n, 2):
        ox, oz = outer[i]
        scale = 1.0 + vary(key, f"tree{i}", 0.02, 0.1)
        h = vary(key, f"h{i}", 7.0, 12.0)
        trunk, crown = tree(h, ox * scale * 0.98, oz * scale * 0.98)
        trunks.append(trunk)
        crowns.append(crown)
    f.add(f"{node}/trees", "trunk", *trunks)
    f.add(f"{node}/trees", "tree", *crowns)
    first = trunks[0].vertices.mean(axis=0)
    bx, bz = shore[3 * n // 4]
    return {
        "water": anchor(f, 0.0, -0.3, 0.0),
        "bank": anchor(f, bx * 1.04, 0.2, bz * 1.04),
        "trees": anchor(f, float(first[0]), vary(key, "h0", 7.0, 12.0) * 0.6, float(first[2])),
    }
