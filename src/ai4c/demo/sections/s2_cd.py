"""Demo: S2-CD on a simulated L2A pair and monthly composites of a REFBOA/LAI series, scored vs truth."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from ai4c.demo.report import Section

ORDER = 30
TITLE = "Sentinel-2 change detection (S2-CD) and monthly composites"


def _change_detection(section: Section, workdir: Path) -> None:
    """Simulate a pair, run S2-CD, compare with the planted changes."""
    import rasterio
    import xarray as xr

    from ai4c.core.quicklook import write_quicklook
    from ai4c.pipelines.s2_cd import run
    from ai4c.pipelines.s2_cd_io import class_colours
    from ai4c.simulate.s2.changes import CHANGES
    from ai4c.simulate.s2.pair import cloudy, simulate_pair

    paths = simulate_pair(workdir / "pair", size=128, seed=11, gain=1.08, offset=0.01, n_per_type=3)
    out = workdir / "s2cd"
    run(paths["input1"], paths["input2"], out, projection="UTM")
    truth = xr.load_dataset(paths["truth"])
    with rasterio.open(out / "S2-CD.tif") as src:
        classes = src.read(1)
    change, clear = truth.change.values, ~cloudy(truth)
    detected = (classes[(change > 0) & clear] > 0).mean()
    false_alarm = (classes[(change == 0) & clear] > 0).mean()
    hits = (change > 0) & (classes > 0) & clear
    purity = sum(np.bincount(change[hits & (classes == k)]).max() for k in np.unique(classes[hits])) / max(hits.sum(), 1)
    section.paragraphs.append(
        "Two L2A products of tile 33UVP (baselines 04.00 and 05.09) were simulated with planted changes "
        f"({', '.join(v[0] for v in CHANGES.values())}), a radiometric gain 1.08 and offset 0.01 on date 2 and "
        "clouds on both dates. <code>ai4c s2-cd --projection UTM</code> normalised date 2 by IR-MAD, tested the CVA "
        "magnitude against the 99.99 % chi-squared quantile and grouped the changes by K-means in (magnitude, angle). "
        "Classes are numbered by increasing angle; the planted types were designed with increasing angles too, "
        "so class k should match truth type k (same colours). White: cloud, shadow or no data in either date.")
    section.check("changed pixels detected", 100 * detected, ">= 95 %", detected >= 0.95, "{:.2f} %")
    section.check("false alarms on unchanged clear pixels", 100 * false_alarm, "<= 1 %", false_alarm <= 0.01, "{:.3f} %")
    section.check("K-means purity vs planted change type", 100 * purity, ">= 90 %", purity >= 0.9, "{:.2f} %")
    colours = class_colours(4)
    legend = {0: ("no change", "#282828"), 255: ("no data", "#ffffff")}
    legend.update({k: (f"class {k}", "#{:02x}{:02x}{:02x}".format(*colours[k][:3])) for k in range(1, 5)})
    write_quicklook(classes, workdir / "s2cd_classes.png", title="S2-CD classes", classes=legend)
    truth_map = np.where(clear, change, 255)
    names = {0: ("no change", "#282828"), 255: ("cloud / no data", "#ffffff")}
    names.update({k: (v[0], "#{:02x}{:02x}{:02x}".format(*colours[k][:3])) for k, v in CHANGES.items()})
    write_quicklook(truth_map, workdir / "s2cd_truth.png", title="planted changes (truth)", classes=names)
    shutil.copy(out / "S2-CD_polar.png", workdir / "s2cd_polar.png")
    for name, caption in (("s2cd_classes.png", "S2-CD output classes"), ("s2cd_truth.png", "truth"),
                          ("s2cd_polar.png", "changed pixels in the polar domain (figure 10 of the seed)")):
        section.images.append((f"{workdir.name}/{name}", caption))


def _composites(section: Section, workdir: Path) -> None:
    """A year of REFBOA/LAI acquisitions -> 12 composites, compared with numpy's median."""
    import rasterio

    from ai4c.core.quicklook import write_quicklook
    from ai4c.pipelines.monthly_composite import run
    from ai4c.simulate.s2.refboa import expected_composite, series_dates, write_refboa_series

    dates = series_dates(2017, 30, skip_months=(2,))
    truth = write_refboa_series(workdir / "series", dates, size=64, bands=9, seed=5)
    paths = run(workdir / "series", workdir / "mc", season_start=2017, tile="33UVP")
    exact, empty_ok = 0, True
    for path in paths:
        expected = expected_composite(truth, int(path.stem[-6:-2]), int(path.stem[-2:]))
        with rasterio.open(path) as src:
            got = src.read()
        if expected is None:
            empty_ok &= not got.any()
            exact += not got.any()
            continue
        exact += bool(np.array_equal(got, expected))
    section.paragraphs.append(
        f"<code>monthlycomposite</code> on {len(dates)} acquisitions x 9 bands (30 % of the LAI invalid: no data, "
        "NaN or negative; no acquisition in February): 12 uint16 composites September 2017 .. August 2018.")
    section.check("composites equal numpy's median of valid samples", exact, "12 of 12", exact == 12, "{:.0f}")
    section.check("month without acquisition is all 0", float(empty_ok), "1", empty_ok, "{:.0f}")
    for key in ("201710", "201801", "201804", "201807"):
        with rasterio.open(workdir / "mc" / f"MC_33UVP_{key}.tif") as src:
            rgb = src.read([3, 2, 1]).astype(float)
        write_quicklook(rgb, workdir / f"mc_{key}.png", title=f"composite {key} (B4, B3, B2)")
        section.images.append((f"{workdir.name}/mc_{key}.png", f"monthly composite {key}"))


def run(workdir: Path) -> Section:
    """Both parts of the section."""
    section = Section(TITLE)
    for name in ("pair", "s2cd", "series", "mc"):  # a previous run's files would mix with this one's
        shutil.rmtree(workdir / name, ignore_errors=True)
    _change_detection(section, workdir)
    _composites(section, workdir)
    return section
