"""The model kit: a schematic, deterministic 3D reconstruction of every catalogue site.

No survey models exist, so parcours ships reconstructions it builds itself with trimesh, in
real-world metres, Y up, origin on the ground at the site's catalogue point (-z is north).
The builder is chosen from the site's id (named sites), then its type and subtype. Sizes are
plausible, not measured: every asset says "reconstitution schématique, pas un relevé".

Regenerate the committed models after any change here: `python -m parcours.gltf.kit`.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Iterable
from pathlib import Path

import trimesh

from parcours.gltf import kit_buildings as kb
from parcours.gltf import kit_mining as km
from parcours.gltf.kit_mining import Anchors, anchor
from parcours.gltf.kit_parts import Frame, Model, Vec3, patch, tree, vary
from parcours.model import Site

ARENBERG = "caph-15a-fosse-d-arenberg-arenberg-creative-mine"
SABATIER = "caph-8w-chevalement-de-la-fosse-sabatier"
RENARD = "caph-18-terril-renard-n-162"
MATHILDE = "caph-17-fosse-mathilde"
REGENERATE = "python -m parcours.gltf.kit"

#: Arenberg shafts (BRGM, via puits-de-mines.geojson; see data/trails_facts.md): lat, lon.
ARENBERG_SHAFTS = {
    1: (50.384884, 3.425211),
    2: (50.385333, 3.424742),
    3: (50.383816, 3.425384),
}

#: Spoil tips by id: shape and schematic size (the sources give the shapes, not the sizes).
TERRILS: dict[str, tuple[str, float, float]] = {
    "caph-8s-terril-n-176-lavoir-rousseau": ("flat", 260.0, 18.0),
    "caph-8t-terril-n-175-sabatier-nord": ("cone", 70.0, 45.0),
    "caph-8u-terril-n-175a-sabatier-nord-plat": ("flat", 220.0, 15.0),
    "caph-8v-terril-n-174-sabatier-sud": ("cut", 75.0, 48.0),
    "caph-15b-terril-n-171-de-la-mare-a-goriaux": ("tongue", 0.0, 0.0),
    "caph-15q-terril-n-158-haveluy-sud": ("flat", 240.0, 16.0),
    "caph-15r-terril-n-157-haveluy-nord": ("flat", 180.0, 20.0),
    RENARD: ("cone", 80.0, 55.0),
    "caph-19a-terril-n-153-audiffret-sud": ("cone", 65.0, 42.0),
}


def _local(lat: float, lon: float, lat0: float, lon0: float) -> tuple[float, float]:
    """Metres east (x) and south (z) of (lat0, lon0); fine over a few hundred metres."""
    east = math.radians(lon - lon0) * 6_371_000.0 * math.cos(math.radians(lat0))
    north = math.radians(lat - lat0) * 6_371_000.0
    return round(east, 1), round(-north, 1)


def _arenberg(site: Site, f: Frame) -> Anchors:
    out: Anchors = {}
    for shaft, (lat, lon) in ARENBERG_SHAFTS.items():
        x, z = _local(lat, lon, site.location.lat, site.location.lon)
        hf = f.at(x, z, 90.0)  # struts and winding engine house to the east (+x)
        node = f"headframe-{shaft}"
        if shaft == 3:
            a = km.portal_headframe(hf, node, height=40.0)
            hall_z, hall = 46.0, (18.0, 22.0, 12.0)
        else:
            a = km.lattice_headframe(hf, node, height=26.0)
            hall_z, hall = 34.0, (13.0, 18.0, 10.0)
        h = km.hall(hf.at(0.0, hall_z, 180.0), f"{node}-engine-house", *hall, rise=4.0)
        axle_y, radius = a["cable-side"][0][1], 3.2 if shaft == 3 else 2.6
        km.winding_cables(
            hf.at(0.0, radius * 0.7),
            f"{node}-cables",
            (axle_y + radius * 0.7, 1.7 if shaft == 3 else 1.0),
            (hall_z - hall[1] / 2 - radius * 0.7, hall[2] * 0.8),
        )
        km.hall(hf.at(0.0, -14.0), f"{node}-pithead", 16.0, 12.0, 7.0, 3.5)
        out |= {f"{node}-{k}": v for k, v in a.items()}
        out[f"{node}-engine-house"] = h["roof"]
    b = km.hall(f.at(25.0, -5.0), "buildings", 16.0, 70.0, 9.0, 4.5)
    out["buildings"] = b["roof"]
    out["yard"] = anchor(f, 10.0, 0.3, 40.0)
    return out


def _sabatier(site: Site, f: Frame) -> Anchors:
    return km.lattice_headframe(f.at(0.0, 0.0, 90.0), "headframe", height=26.0)


def _pit(site: Site, f: Frame) -> Anchors:
    if site.subtype == "bâtiment de fosse":
        return kb.pit_building(f, "pit-building", ramp=site.id == MATHILDE)
    out = km.lattice_headframe(f, "headframe")
    out |= {
        f"hall-{k}": v
        for k, v in km.hall(f.at(0.0, 34.0, 180.0), "engine-house", 13.0, 18.0, 10.0, 4.0).items()
    }
    return out


def _terril(site: Site, f: Frame) -> Anchors:
    shape, size, height = TERRILS.get(site.id, ("cone", 80.0, 40.0))
    if shape == "tongue":
        return km.tongue_terril(f, "terril", site.id)
    if shape == "flat":
        return km.flat_terril(f, "terril", site.id, size, size * 0.6, height)
    cut = 0.72 if shape == "cut" else 1.0
    return km.conical_terril(
        f, "terril", site.id, size, height, cut=cut, green_foot=site.id == RENARD
    )


def _corons(site: Site, f: Frame) -> Anchors:
    plain = site.id.startswith("caph-16a-")  # rows of 7 or 8 single-storey homes (s-pass.org)
    rows = 3 if plain else 2 + int(vary(site.id, "rows") * 2)
    out: Anchors = {}
    pitch = 34.0
    for r in range(rows):
        houses = (7 + r % 2) if plain else 6 + int(vary(site.id, f"row{r}") * 4)
        rf = f.at((r - (rows - 1) / 2) * pitch, vary(site.id, f"shift{r}", -4.0, 4.0))
        a = kb.terraced_row(rf, f"coron-{r + 1}", houses, wall=3.4 if plain else 4.6, rise=3.4)
        if r == 0:
            out = a
    return out


def _pairs(site: Site, f: Frame, garden_city: bool) -> Anchors:
    """Semi-detached houses on both sides of streets running along z."""
    if site.id.startswith("caph-16b-"):  # 15 semi-detached two-storey houses, hedged gardens
        streets, per_side, total = 2, 4, 15
    elif site.id.startswith("caph-8x-"):  # twin houses along a single street
        streets, per_side, total = 1, 5, 10
    else:
        streets = 2 if garden_city else 1 + int(vary(site.id, "streets") * 3)
        per_side = 4 if garden_city else 3 + int(vary(site.id, "pairs") * 3)
        total = streets * 2 * per_side
    plot = 30.0 if garden_city else 22.0
    spacing = 30.0 if garden_city else 24.0
    hedges = garden_city or site.id.startswith("caph-16b-")
    out: Anchors = {}
    count = 0
    street_pitch = 2 * (plot + 14.0)
    for s in range(streets):
        sx = (s - (streets - 1) / 2) * street_pitch
        f.add(f"street-{s + 1}", "road", patch(7.0, per_side * spacing + 10.0, x=sx, y=0.02))
        for side in (1, -1):
            for i in range(per_side):
                if count >= total:
                    continue
                z = (i - (per_side - 1) / 2) * spacing + (
                    spacing / 4 if garden_city and side > 0 else 0.0
                )
                hf = f.at(sx + side * 12.0, z, 0.0 if side > 0 else 180.0)
                a = kb.semi_detached(hf, f"house-{count + 1}", plot=plot, hedges=hedges)
                if count == 0:
                    out = dict(a)
                    out["street"] = anchor(f, sx, 0.3, z)
                count += 1
        if garden_city:
            trunks, crowns = [], []
            for i in range(per_side + 1):
                for side in (-1, 1):
                    t, c = tree(8.0, sx + side * 4.6, (i - per_side / 2) * spacing)
                    trunks.append(t)
                    crowns.append(c)
            f.add(f"street-{s + 1}/trees", "trunk", *trunks)
            f.add(f"street-{s + 1}/trees", "tree", *crowns)
            if s == 0:
                out["trees"] = anchor(f, sx - 4.6, 6.5, per_side / 2 * spacing)
    return out


def _modern(site: Site, f: Frame) -> Anchors:
    out: Anchors = {}
    rows, cols = 3, 2
    for r in range(rows):
        for c in range(cols):
            n = 4 + int(vary(site.id, f"block{r}{c}") * 3)
            bf = f.at((r - 1) * 32.0, (c - 0.5) * 48.0)
            a = kb.modern_block(bf, f"block-{r * cols + c + 1}", n)
            if not out:
                out = dict(a)
    f.add(
        "street", "road", *(patch(6.0, 110.0, x=(r - 1) * 32.0 - 9.0, y=0.02) for r in range(rows))
    )
    out["street"] = anchor(f, -41.0, 0.3, 0.0)
    return out


def _cite(site: Site, f: Frame) -> Anchors:
    if site.subtype == "corons":
        return _corons(site, f)
    if site.subtype == "cité moderne":
        return _modern(site, f)
    return _pairs(site, f, garden_city=site.subtype == "cité-jardin")


def _cavalier(site: Site, f: Frame) -> Anchors:
    return km.railway(f, "cavalier", 240.0)


def _pond(site: Site, f: Frame) -> Anchors:
    return km.pond(f, "pond", site.id)


def _church(site: Site, f: Frame) -> Anchors:
    length = 30.0 + vary(site.id, "len", 0.0, 8.0)
    return kb.church(f, "church", length=round(length, 1))


def _presbytery(site: Site, f: Frame) -> Anchors:
    return kb.house(f, "presbytery", width=11.0, depth=9.0, wall=6.5, rise=4.0)


def _school(site: Site, f: Frame) -> Anchors:
    wings = 2 if site.name.startswith("Groupe scolaire") else 1
    return kb.school(f, "school", wings=wings)


def _health(site: Site, f: Frame) -> Anchors:
    if site.subtype == "dispensaire":
        return kb.clinic(f, "dispensary")
    modern = "laboratoire" in site.id
    return kb.clinic(f, "medical-centre", modern=modern, wings=2)


def _hall(site: Site, f: Frame) -> Anchors:
    return kb.village_hall(f, "hall")


def _engineer(site: Site, f: Frame) -> Anchors:
    return kb.house(f, "engineer-house", 14.0, 11.0, 7.5, 4.5, hipped=True, garden=30.0, trees=3)


def _memorial(site: Site, f: Frame) -> Anchors:
    return kb.memorial(f, "memorial")


BY_ID: dict[str, Callable[[Site, Frame], Anchors]] = {ARENBERG: _arenberg, SABATIER: _sabatier}
BY_TYPE: dict[str, Callable[[Site, Frame], Anchors]] = {
    "fosse": _pit,
    "chevalement": _sabatier,
    "terril": _terril,
    "cité minière": _cite,
    "cavalier": _cavalier,
    "étang d'affaissement": _pond,
    "église": _church,
    "presbytère": _presbytery,
    "école": _school,
    "salle des fêtes": _hall,
    "équipement de santé": _health,
    "maison d'ingénieur": _engineer,
    "monument commémoratif": _memorial,
}


#: Turn by type so that fronts (doors, facades, the front row) face +z, the viewer's side.
TURN: dict[str, float] = {
    "fosse": 180.0,
    "cité minière": 90.0,
    "église": 180.0,
    "presbytère": 90.0,
    "école": 90.0,
    "salle des fêtes": 180.0,
    "équipement de santé": 90.0,
    "maison d'ingénieur": 90.0,
}


def build_site(site: Site) -> tuple[Model, Anchors]:
    """The site's parts and its anchors (position and facing direction)."""
    model = Model()
    if site.id in BY_ID:
        return model, BY_ID[site.id](site, model.root())
    frame = model.root().at(0.0, 0.0, TURN.get(site.type, 0.0))
    return model, BY_TYPE[site.type](site, frame)


def site_scene(site: Site) -> tuple[trimesh.Scene, dict[str, Vec3]]:
    """The schematic scene of a site and its named anchor points, for hotspots."""
    model, anchors = build_site(site)
    return model.scene(), {name: position for name, (position, _) in anchors.items()}


def site_anchors(site: Site) -> Anchors:
    """Anchor name -> (position, normal), for writing hotspots."""
    return build_site(site)[1]


def site_glb(site: Site) -> bytes:
    """The GLB bytes of the site's model: the same site always gives the same bytes."""
    return build_site(site)[0].glb()


def write_site_asset(site: Site, folder: Path) -> None:
    """Write `folder/model.glb` (the folder is created if needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.glb").write_bytes(site_glb(site))


def generate_all(root: Path, sites: Iterable[Site]) -> list[Path]:
    """Write `root/<site-id>/model.glb` for every site; the paths written."""
    paths = []
    for site in sites:
        write_site_asset(site, root / site.id)
        paths.append(root / site.id / "model.glb")
    return paths


def main(argv: list[str] | None = None) -> int:
    """`python -m parcours.gltf.kit`: regenerate every model from the catalogue."""
    from parcours.catalogue import load_catalogue
    from parcours.settings import Settings

    parser = argparse.ArgumentParser(prog=REGENERATE, description=main.__doc__)
    parser.add_argument("--root", type=Path, help="content root (default: the bundled one)")
    args = parser.parse_args(argv)
    settings = Settings() if args.root is None else Settings(root=args.root)
    catalogue = load_catalogue(settings)
    paths = generate_all(settings.assets_dir, catalogue.sites)
    print(f"wrote {len(paths)} models under {settings.assets_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
