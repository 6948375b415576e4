"""Special scenes of the trails: the Denain 1712 diorama, Jules Mousseron's office, the abbey.

Built from the kit's primitives in a `Rig` (kit_animation), in metres, Y up, -z north. The
diorama is a table-top object about 2 m wide whose layout is schematic (not the landscape);
the office is an evocation, placed nowhere; the abbey stands at full size on its tower's point.
The diorama and the office loop an animation. Their texts are curated in each asset.yaml; this
module only makes the models: `python -m parcours.gltf.kit_scenes`.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Mapping, Sequence
from itertools import product
from pathlib import Path

import numpy as np

from parcours.gltf import kit_parts as kp
from parcours.gltf.kit_animation import Clip, Rig, Track, ball, march, ribbon, track, tube, turn
from parcours.gltf.kit_parts import Frame, Part, Point2, box, frustum, moved, walls

DIORAMA = "denain-1712-diorama"
OFFICE = "bureau-jules-mousseron"
ABBEY = "abbaye-saint-amand"
REGENERATE = "python -m parcours.gltf.kit_scenes"
Spec = tuple[float, float, float, float, float, float]  # box: sizes x, y, z, then x, y (foot), z
Boxes = Mapping[tuple[str, str], Sequence[Spec]]  # (node, look) -> boxes
TOP = 0.8  # the diorama's terrain, on a table
GATE, MARCHIENNES, LANDRECIES = (-0.04, -0.14), (-0.8, -0.52), (0.76, 0.46)

# fmt: off
#: Diorama: tiny houses (x, z) of the three towns.
TOWNS = {
    "denain": ((0.42, -0.06), (0.46, -0.12), (0.41, -0.17), (0.5, -0.07), (0.52, -0.16)),
    "marchiennes": ((-0.86, -0.58), (-0.8, -0.61), (-0.9, -0.5), (-0.74, -0.6)),
    "landrecies": ((0.74, 0.44), (0.79, 0.48)),
}
#: Diorama: where the marker hovers, phase by phase (time, x, z).
HOPS = ((1.0, -0.62, 0.46), (7.0, -0.07, 0.46), (7.8, -0.35, 0.13), (14.0, -0.35, 0.13),
        (14.8, 0.16, -0.13), (19.6, 0.16, -0.13), (20.4, -0.306, -0.273),
        (23.6, -0.306, -0.273), (24.4, -0.8, -0.52), (25.6, -0.8, -0.52), (26.4, 0.78, 0.32))
#: Office: the room, the desk, the chair and the bookcase.
ROOM: Boxes = {
    ("room", "wood"): [(4.15, 0.05, 3.65, -0.075, -0.05, -0.325)],
    ("room", "render"): [(0.15, 2.8, 3.65, -2.075, 0, -0.325), (2.3, 2.8, 0.15, -0.85, 0, -2.075),
                         (0.5, 2.8, 0.15, 1.75, 0, -2.075), (1.2, 0.9, 0.15, 0.9, 0, -2.075),
                         (1.2, 0.5, 0.15, 0.9, 2.3, -2.075)],
    ("window", "wood"): [(1.2, 0.06, 0.08, 0.9, 0.9, -2), (1.2, 0.06, 0.08, 0.9, 1.55, -2),
                         (1.2, 0.06, 0.08, 0.9, 2.24, -2), (0.06, 1.4, 0.08, 0.33, 0.9, -2),
                         (0.06, 1.4, 0.08, 0.9, 0.9, -2), (0.06, 1.4, 0.08, 1.47, 0.9, -2),
                         (1.3, 0.04, 0.25, 0.9, 0.86, -1.94)],
    ("window", "glass"): [(1.2, 1.4, 0.01, 0.9, 0.9, -2.075)],
    ("desk", "wood"): [(1.3, 0.04, 0.7, 0, 0.72, -0.7), (0.4, 0.72, 0.62, 0.42, 0, -0.7),
                       (0.05, 0.72, 0.05, -0.6, 0, -1), (0.05, 0.72, 0.05, -0.6, 0, -0.4),
                       (0.05, 0.72, 0.05, 0.6, 0, -1), (0.05, 0.72, 0.05, 0.6, 0, -0.4)],
    ("desk", "book-red"): [(0.34, 0.008, 0.24, 0, 0.76, -0.72)],
    ("desk", "paper"): [(0.16, 0.012, 0.22, -0.085, 0.768, -0.72),
                        (0.16, 0.012, 0.22, 0.085, 0.768, -0.72),
                        (0.22, 0.03, 0.3, 0.45, 0.76, -0.5)],
    ("chair", "wood"): [(0.04, 0.42, 0.04, -0.2, 0, -1.44), (0.04, 0.42, 0.04, 0.2, 0, -1.44),
                        (0.04, 0.42, 0.04, -0.2, 0, -1.06), (0.04, 0.42, 0.04, 0.2, 0, -1.06),
                        (0.04, 0.5, 0.04, -0.2, 0.46, -1.44), (0.04, 0.5, 0.04, 0.2, 0.46, -1.44),
                        (0.46, 0.04, 0.44, 0, 0.42, -1.25), (0.44, 0.08, 0.03, 0, 0.86, -1.44),
                        (0.04, 0.36, 0.02, -0.1, 0.5, -1.44), (0.04, 0.36, 0.02, 0.1, 0.5, -1.44)],
    ("bookcase", "wood"): [(0.35, 2.1, 0.03, -1.825, 0, -1.685),
                           (0.35, 2.1, 0.03, -1.825, 0, -0.115),
                           *((0.35, 0.025, 1.6, -1.825, y / 100, -0.9) for y in range(5, 206, 40))],
}
#: Office loop (10 s): (time, yaw, pitch) in degrees of the torso, head, writing arm, forearm.
TORSO = ((0, 0, 4), (1.2, 0, -2), (2.4, 0, 6), (6, 0, 6), (7.5, 0, 8), (9, 0, 6), (10, 0, 4))
HEAD = ((0.6, 0, 18), (1.6, 0, -12), (2.6, 5, -12), (3.4, 0, 24), (6.2, 0, 24), (7.2, -10, 18),
        (8.2, 10, 20), (9.2, 0, 20), (10, 0, 18))
ARM = ((0, 2, 0), (1.2, 2, -4), (2.6, 2, -4), (3.4, 4, 0), (6, -6, 0), (6.8, -9, 0),
       (7.2, -9, -4), (7.7, 5, -12), (8.2, 20, -3), (8.8, 10, -6), (9.6, 2, 0))
FOREARM = ((0, 0, 0), (1.2, 0, -15), (2.6, 0, -15), (3.4, 0, 0),
           *((3.4 + 0.2 * i, 4.0 if i % 2 else -4.0, 2.0 * (i % 2)) for i in range(1, 13)),
           (6.0, 0, 0))
#: Abbey: the tower-porch (three square stages and cornices), enclosure walls, Échevinage bridge.
ABBEY_BOXES: Boxes = {
    ("tower-porch", "stone"): [(18, 28, 18, 0, 0, 0), (19.6, 1.5, 19.6, 0, 28, 0),
                               (15, 18.5, 15, 0, 29.5, 0), (16.4, 1.2, 16.4, 0, 48, 0),
                               (12, 12.8, 12, 0, 49.2, 0), (13.2, 1, 13.2, 0, 62, 0),
                               (3, 26, 3, -8.5, 0, -8.5), (3, 26, 3, 8.5, 0, -8.5),
                               (3, 26, 3, -8.5, 0, 8.5), (3, 26, 3, 8.5, 0, 8.5),
                               (1.2, 26, 0.6, -4, 0, 9.3), (1.2, 26, 0.6, 4, 0, 9.3)],
    ("tower-porch", "opening"): [(5, 11, 0.3, 0, 0, 9.05)],
    ("enclosure", "stone"): [(1.2, 5, 180, -69.4, 0, -60), (1.2, 5, 180, 109.4, 0, -60),
                             (180, 5, 1.2, 20, 0, -149.4), (18, 5, 1.2, -61, 0, 29.4),
                             (138, 5, 1.2, 41, 0, 29.4)],
    ("echevinage", "stone"): [(8, 1, 16, -40, -0.4, 37.5)],
}
#: Abbey: lawns (width, depth, x, z), lean-to roofs of the aisles, dome rings, abbey ranges.
LAWNS = ((68.0, 46.0, 49.0, -75.0), (76.0, 44.0, 62.0, -2.0))
AISLE_ROOFS = (((7.0, 11.85), (15.4, 11.85), (15.4, 12.0), (7.0, 16.5)),
               ((-15.4, 11.85), (-7.0, 11.85), (-7.0, 16.5), (-15.4, 12.0)))
DOME = ((5.6, 71.0), (6.0, 72.6), (4.6, 75.2), (1.6, 77.0))
RANGES = ((55.0, -46.0, 90.0, 80.0), (55.0, -104.0, 90.0, 80.0), (89.0, -75.0, 0.0, 70.0))
BOOKS = ("book-red", "book-green", "book-blue", "book-ochre", "paper")
DEPOTS = ((-0.72, -0.48), (-0.7, -0.44))
# fmt: on


def _cut(size: float, step: float) -> list[tuple[float, float]]:
    """(centre offset, length) of pieces of about `step` (0: one piece) that `size` is cut into:
    the poster's painter sorts whole triangles, a big one would cover what stands on it."""
    n = max(1, math.ceil(size / step)) if step else 1
    return [((i + 0.5 - n / 2) * size / n, size / n) for i in range(n)]


def boxes(f: Frame, table: Boxes, step: float = 0.0) -> None:
    """The table's boxes, cut along x and z into pieces of about `step`, without inner faces."""
    for (node, look), specs in table.items():
        for sx, sy, sz, x, y, z in specs:
            xs, zs = _cut(sx, step), _cut(sz, step)
            for (i, (dx, w)), (k, (dz, d)) in product(enumerate(xs), enumerate(zs)):
                inner = (k > 0, i < len(xs) - 1, k < len(zs) - 1, i > 0)  # -z, +x, +z, -x sides
                b = box(w, sy, d, x + dx, y, z + dz)
                keep = [n for n in range(len(b.faces)) if n >= 8 or not inner[n // 2]]
                f.add(node, look, Part(b.vertices, b.faces[keep]))


# --- the diorama of the battle of Denain (24 July 1712) -------------------------------------


def river_z(x: float) -> float:
    """Centre line of the Escaut across the board."""
    return 0.06 + 0.05 * math.sin(3.0 * x) - 0.03 * x


def road(s: float) -> tuple[float, float]:
    """The fortified road from the camp's gate (s = 0) to Marchiennes (s = 1)."""
    return (GATE[0] + s * (MARCHIENNES[0] - GATE[0]), GATE[1] + s * (MARCHIENNES[1] - GATE[1]))


def unit(rig: Rig, name: str, look: str, start: Point2) -> str:
    """A block of troops facing +x with its flag at the back: a joint on the board."""
    rig.joint(name, (start[0], TOP, start[1]))
    rig.place(name, look, box(0.025, 0.014, 0.05), box(0.0015, 0.014, 0.02, -0.01, 0.031, 0.011))
    rig.place(name, "wood", box(0.003, 0.045, 0.003, x=-0.01))
    return name


def _terrain(r: Frame) -> None:
    legs = [box(0.07, TOP - 0.14, 0.07, x, 0.0, z) for x in (-0.88, 0.88) for z in (-0.6, 0.6)]
    rim = [box(2.0, 0.015, 0.02, 0.0, TOP, s * 0.69) for s in (-1, 1)]
    rim += [box(0.02, 0.015, 1.36, s * 0.99, TOP, 0.0) for s in (-1, 1)]
    r.add("table", "wood", box(2.0, 0.14, 1.4, y=TOP - 0.14, top=False), *legs, *rim)
    r.add("terrain", "grass", kp.patch(1.96, 1.36, y=TOP))
    fields = [(-0.6, -0.1), (0.45, 0.25), (-0.2, 0.6), (0.55, -0.45), (-0.75, 0.15), (0.1, -0.5)]
    r.add("terrain", "field", *(kp.patch(0.22, 0.14, x, z, TOP + 0.001) for x, z in fields))
    river = [(x / 100.0, river_z(x / 100.0)) for x in range(-98, 99, 7)]
    r.add("escaut", "water", ribbon(river, 0.07, TOP + 0.003))
    way = [road(s / 10.0) for s in range(11)]
    r.add("marchiennes-road", "road", ribbon(way, 0.025, TOP + 0.002))
    banks = [[(x + s, z + 2 * s) for x, z in way] for s in (-0.02, 0.02)]
    r.add("marchiennes-road", "earthwork", *(ribbon(b, 0.008, TOP + 0.004) for b in banks))
    camp = [(0.36, 0.01, 0.16, -0.22), (0.36, 0.01, 0.16, -0.04), (0.01, 0.18, 0.34, -0.13)]
    camp += [(0.01, 0.05, -0.02, -0.195), (0.01, 0.07, -0.02, -0.075)]  # the gate between
    r.add("denain-camp", "earthwork", *(box(sx, 0.012, sz, x, TOP, z) for sx, sz, x, z in camp))
    for node, spots in TOWNS.items():
        r.add(node, "brick", *(box(0.03, 0.021, 0.024, x, TOP, z) for x, z in spots))
        ridge = ((-0.017, 0.021), (0.017, 0.021), (0.0, 0.035))
        roofs = (kp.prism([(x + a, TOP + b) for a, b in ridge], 0.028, z) for x, z in spots)
        r.add(node, "slate", *roofs)
    spire = moved(frustum(0.016, 0.0, 0.03, 4, y=TOP + 0.06, phase=math.pi / 4), 0.47, 0.0, -0.02)
    r.add("denain", "stone", box(0.02, 0.06, 0.02, 0.47, TOP, -0.02), spire)
    r.add("marchiennes", "wood", *(box(0.08, 0.02, 0.03, x, TOP, z) for x, z in DEPOTS))
    star = [(0.085 - 0.035 * (i % 2), -math.pi * i / 5) for i in range(10)]  # a bastioned star
    star = [(LANDRECIES[0] + q * math.cos(a), LANDRECIES[1] + q * math.sin(a)) for q, a in star]
    r.add("landrecies", "stone", kp.loft([(star, TOP), (star, TOP + 0.01)]))
    trunks, crowns = [], []
    for i in range(22):
        south = (kp.vary(DIORAMA, f"tx{i}", -0.9, 0.9), kp.vary(DIORAMA, f"tz{i}", 0.2, 0.62))
        north = (kp.vary(DIORAMA, f"nx{i}", -0.6, 0.9), kp.vary(DIORAMA, f"nz{i}", -0.64, -0.3))
        x, z = north if i % 2 else south
        trunks.append(box(0.005, 0.014, 0.005, x, TOP, z))
        crowns.append(moved(frustum(0.013, 0.0, 0.04, 5, y=TOP + 0.012), x, 0.0, z))
    r.add("woods", "trunk", *trunks)
    r.add("woods", "tree", *crowns)


def diorama() -> tuple[Rig, Clip]:
    """The terrain, the armies and a 30 s loop of the battle in five phases."""
    rig = Rig()
    _terrain(rig.root())
    tracks: list[Track] = []
    for c in (0, 1):  # two French columns: feint, Escaut, camp; one unit then cuts the road
        bx = -0.28 - 0.14 * c
        for k in (0, 1, 2):
            q, x0, z0 = 2 - k, -0.49 - 0.13 * k, 0.4 + 0.12 * c
            line_x, dz, t_in = -0.1 - 0.09 * c, -0.075 - 0.06 * q, 9.2 + 0.7 * q
            stops = [(1.0, x0, z0), (7.0, x0 + 0.55, z0), (t_in, bx, river_z(bx) + 0.12)]
            stops += [(t_in + 1.2, bx, river_z(bx) - 0.11), (13.6 + 0.1 * q, line_x, dz)]
            stops += [(14.5, line_x, dz), (18.5, line_x + 0.26 - 0.04 * c, dz)]
            if c == 1 and q == 0:
                stops += [(20.0, 0.03, dz), (21.0, -0.07, GATE[1]), (22.5, *road(0.35))]
            tracks += march(unit(rig, f"french-{c * 3 + k + 1}", "french", (x0, z0)), stops, TOP)
    for i, (x, z) in enumerate(((0.09, -0.09), (0.09, -0.17), (0.24, -0.13))):
        name = unit(rig, f"allied-camp-{i + 1}", "allied", (x, z))
        tracks.append(track(name, "translation", [(16.0, (x, TOP, z)), (17.2, (x, TOP - 0.07, z))]))
        tracks.append(track(name, "rotation", [(0.0, turn(180.0))]))  # facing the attack
    for i, a in enumerate(np.radians((200.0, 250.0, 300.0))):
        x, z = LANDRECIES[0] + 0.14 * math.cos(a), LANDRECIES[1] + 0.14 * math.sin(a)
        facing = math.degrees(math.atan2(-(LANDRECIES[1] - z), LANDRECIES[0] - x))
        name = unit(rig, f"eugene-{i + 1}", "allied", (x, z))
        tracks += march(name, [(25.0, x, z), (29.0, x + 0.12, z - 0.1)], TOP, facing)
    cx, cz = road(0.92)
    convoy = rig.joint("convoy", (cx, TOP, cz))
    rig.place(convoy, "wood", *(box(0.035, 0.012, 0.02, -0.045 * i, 0.004) for i in range(3)))
    rig.place(convoy, "canvas", *(box(0.03, 0.009, 0.018, -0.045 * i, 0.016) for i in range(3)))
    path = ((0.0, 0.92), (20.0, 0.58), (21.2, 0.52), (21.6, 0.52), (26.5, 0.92))
    tracks += march(convoy, [(t, *road(s)) for t, s in path], TOP)
    mx, mz = MARCHIENNES
    flag = rig.joint("marchiennes-flag", (mx, TOP - 0.13, mz))
    rig.place(flag, "wood", box(0.004, 0.12, 0.004))
    rig.place(flag, "french", box(0.002, 0.03, 0.045, 0.0, 0.085, 0.023))
    tracks.append(track(flag, "translation", [(24.5, (mx, TOP - 0.13, mz)), (25.5, (mx, TOP, mz))]))
    for i, x in enumerate((-0.28, -0.42)):  # pontoon bridges rise from under the board
        low, high = (x, TOP - 0.03, river_z(x)), (x, TOP + 0.002, river_z(x))
        name = rig.joint(f"bridge-{i + 1}", low)
        boats = (box(0.034, 0.006, 0.012, 0.0, -0.006, z / 100.0) for z in range(-8, 9, 4))
        rig.place(name, "wood", box(0.03, 0.004, 0.2), *boats)
        tracks.append(track(name, "translation", [(8.0 + 0.3 * i, low), (9.0 + 0.3 * i, high)]))
    pointer = rig.joint("pointer", (HOPS[0][1], TOP + 0.16, HOPS[0][2]))
    cone = kp.loft([(kp.circle(0.018, 8), 0.0)], apex=(0.0, 0.05, 0.0), cap_bottom=True)
    rig.place(pointer, "marker", Part(cone.vertices * (1.0, -1.0, -1.0) + (0, 0.05, 0), cone.faces))
    tracks.append(track(pointer, "translation", [(t, (x, TOP + 0.16, z)) for t, x, z in HOPS]))
    tracks.append(track(pointer, "rotation", [(float(t), turn(90.0 * t)) for t in range(31)]))
    return rig, Clip("bataille-de-denain-1712", 30.0, tuple(tracks))


# --- Jules Mousseron's office: an evocation, with a "hologram" of the poet ------------------


def _books(r: Frame) -> None:
    """Books of varied width and height on the five shelves, a few gaps."""
    books: dict[str, list[Part]] = {}
    for shelf, y in enumerate((0.075, 0.475, 0.875, 1.275, 1.675)):
        z = -1.665
        while z < -0.2:
            key = f"{shelf}/{z:.3f}"
            width = kp.vary(OFFICE, key + "w", 0.025, 0.05)
            height = kp.vary(OFFICE, key + "h", 0.2, 0.3)
            look = BOOKS[int(kp.vary(OFFICE, key, 0, len(BOOKS)))]
            if kp.vary(OFFICE, key + "gap") > 0.08:
                volume = box(0.22, height, width, -1.87, y, z + width / 2, bottom=False)
                books.setdefault(look, []).append(volume)
            z += width + 0.002
    for look, parts in sorted(books.items()):
        r.add("books", look, *parts)


def _poet(rig: Rig) -> None:
    """A seated mannequin: torso joint at the hips, head, writing arm and forearm joints."""
    legs = [tube((x, 0.47, -1.22), (x, 0.49, -0.82), 0.065, 0.055) for x in (-0.1, 0.1)]
    legs += [tube((x, 0.49, -0.82), (x, 0.06, -0.8), 0.05, 0.04) for x in (-0.1, 0.1)]
    legs += [box(0.09, 0.06, 0.2, x, 0.0, -0.74) for x in (-0.1, 0.1)]
    rig.add("poet-legs", "hologram", legs)
    torso = rig.joint("poet", (0.0, 0.47, -1.22))
    body = [ball(0.15, (0.0, 0.51, -1.22), (1.0, 0.6, 0.85))]
    body += [tube((0.0, 0.52, -1.22), (0.0, 0.95, -1.22), 0.13, 0.16)]
    body += [tube((-0.21, 0.93, -1.22), (0.21, 0.93, -1.22), 0.06)]
    body += [tube((0.2, 0.93, -1.22), (0.24, 0.72, -1.05), 0.045, 0.04)]  # left arm, at rest
    body += [tube((0.24, 0.72, -1.05), (0.24, 0.79, -0.8), 0.04, 0.035)]
    body += [ball(0.04, (0.24, 0.8, -0.77))]
    rig.add(torso, "hologram", body)
    head = rig.joint("poet-head", (0.0, 0.52, 0.0), torso)
    face = [tube((0.0, 0.97, -1.22), (0.0, 1.08, -1.21), 0.045), ball(0.025, (0.0, 1.15, -1.115))]
    rig.add(head, "hologram", [*face, ball(0.1, (0.0, 1.17, -1.2), (0.85, 1.1, 0.95))])
    arm = rig.joint("poet-arm", (-0.2, 0.46, 0.0), torso)
    rig.add(arm, "hologram", [tube((-0.2, 0.93, -1.22), (-0.25, 0.74, -1.06), 0.045, 0.04)])
    forearm = rig.joint("poet-forearm", (-0.05, -0.19, 0.16), arm)
    hand = tube((-0.25, 0.74, -1.06), (-0.1, 0.8, -0.8), 0.04, 0.035)
    rig.add(forearm, "hologram", [hand, ball(0.04, (-0.09, 0.8, -0.77))])
    rig.add(forearm, "ink", [tube((-0.085, 0.785, -0.75), (-0.06, 0.88, -0.8), 0.006, 0.004, 6)])


def office() -> tuple[Rig, Clip]:
    """The room corner, the desk and a 10 s loop: look up, write a line, turn the page."""
    rig = Rig()
    r = rig.root()
    boxes(r, ROOM, 0.5)
    _books(r)
    r.add("desk", "ink", tube((0.24, 0.76, -0.92), (0.24, 0.81, -0.92), 0.03))
    x, z = -0.48, -0.92
    foot = tube((x, 0.76, z), (x, 0.78, z), 0.07)
    r.add("lamp", "brass", foot, tube((x, 0.76, z), (x, 1.04, z), 0.012))
    r.add("lamp", "lamp", tube((x, 0.98, z), (x, 1.1, z), 0.14, 0.06, 12))
    _poet(rig)
    page = rig.joint("page", (0.0, 0.781, -0.72))  # turns about the spine (z) onto the left
    rig.place(page, "paper", box(0.158, 0.002, 0.218, -0.081, 0.0, 0.0))
    joints = {"poet": TORSO, "poet-head": HEAD, "poet-arm": ARM, "poet-forearm": FOREARM}
    tracks = [track(n, "rotation", [(t, turn(y, p)) for t, y, p in k]) for n, k in joints.items()]
    tracks.append(track(page, "rotation", [(7.2 + i / 2, turn(roll=-90.0 * i)) for i in range(3)]))
    return rig, Clip("jules-mousseron-ecrit", 10.0, tuple(tracks))


# --- the abbey of Saint-Amand before 1789 ---------------------------------------------------


def _windows(f: Frame, node: str, size: Point2, ys: Sequence[float], step: float) -> None:
    """Dark windows every `step` on both long faces (±x) of a block (length along z, depth)."""
    depth, n = size[1], int(size[0] // step)
    xs, zs = [s * (depth / 2 + 0.05) for s in (-1, 1)], [(i + 0.5 - n / 2) * step for i in range(n)]
    f.add(node, "opening", *(box(0.3, 2.4, 1.4, x, y, z) for x in xs for y in ys for z in zs))


def abbey() -> tuple[Rig, None]:
    """Tower-porch (82 m) at the origin, church to -z, a square walled island in its moat."""
    rig = Rig()
    r = rig.root()
    boxes(r, ABBEY_BOXES, 20.0)
    looks: dict[str, list[Part]] = {}
    for i, k in product(range(16), repeat=2):  # 15 m cells: meadow, moat, island yard, lawns
        x, z, ring = -92.5 + 15.0 * i, -172.5 + 15.0 * k, min(i, k, 15 - i, 15 - k)
        lawn = any(abs(x - lx) < w / 2 and abs(z - lz) < d / 2 for w, d, lx, lz in LAWNS)
        look = ("grass", "water")[ring] if ring < 2 else "grass" if lawn else "ballast"
        looks.setdefault(look, []).append(kp.patch(15.0, 15.0, x, z, 0.0))
    for look, parts in looks.items():
        r.add("grounds", look, *parts)
    gardens = [kp.tree(11.0, 30.0 + 13.0 * (i % 6), -14.0 + 22.0 * (i // 6)) for i in range(12)]
    r.add("gardens", "trunk", *(t for t, _ in gardens))
    r.add("gardens", "tree", *(c for _, c in gardens))
    # the church: nave and aisles behind the tower, an apse at the far end
    nave = [walls(14.0, 24.0, 96.0, z=-57.0), walls(30.0, 12.0, 96.0, z=-57.0)]
    apse = moved(frustum(7.6, 7.6, 24.0, 8, phase=math.pi / 8), dz=-105.0)
    r.add("church", "stone", *nave, apse)
    roofs = [kp.prism(a, 96.0, -57.0) for a in AISLE_ROOFS]
    roofs += [moved(frustum(8.2, 0.0, 8.0, 8, 24.0, math.pi / 8), dz=-105.0)]
    r.add("church", "slate", moved(kp.gable_roof(14.0, 96.0, 9.0, 24.0), dz=-57.0), *roofs)
    _windows(r.at(0.0, -57.0), "church", (96.0, 14.0), (18.0,), 8.0)
    _windows(r.at(0.0, -57.0), "church", (96.0, 30.0), (4.5,), 8.0)
    # the tower-porch: square stages (ABBEY_BOXES), an octagonal lantern, a dome, a spire to 82 m
    lantern = frustum(5.4, 5.0, 8.0, 8, 63.0, math.pi / 8)
    r.add("tower-porch", "stone", lantern, frustum(1.2, 1.0, 2.0, 8, 77.0, math.pi / 8))
    dome = [(kp.circle(radius, 16), y) for radius, y in DOME]
    r.add("tower-porch", "slate", kp.loft(dome))
    r.add("tower-porch", "bronze", frustum(1.0, 0.0, 3.0, 8, 79.0, math.pi / 8))
    for yaw in (0.0, 90.0, 180.0, 270.0):
        bays = [box(0.3, 7.0, 2.2, 6.05, 52.5, s * 2.5) for s in (-1, 1)]
        r.at(0.0, 0.0, yaw).add("tower-porch", "opening", box(0.3, 7.0, 3.0, 7.55, 36.0), *bays)
    # conventual buildings around a cloister, and the Échevinage (entrance pavilion) on the moat
    for x, z, yaw, length in RANGES:
        f = r.at(x, z, yaw)
        f.add("abbey-buildings", "stone", walls(12.0, 12.0, length))
        f.add("abbey-buildings", "slate", kp.gable_roof(12.0, length, 6.0, 12.0))
        _windows(f, "abbey-buildings", (length, 12.0), (2.5, 7.5), 6.0)
    e = r.at(-40.0, 23.0, 90.0)
    e.add("echevinage", "stone", walls(14.0, 12.0, 24.0), box(2.0, 3.0, 2.0, y=16.0))
    top = [kp.gable_roof(14.0, 24.0, 7.0, 12.0), frustum(1.8, 0.0, 4.0, 4, 21.5, math.pi / 4)]
    e.add("echevinage", "slate", *top, box(2.4, 3.0, 2.4, y=18.5))
    e.add("echevinage", "opening", box(0.3, 5.0, 4.0, -7.05), box(0.3, 5.0, 4.0, 7.05))
    for side in (-7.5, 7.5):
        _windows(e.at(0.0, side), "echevinage", (9.0, 14.0), (7.0,), 3.0)
    return rig, None


SCENES: dict[str, Callable[[], tuple[Rig, Clip | None]]]
SCENES = {DIORAMA: diorama, OFFICE: office, ABBEY: abbey}


def scene_glb(asset_id: str) -> bytes:
    """The GLB bytes of one special scene: the same code always gives the same bytes."""
    rig, clip = SCENES[asset_id]()
    return rig.glb(clip)


def write_scenes(root: Path) -> list[Path]:
    """Write `root/<asset-id>/model.glb` for the three scenes (root: the assets folder)."""
    paths = [root / asset_id / "model.glb" for asset_id in SCENES]
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(scene_glb(path.parent.name))
    return paths


def main(argv: list[str] | None = None) -> int:
    """`python -m parcours.gltf.kit_scenes`: regenerate the three scene models (not their texts)."""
    from parcours.settings import Settings

    parser = argparse.ArgumentParser(prog=REGENERATE, description=main.__doc__)
    parser.add_argument("--root", type=Path, help="content root (default: the bundled one)")
    args = parser.parse_args(argv)
    settings = Settings() if args.root is None else Settings(root=args.root)
    paths = write_scenes(settings.assets_dir)
    print(f"wrote {len(paths)} models under {settings.assets_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
