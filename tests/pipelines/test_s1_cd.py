"""S1-CD on simulated IW SLC pairs against the simulator's truth (misregistration, coherence, planted changes),
and its bad-input errors (pair rules on real metadata, damaged products)."""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pytest
import rasterio
from pyproj import Transformer
from tests.conftest import shared
from tests.s1_cli_errors import assert_bad_input

from ai4c.cli.s1_cd import main
from ai4c.core.graph import Context, parameters_of
from ai4c.pipelines.s1_cd import back_geocoding, cross_correlation, esd, radar_tiles, read_pair
from ai4c.pipelines.s1_cd_tiles import store_looked_layers
from ai4c.products.sentinel1_slc import open_slc, read_complex
from ai4c.sar.coregistration import esd_shift_lines, geometric_offsets
from ai4c.sar.interferogram import esd_measurements
from ai4c.simulate.s1.pair import make_pair, write_pair

pytestmark = pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
S1R = ("s1", "s1-reader", "tests", "data")
XS = ("s1", "xarray-sentinel", "tests", "data")


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    truth = make_pair(lines_per_burst=160, samples=360, annotated_shift_lines=0.3, timing_error_lines=0.02,
                      baseline=60.0)
    first, second = write_pair(tmp_path_factory.mktemp("pair"), truth, seed=7)
    return truth, first, second


@pytest.fixture(scope="module")
def outputs(pair, tmp_path_factory):
    truth, first, second = pair
    out = tmp_path_factory.mktemp("cd") / "result"
    assert main(["--input1", str(first), "--input2", str(second), "--output_path", str(out),
                 "--projection", "UTM", "--quiet"]) == 0
    return out


def _read(path):
    with rasterio.open(path) as src:
        return src.read(), src.transform, src.crs


def _ground(outputs):
    image, transform, crs = _read(outputs / "coherence.tif")
    rows, cols = np.mgrid[0:image.shape[1], 0:image.shape[2]]
    x, y = transform * (cols + 0.5, rows + 0.5)
    return Transformer.from_crs(crs, 4326, always_xy=True).transform(x, y)


def _inside(disc, lon, lat, margin):
    north = (lat - disc.lat) * 111320.0
    east = (lon - disc.lon) * 111320.0 * np.cos(np.radians(disc.lat))
    return north ** 2 + east ** 2 <= (disc.radius + margin) ** 2


@pytest.mark.parametrize("name", ["IW1", "IW3"])
def test_coregistration_residual_after_esd(pair, name):
    truth, first, second = pair
    ref, sec = open_slc(first).swaths[name], open_slc(second).swaths[name]
    g = ref.geolocation
    offsets = geometric_offsets(ref, sec, ref.orbit, sec.orbit, (g.line, g.pixel, g.latitude, g.longitude), None)
    zr, zs = read_complex(ref).values, read_complex(sec).values
    velocity = float(np.linalg.norm(ref.orbit.velocity[len(ref.orbit.time) // 2]))
    shift = 0.0
    for _ in range(2):
        shift += esd_shift_lines(*esd_measurements(ref, sec, zr, zs, offsets, velocity, shift),
                                 ref.azimuth_time_interval)
    assert abs(shift + truth.timing_error_lines) <= 0.005  # ESD found the unannotated timing error
    for o in offsets:
        inner = (o.node_samples > 20) & (o.node_samples < ref.samples - 20)
        azimuth = o.line + shift - truth.secondary_line(o.node_lines)[:, None]
        across = o.sample - truth.secondary_sample(name, o.node_samples)[None, :]
        assert np.abs(azimuth).max() <= 0.005
        assert np.abs(across[:, inner]).max() <= 0.05


def test_coherence_and_change_mask_against_the_truth(pair, outputs):
    _check_against_truth(pair[0], outputs)


def _check_against_truth(truth, outputs):
    """Coherence <= 0.35 in the decorrelated discs, >= 0.8 elsewhere; >= 90 % of the planted changes found,
    <= 2 % false alarms; the planted +/-6 dB in the backscatter ratio."""
    lon, lat = _ground(outputs)
    coherence = _read(outputs / "coherence.tif")[0][0]
    mask = _read(outputs / "change_mask.tif")[0][0]
    b1, b2 = _read(outputs / "backscatter_1.tif")[0][0], _read(outputs / "backscatter_2.tif")[0][0]
    background = np.isfinite(coherence)
    for disc in truth.discs:
        core = _inside(disc, lon, lat, -30) & np.isfinite(coherence)
        background &= ~_inside(disc, lon, lat, 60)
        assert core.sum() > 300
        assert np.nanmean(coherence[core]) <= 0.35
        ratio = np.nanmedian(10 * np.log10(b2[core] / b1[core]))
        assert abs(ratio - disc.change_db) < 1.0
        detected = (mask[core] == 1).mean()
        assert detected >= 0.9 if disc.change_db else detected <= 0.02
    assert np.nanmean(coherence[background]) >= 0.8
    assert (mask[background] == 1).mean() <= 0.02
    assert set(np.unique(mask)) <= {0, 1, 255} and (mask[~np.isfinite(coherence)] == 255).all()


def test_six_outputs_with_stac_items(outputs):
    for name, bands, dtype in (("coherence", 1, "float32"), ("backscatter_1", 1, "float32"),
                               ("backscatter_2", 1, "float32"), ("ACD", 3, "uint8"), ("MTC", 3, "uint8"),
                               ("change_mask", 1, "uint8")):
        with rasterio.open(outputs / f"{name}.tif") as src:
            assert src.count == bands and src.dtypes[0] == dtype and src.crs.to_string().startswith("EPSG:326")
        item = json.loads((outputs / f"{name}.tif.stac.json").read_text())
        assert item["bbox"] and item["properties"]["datetime"].startswith("2021-06-01")
    coherence = _read(outputs / "coherence.tif")[0][0]
    assert np.nanmin(coherence) >= 0 and np.nanmax(coherence) <= 1
    mtc = _read(outputs / "MTC.tif")[0]
    finite = np.isfinite(coherence)
    assert np.abs(mtc[2][finite].astype(float) - np.clip(coherence[finite], 0, 1) * 255).max() <= 1.0


def test_one_product_as_two_acquisitions_is_coherent(tmp_path):
    truth = make_pair(lines_per_burst=120, samples=240, bursts=2, baseline=0.0, annotated_shift_lines=0.0,
                      timing_error_lines=0.0, background_coherence=1.0, discs=[])
    first, second = write_pair(tmp_path, truth, seed=3, same_noise=True)
    out = tmp_path / "cd"
    assert main(["--input1", str(first), "--input2", str(second), "--output_path", str(out), "--quiet",
                 "--swaths", "IW2"]) == 0
    coherence = _read(out / "coherence.tif")[0][0]
    assert np.nanmean(coherence) >= 0.99


def _bad(capsys, tmp_path, *args):
    return assert_bad_input(main, capsys, tmp_path / "out", *args)


def test_pair_rules_and_bad_products(capsys, tmp_path, pair):
    _, first, second = pair
    p2020, p2022 = shared(*S1R, "S1A_IW_SLC__1SDV_20200511T135117_20200511T135144_032518_03C421_7768.zip"), \
        shared(*S1R, "S1A_IW_SLC__1SDV_20221016T015043_20221016T015111_045461_056FC0_6681.zip")
    assert "different relative orbits (71 vs 64)" in _bad(capsys, tmp_path, "--input1", p2020, "--input2", p2022)
    assert "0.0000 days apart" in _bad(capsys, tmp_path, "--input1", first, "--input2", first)
    grd = shared(*XS, "S1B_IW_GRDH_1SDV_20210401T052623_20210401T052648_026269_032297_ECC8.SAFE")
    assert "input2" in _bad(capsys, tmp_path, "--input1", first, "--input2", grd) and "needs two SLC" in \
        _bad(capsys, tmp_path, "--input1", grd, "--input2", second)
    assert "polarization='VH'" in _bad(capsys, tmp_path, "--input1", first, "--input2", second, "--polarization", "VH")
    damaged = tmp_path / "damaged" / first.name
    shutil.copytree(first, damaged)
    annotation = next(damaged.glob("annotation/*iw2*.xml"))
    text = annotation.read_text()
    start = text.index("<firstValidSample")
    annotation.write_text(text[:start] + text[start:].replace(" -1", "", 3))
    assert "annotation is corrupt" in _bad(capsys, tmp_path, "--input1", damaged, "--input2", second)
    shutil.rmtree(damaged)
    shutil.copytree(first, damaged)
    tiff = next(damaged.glob("measurement/*iw1*.tiff"))
    with rasterio.open(tiff) as src:
        profile, data = src.profile, src.read(window=((0, 100), (0, src.width)))
    profile.update(height=100)
    with rasterio.open(tiff, "w", **profile) as dst:
        dst.write(data)
    assert "the annotation says" in _bad(capsys, tmp_path, "--input1", damaged, "--input2", second)


def _write_eof(path, orbit, delay):
    """An EOF file of `orbit` whose vectors are stamped `delay` seconds late (a known along-track error)."""
    rows = []
    for t, p, v in zip(orbit.time, orbit.position, orbit.velocity, strict=True):
        utc = np.datetime_as_string(orbit.epoch + np.timedelta64(int(round((t + delay) * 1e9)), "ns"), unit="us")
        rows.append(f"<OSV><UTC>UTC={utc}</UTC><X unit=\"m\">{p[0]:.3f}</X><Y unit=\"m\">{p[1]:.3f}</Y>"
                    f"<Z unit=\"m\">{p[2]:.3f}</Z><VX unit=\"m/s\">{v[0]:.6f}</VX><VY unit=\"m/s\">{v[1]:.6f}</VY>"
                    f"<VZ unit=\"m/s\">{v[2]:.6f}</VZ></OSV>")
    path.write_text("<Earth_Explorer_File><Data_Block><List_of_OSVs>" + "".join(rows)
                    + "</List_of_OSVs></Data_Block></Earth_Explorer_File>")
    return path


def _disc_centroid(folder, disc, near):
    """Centre (lat, lon) of the low-coherence pixels within 250 m of `near` (lat, lon)."""
    lon, lat = _ground(folder)
    coherence = _read(folder / "coherence.tif")[0][0]
    probe = dataclasses.replace(disc, lat=near[0], lon=near[1], radius=disc.radius + 250.0)
    low = _inside(probe, lon, lat, 0) & (coherence < 0.5)
    assert low.sum() > 300
    return float(lat[low].mean()), float(lon[low].mean())


def test_eof_orbit_files_drive_back_geocoding_and_terrain_correction(pair, outputs, tmp_path):
    """EOF vectors stamped 20 ms late (both dates): the decorrelated disc moves where the simulator's own
    radar->ground puts it with that orbit (~140 m along track), the coherence stays high."""
    from ai4c.simulate.s1.geometry import ground_of_image

    truth, first, second = pair
    delay = 0.02
    orbit1 = _write_eof(tmp_path / "S1A_OPER_AUX_POEORB_OPOD_A_V1.EOF", truth.reference.orbit, delay)
    orbit2 = _write_eof(tmp_path / "S1A_OPER_AUX_POEORB_OPOD_B_V2.EOF", truth.secondary.orbit, delay)
    out = tmp_path / "eof"
    assert main(["--input1", str(first), "--input2", str(second), "--output_path", str(out), "--projection", "UTM",
                 "--swaths", "IW1", "--orbit1", str(orbit1), "--orbit2", str(orbit2), "--quiet"]) == 0
    item = json.loads((out / "coherence.tif.stac.json").read_text())
    assert "POEORB" in json.dumps(item)
    ref, flat, geo = truth.reference, np.zeros((2, 2)), np.array([-180.0, 90.0, 360.0, 180.0])
    t, r = np.array([ref.mid_time()]), np.array([[ref.swaths[0].slant_range(ref.swaths[0].samples // 2)]])
    seen = ground_of_image(t, r, ref.orbit.time, ref.orbit.position, ref.orbit.velocity, flat, geo)
    moved = ground_of_image(t, r, ref.orbit.time + delay, ref.orbit.position, ref.orbit.velocity, flat, geo)
    d_lat, d_lon = float(moved[0, 0, 0] - seen[0, 0, 0]), float(moved[1, 0, 0] - seen[1, 0, 0])
    metres = np.array([111320.0, 111320.0 * np.cos(np.radians(seen[0, 0, 0]))])
    assert np.hypot(*(np.array([d_lat, d_lon]) * metres)) > 100  # a displacement the test can see
    disc = truth.discs[0]  # decorrelated, near range (IW1)
    before = _disc_centroid(outputs, disc, (disc.lat, disc.lon))
    after = _disc_centroid(out, disc, (disc.lat + d_lat, disc.lon + d_lon))
    error = (np.array(after) - np.array(before) - np.array([d_lat, d_lon])) * metres
    assert np.hypot(*error) <= 15.0
    coherence = _read(out / "coherence.tif")[0][0]
    assert np.nanmedian(coherence) >= 0.8


def test_stripmap_pair_coregistered_by_cross_correlation(tmp_path):
    """SM pair: geometric offsets leave the unannotated 0.02-line timing error; cross-correlation of coherent
    patches removes it (<= 0.005 line, <= 0.05 sample against the simulator's truth); outputs as for IW."""
    truth = make_pair(lines_per_burst=640, samples=560, bursts=1, mode="SM", annotated_shift_lines=0.3,
                      timing_error_lines=0.02, baseline=60.0)
    first, second = write_pair(tmp_path, truth, seed=5)
    p = parameters_of("s1-cd", {})
    ctx = Context(inputs=[first, second], output_path=tmp_path / "unused")
    scene = back_geocoding(read_pair(None, ctx, p), ctx, p)
    (offsets,) = scene.offsets["S3"]

    def residual():
        inner = (offsets.node_samples > 20) & (offsets.node_samples < 540)
        azimuth = offsets.line - truth.secondary_line(offsets.node_lines)[:, None]
        across = offsets.sample - truth.secondary_sample("S3", offsets.node_samples)[None, :]
        return np.abs(azimuth).max(), np.abs(across[:, inner]).max()

    assert residual()[0] >= 0.015  # the timing error geometry cannot see
    cross_correlation(scene, ctx, p)
    azimuth, across = residual()
    assert azimuth <= 0.005 and across <= 0.05, (azimuth, across)
    out = tmp_path / "cd"
    assert main(["--input1", str(first), "--input2", str(second), "--output_path", str(out), "--projection", "UTM",
                 "--quiet"]) == 0
    _check_against_truth(truth, out)


def test_radar_stage_tiles_do_not_change_the_layers(pair, tmp_path):
    """The coregistration/coherence stage computed in small tiles (many line and column seams, bursts and
    sub-swaths cut across) gives the same coherence and backscatter as in one tile, to float32 rounding."""
    truth, first, second = pair
    p = parameters_of("s1-cd", {})
    ctx = Context(inputs=[first, second], output_path=tmp_path / "unused")
    scene = esd(back_geocoding(read_pair(None, ctx, p), ctx, p), ctx, p)
    job = radar_tiles(scene, p)
    whole = store_looked_layers(job, "one tile", tile=100_000).values
    tiled = store_looked_layers(job, "tiles", tile=37).values
    assert np.isfinite(whole).mean() > 0.5
    np.testing.assert_array_equal(np.isnan(tiled), np.isnan(whole))
    np.testing.assert_allclose(tiled, whole, rtol=1e-4, atol=1e-6)  # summation order of the window sums


def test_esd_in_column_blocks_equals_one_block(pair, monkeypatch):
    """ESD's double differences summed over column blocks (bounded memory on wide swaths) equal one block."""
    import ai4c.sar.interferogram as interferogram

    truth, first, second = pair
    ref, sec = open_slc(first).swaths["IW2"], open_slc(second).swaths["IW2"]
    g = ref.geolocation
    offsets = geometric_offsets(ref, sec, ref.orbit, sec.orbit, (g.line, g.pixel, g.latitude, g.longitude), None)
    zr, zs = read_complex(ref).values, read_complex(sec).values
    velocity = float(np.linalg.norm(ref.orbit.velocity[len(ref.orbit.time) // 2]))
    whole = esd_measurements(ref, sec, zr, zs, offsets, velocity)
    monkeypatch.setattr(interferogram, "ESD_COLUMNS", 47)
    blocks = esd_measurements(ref, sec, zr, zs, offsets, velocity)
    assert whole[0].size >= 2
    for a, b in zip(whole, blocks, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
