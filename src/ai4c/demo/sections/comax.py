"""Demo: the seed's sample pipeline, EO data broker -> CO-max analyzer, on simulated S5P granules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from ai4c.demo.report import Section

ORDER = 70
TITLE = "EO data broker and CO-max analyzer (Sentinel-5P)"
AOI = "POLYGON((6 46, 14 46, 14 54, 6 54, 6 46))"


def run(workdir: Path) -> Section:
    """Simulate three granules with known plumes, index them, search, take the maximum, map it."""
    from shapely import wkt

    from ai4c.catalog.index import build_index
    from ai4c.pipelines.comax import BrokerRequest, broker, co_max
    from ai4c.products.sentinel5p import read_swath
    from ai4c.simulate.s5p import Plume, simulate_s5p

    section = Section(TITLE)
    start = dt.datetime(2020, 3, 3, 1, 35, tzinfo=dt.UTC)
    plumes = [Plume(9.0, 50.0, 0.02, 30), Plume(11.5, 48.0, 0.04, 25), Plume(7.0, 53.0, 0.01, 40)]
    paths = [simulate_s5p(workdir, start=start + dt.timedelta(days=i), orbit=12367 + 14 * i, plumes=[p], seed=i)
             for i, p in enumerate(plumes)]
    catalog = workdir / "catalog.sqlite"
    build_index(str(workdir), catalog)
    request = BrokerRequest(aoi=wkt.loads(AOI), start=start - dt.timedelta(days=1), end=start + dt.timedelta(days=5))
    found = list(broker(request, catalog=str(catalog)))
    best = co_max(request, catalog=str(catalog))
    section.paragraphs.append(f"The broker found {len(found)} products in the local catalogue; the analyzer kept "
                              f"pixels with qa_value &gt; 0.5 inside the AoI.")
    section.paragraphs.append(f"Maximum: {best.value:.4f} {best.unit} at {best.lat:.3f} N, {best.lon:.3f} E, "
                              f"{best.time}, in {best.product}.")
    distance = float(np.hypot(best.lat - 48.0, (best.lon - 11.5) * np.cos(np.radians(48.0)))) * 111.32
    section.check("products found by the broker", len(found), "= 3", len(found) == 3, "{:d}")
    section.check("distance of the maximum to the strongest planted plume (km)", distance, "< 15 km", distance < 15)
    swath = read_swath(paths[1])
    section.images.append((_map(swath, best, workdir / "co_max_map.png"), "CO column of the winning granule"))
    return section


def _map(swath, best, path: Path) -> str:
    """Scatter map of the granule's good pixels with the maximum marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    good = swath.qa_value > 0.5
    fig, ax = plt.subplots(figsize=(6, 5), dpi=100)
    sc = ax.scatter(swath.longitude[good], swath.latitude[good], c=swath.values[good], s=4, cmap="inferno")
    ax.plot([6, 14, 14, 6, 6], [46, 46, 54, 54, 46], "c-", label="AoI")
    ax.plot(best.lon, best.lat, "g*", markersize=16, label="maximum")
    fig.colorbar(sc, ax=ax, label=f"CO total column ({best.unit})")
    ax.legend(loc="lower left")
    ax.set_xlabel("lon")
    ax.set_ylabel("lat")
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return f"{path.parent.name}/{path.name}"
