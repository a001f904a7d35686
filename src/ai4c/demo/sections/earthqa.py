"""Demo: EarthQA asks three questions over the simulated EO catalogue and checks each answer against the
catalogue's products filtered in plain Python; the footprints of one answer are drawn on a map."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from ai4c.demo.report import Section

ORDER = 75
TITLE = "EarthQA: questions in plain English over EO product metadata"
TODAY = dt.date(2022, 1, 15)


def _truths(products) -> list[tuple[str, object]]:
    """The three questions and their expected answers, from the products themselves."""
    from shapely.geometry import Point

    etna, rome, athens = Point(14.9934, 37.751), Point(12.4964, 41.9028), Point(23.7275, 37.9838)
    s1_etna = {p.id for p in products if p.collection == "SENTINEL-1" and p.footprint.contains(etna)
               and (p.start.year, p.start.month) == (2018, 3)}
    s2_rome = [p for p in products if p.collection == "SENTINEL-2" and p.footprint.contains(rome)
               and p.start.year == 2021]
    clearest = min(s2_rome, key=lambda p: p.cloud_cover).id
    summer = sum(1 for p in products if p.collection == "SENTINEL-2" and p.footprint.contains(athens)
                 and dt.datetime(2021, 6, 1, tzinfo=dt.UTC) <= p.start < dt.datetime(2021, 9, 1, tzinfo=dt.UTC))
    return [("Find Sentinel-1 products that show Etna in March 2018", s1_etna),
            ("the least cloudy Sentinel-2 image of Rome in 2021", [clearest]),
            ("how many Sentinel-2 images of Athens last summer?", summer)]


def run(workdir: Path) -> Section:
    """Index the simulated catalogue, ask three questions, check and map the answers."""
    from ai4c.pipelines.earthqa import Answerer
    from ai4c.pipelines.earthqa_index import index
    from ai4c.simulate.eo_catalog import site_products, write_catalog

    section = Section(TITLE)
    products = site_products()
    write_catalog(products, workdir / "eo_catalog.sqlite")
    count = index(workdir / "eo_store", catalog=workdir / "eo_catalog.sqlite").products
    section.paragraphs.append(f"{count} simulated Sentinel-1/2/5P products over 12 known sites were indexed as "
                              f"RDF (DCAT + the ai4c EO vocabulary) into a GeoSPARQL store. Reference date for "
                              f"relative times: {TODAY}.")
    answerer = Answerer(workdir / "eo_store")
    try:
        first = None
        for question, truth in _truths(products):
            answer = answerer.ask(question, TODAY)
            first = first or answer
            got = answer["count"] if isinstance(truth, int) else (
                [p["id"] for p in answer["products"]] if isinstance(truth, list) else {p["id"] for p in answer["products"]})
            shown = got if isinstance(got, int) else len(got)
            notes = "; ".join(answer["assumptions"]) or "none"
            section.paragraphs.append(f"<b>{html.escape(question)}</b> &rarr; {shown} "
                                      f"{'(count)' if isinstance(truth, int) else 'product(s)'} in "
                                      f"{answer['seconds'] * 1000:.0f} ms; assumed: {html.escape(notes)}")
            section.check(f"answer equals the catalogue's truth: {question}", float(got == truth), "= 1",
                          got == truth, "{:.0f}")
        section.paragraphs.append("Generated GeoSPARQL of the first question:<pre>"
                                  f"{html.escape(first['sparql'])}</pre>")
        section.images.append((_map(first, workdir / "earthqa_map.png"), "footprints of the first answer, Etna marked"))
    finally:
        answerer.close()
    return section


def _map(answer: dict, path: Path) -> str:
    """The answer's footprints around the place."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from shapely import wkt

    fig, ax = plt.subplots(figsize=(6, 5), dpi=100)
    for product in answer["products"]:
        x, y = wkt.loads(product["wkt"]).exterior.xy
        ax.plot(x, y, label=product["id"][:32])
    ax.plot(answer["place"]["lon"], answer["place"]["lat"], "r^", markersize=12, label=answer["place"]["name"])
    ax.set_xlabel("lon")
    ax.set_ylabel("lat")
    ax.legend(fontsize=6, loc="lower left")
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return f"{path.parent.name}/{path.name}"
