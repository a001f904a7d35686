"""Demo: JedAI-spatial interlinking of two simulated layers loaded into the GeoSPARQL store and
queried, and a JedAI entity-resolution run with its workbench page."""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
import shapely

from ai4c.demo.report import Section

ORDER = 62
TITLE = "JedAI: geospatial interlinking into the store, entity resolution and its workbench"
GEO = "http://www.opengis.net/ont/geosparql#"


def _geojson(path: Path, geoms: np.ndarray, prefix: str) -> Path:
    features = [{"type": "Feature", "id": f"{prefix}{k}", "properties": {},
                 "geometry": json.loads(shapely.to_geojson(g))} for k, g in enumerate(geoms)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _records(seed: int = 3) -> tuple[list[dict], list[dict], list[tuple[str, str]]]:
    """Two shop registers; the second holds 150 of the first's shops with one typo in the name."""
    rng = np.random.default_rng(seed)
    syllables = ["ka", "lo", "mi", "ra", "ten", "vo", "shi", "qua", "ber", "dun", "fel", "gor"]
    names = sorted({"".join(rng.choice(syllables, 3)) + " " + "".join(rng.choice(syllables, 3))
                    for _ in range(260)})
    towns = ["athens", "patras", "larissa", "volos", "chania"]
    left = [{"id": f"L{k}", "name": n, "town": towns[k % 5]} for k, n in enumerate(names)]
    right, truth = [], []
    for k in rng.permutation(len(left))[:150].tolist():
        name = list(left[k]["name"])
        name[rng.integers(len(name))] = "x"
        right.append({"id": f"R{len(right)}", "title": "".join(name), "city": left[k]["town"]})
        truth.append((left[k]["id"], right[-1]["id"]))
    return left, right, truth


def _interlink(section: Section, workdir: Path) -> None:
    from ai4c.linked.store import GeoStore
    from ai4c.pipelines.jedai_interlink import InterlinkParams, run_interlink
    from ai4c.simulate.vectors import buildings, landuse_parcels

    houses, parcels = buildings(3000, 2000.0, seed=4), landuse_parcels(150, 2000.0, seed=5)
    a, b = _geojson(workdir / "buildings.geojson", houses, "b"), _geojson(workdir / "parcels.geojson", parcels, "p")
    links = workdir / "links.nt"
    report = run_interlink(InterlinkParams(str(a), str(b), links, algorithm="giant",
                                           source_base="http://ai4c.example.org/building/",
                                           target_base="http://ai4c.example.org/parcel/"))
    store_dir = workdir / "store"
    with GeoStore(store_dir) as store:
        store.load(links)
        stored = {name: int(next(iter(store.query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ ?b <{GEO}{pred}> ?p }}")))["n"].value)
            for name, pred in (("within", "sfWithin"), ("overlaps", "sfOverlaps"))}
    ia, ib = np.meshgrid(np.arange(len(houses)), np.arange(len(parcels)), indexing="ij")
    truth = {"within": int(shapely.within(houses[ia.ravel()], parcels[ib.ravel()]).sum()),
             "overlaps": int(shapely.overlaps(houses[ia.ravel()], parcels[ib.ravel()]).sum())}
    counts = report["counts"]
    section.paragraphs.append(
        f"{len(houses)} simulated building footprints were interlinked with {len(parcels)} land-use parcels "
        f"(<code>ai4c jedai interlink --algorithm giant</code>): {report['candidate_pairs']} candidate pairs "
        f"from the grid filter (precision {report['filter_precision']:.2f}), {report['relate_calls']} GEOS "
        f"relate calls, {counts['within']} sfWithin and {counts['overlaps']} sfOverlaps links, loaded into the "
        f"GeoSPARQL store and counted there by SPARQL.")
    for name in ("within", "overlaps"):
        section.check(f"{name} links in the store vs brute-force shapely over all "
                      f"{len(houses) * len(parcels)} pairs", stored[name], f"= {truth[name]}",
                      stored[name] == truth[name], "{:.0f}")
    _picture(houses, parcels, links, workdir / "interlink.png")
    section.images.append((f"{workdir.name}/interlink.png", "buildings inside a parcel (blue) and crossing "
                                                           "parcel borders (red)"))


def _picture(houses, parcels, links: Path, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    crossing = {int(line.split()[0].rsplit("/b", 1)[1].rstrip(">")) for line in links.read_text().splitlines()
                if "sfOverlaps" in line}
    fig, ax = plt.subplots(figsize=(5, 5))
    for parcel in parcels:
        ax.plot(*parcel.exterior.xy, color="#777", lw=0.5)
    for k, house in enumerate(houses[:1500]):
        ax.fill(*house.exterior.xy, color="#d33" if k in crossing else "#2b7bb9", lw=0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    fig.savefig(png, dpi=90, bbox_inches="tight")
    plt.close(fig)


def _resolve(section: Section, workdir: Path) -> None:
    from ai4c.pipelines.jedai import ResolveParams, run_resolve
    from ai4c.services.jedai import write_workbench

    left, right, truth = _records()
    (workdir / "left.json").write_text(json.dumps(left))
    (workdir / "right.json").write_text(json.dumps(right))
    (workdir / "truth.csv").write_text("".join(f"{a},{b}\n" for a, b in truth))
    history = workdir / "history.jsonl"
    history.unlink(missing_ok=True)
    report = run_resolve(ResolveParams(str(workdir / "left.json"), workdir / "matches.csv",
                                       source2=str(workdir / "right.json"), ground_truth=workdir / "truth.csv",
                                       history=history, name="shops (default workflow)"))
    page, _ = write_workbench(history, workdir / "workbench.html")
    rows = "".join(f"<tr><td>{s['step']}</td><td>{s['method']}</td><td>{s['seconds']:.3f}</td>"
                   f"<td>{s.get('comparisons', s.get('matches', ''))}</td>"
                   f"<td>{s.get('pair_completeness', s.get('recall', ''))}</td></tr>" for s in report["steps"])
    section.paragraphs.append(
        f"Entity resolution of two simulated shop registers ({len(left)} and {len(right)} records, one typo "
        "per duplicate name) with the default label-free workflow (<code>ai4c jedai resolve</code>):"
        "<table><tr><th>step</th><th>method</th><th>s</th><th>comparisons / matches</th>"
        "<th>pair completeness / recall</th></tr>" + rows + "</table>"
        f"The workbench page: <a href='{workdir.name}/{html.escape(page.name)}'>{html.escape(page.name)}</a>.")
    section.check("ER F1 against the planted duplicates", report["scores"]["f1"], ">= 0.95",
                  report["scores"]["f1"] >= 0.95)


def run(workdir: Path) -> Section:
    """Interlink two simulated layers into the store, then resolve two simulated registers."""
    section = Section(TITLE)
    _interlink(section, workdir)
    _resolve(section, workdir)
    return section
