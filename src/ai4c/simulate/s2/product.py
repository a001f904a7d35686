"""Sentinel-2 SAFE product simulator: a truth scene rendered into an L1C or L2A product of baseline
02.14, 04.00 or 05.09, built like the real ones, with the truth saved beside it (`<name>.truth.nc`).

    simulate_s2(out, level="L2A", baseline="05.09", size=64)  -> out/S2A_MSIL2A_..._T33UVP_....SAFE
    load_truth(product)                                        -> the truth as the product encodes it
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import numpy as np
import xarray as xr
from pyproj import CRS, Transformer
from rasterio.transform import Affine

from ai4c.core.errors import InvalidParameterError, OutputError
from ai4c.core.io import atomic_path
from ai4c.simulate.s2 import files as s2_files
from ai4c.simulate.s2 import render as s2_render
from ai4c.simulate.s2.layout import ALL_BANDS, SafeLayout, has_offset, normalise_band
from ai4c.simulate.s2.metadata import (
    QUANTIFICATION,
    ProductInfo,
    footprint,
    write_product_mtd,
    write_tile_mtd,
)
from ai4c.simulate.s2.raster import subsample
from ai4c.simulate.scene.tiles import Tile, get_tile
from ai4c.simulate.scene.truth import make_scene

TRUTH_MASKS = ("landcover", "cloud", "cloud_prob", "cirrus", "shadow", "nodata", "scl_truth")
ZIP_TIME = (2023, 1, 1, 0, 0, 0)
FLUSH_BYTES = 256 * 1024**2


def truth_path(product: Path | str) -> Path:
    """Where the truth of `product` (.SAFE folder or .zip) lies: `<product name>.truth.nc` beside it."""
    product = Path(product)
    return product.parent / f"{product.name.removesuffix('.zip').removesuffix('.SAFE')}.truth.nc"


def simulate_s2(output_dir: Path | str, *, level: str = "L2A", baseline: str = "05.09", size: int = 64,
                date: str = "20230625", seed: int = 0, zip: bool = False, tile: str = "33UVP",
                bands: list[str] | None = None, cloud_cover: float = 0.15) -> Path:
    """Make a truth scene (`make_scene(size, seed)` on the tile's grid) and render it as a SAFE product."""
    origin = get_tile(tile)
    if not 0 <= cloud_cover < 1:
        raise InvalidParameterError(f"cloud_cover={cloud_cover!r} must be in [0, 1), e.g. 0.15")
    truth = make_scene(size, seed, tile=origin.name, cloud_cover=cloud_cover,
                       cirrus_cover=0.08 if cloud_cover > 0 else 0.0)  # 0: a clear scene
    return render_s2(truth, output_dir, level=level, baseline=baseline, date=date, zip=zip, tile=origin.name,
                     seed=seed, bands=bands)


def _grid(truth: xr.Dataset) -> s2_render.Grid:
    """The product grid from the truth's CRS and 10 m transform (square scenes only)."""
    ny, nx = truth.sizes["y"], truth.sizes["x"]
    if ny != nx:
        raise InvalidParameterError(f"truth scene is {ny} x {nx}; Sentinel-2 tiles are square, give size x size")
    transform = truth.rio.transform()
    if abs(transform.a - 10) > 1e-6 or abs(transform.e + 10) > 1e-6:
        raise InvalidParameterError(f"truth pixel size is {transform.a} x {-transform.e} m; it must be 10 x 10 m")
    crs = CRS.from_user_input(truth.rio.crs)
    return s2_render.Grid(crs=f"EPSG:{crs.to_epsg()}", epsg=crs.to_epsg(), ulx=transform.c, uly=transform.f,
                          size=nx)


class TruthWriter:
    """Writes the truth file band by band (appending variables), so a full tile never sits in memory."""

    def __init__(self, path: Path, truth: xr.Dataset, masks: dict[str, np.ndarray], layout: SafeLayout,
                 grid: s2_render.Grid) -> None:
        self.path = path
        self.offset = -1000 if has_offset(layout.baseline) else 0
        coords = {}
        for res in (10, 20, 60):
            sfx = "" if res == 10 else f"_{res}m"
            n = -(-grid.size * 10 // res)
            coords[f"x{sfx}"] = grid.ulx + (np.arange(n) + 0.5) * res
            coords[f"y{sfx}"] = grid.uly - (np.arange(n) + 0.5) * res
        data = {name: (("y", "x"), masks[name]) for name in TRUTH_MASKS}
        data["dem"] = (("y", "x"), np.asarray(truth["dem"].values, np.float32) if "dem" in truth
                       else np.zeros((grid.size, grid.size), np.float32))
        for res in (20, 60):
            dims = (f"y_{res}m", f"x_{res}m")
            data[f"scl_{res}m"] = (dims, subsample(masks["scl_truth"], res // 10))
            data[f"nodata_{res}m"] = (dims, subsample(masks["nodata"], res // 10))
        attrs = {k: v for k, v in truth.attrs.items() if isinstance(v, (int, float, str))}
        attrs.update(level=layout.level, baseline=layout.baseline, product=layout.product_name, offset=self.offset,
                     quantification=QUANTIFICATION, crs=grid.crs,
                     transform=[10.0, 0.0, grid.ulx, 0.0, -10.0, grid.uly],
                     reflectance=("TOA" if layout.level == "L1C" else "BOA") + " reflectance = (DN + offset) / 10000")
        ds = xr.Dataset(data, coords=coords, attrs=attrs)
        ds.to_netcdf(path, engine="h5netcdf", encoding={k: {"zlib": True, "complevel": 1} for k in data})
        self.pending: dict[str, tuple] = {}

    def add(self, band: str, res: int, k: np.ndarray) -> None:
        """Queue the truth integers of `band` at `res` as uint16 DN-without-no-data (k - offset);
        written in batches of ~256 MB (uncompressed: noisy integers barely compress)."""
        sfx = "" if res == 10 else f"_{res}m"
        self.pending[f"reflectance_{res}m_{band}"] = ((f"y{sfx}", f"x{sfx}"), (k - self.offset).astype(np.uint16))
        if sum(v[1].nbytes for v in self.pending.values()) > FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        """Append the queued variables to the file."""
        if self.pending:
            xr.Dataset(self.pending).to_netcdf(self.path, mode="a", engine="h5netcdf")
            self.pending = {}


def load_truth(product: Path | str) -> xr.Dataset:
    """The truth of a simulated product, lazily (dask). Besides the 10 m masks and `dem`:
    `reflectance` (band, y, x) at 10 m, `reflectance_20m` (band_20m, y_20m, x_20m) and `reflectance_60m`
    for the bands the product holds at 20 m / 60 m (the exact block means of the 10 m integers),
    `scl_20m`, `scl_60m`, `nodata_20m`, `nodata_60m`; attrs `offset` and `quantification`.
    Exactly: reflectance == (DN + offset) / quantification for every DN != 0 of the product's JP2s.
    For L1C, `reflectance` is the TOA reflectance the product encodes."""
    path = truth_path(product)
    if not path.exists():
        raise InvalidParameterError(f"no truth beside {product}: {path} is missing; simulate the product again")
    raw = xr.open_dataset(path, engine="h5netcdf", chunks={})
    offset, quant = int(raw.attrs["offset"]), float(raw.attrs["quantification"])
    out = raw[[v for v in raw.data_vars if not str(v).startswith("reflectance_")]]
    for res in (10, 20, 60):
        names = [f"reflectance_{res}m_{b}" for b in ALL_BANDS if f"reflectance_{res}m_{b}" in raw]
        if not names:
            continue
        bands = [n.rsplit("_", 1)[1] for n in names]
        dim = "band" if res == 10 else f"band_{res}m"
        stacked = xr.concat([((raw[n].astype("float64") + offset) / quant).astype("float32") for n in names],
                            dim=dim).assign_coords({dim: bands})
        out[f"reflectance{'' if res == 10 else f'_{res}m'}"] = stacked
    out.attrs = dict(raw.attrs)
    out.rio.write_crs(raw.attrs["crs"], inplace=True)
    out.rio.write_transform(Affine(*raw.attrs["transform"]), inplace=True)
    return out


def _product_info(layout: SafeLayout, grid: s2_render.Grid, truth: xr.Dataset,
                  masks: dict[str, np.ndarray]) -> ProductInfo:
    """Metadata figures (cloud and class percentages) from the 20 m SCL and the truth's sun angles."""
    scl = subsample(masks["scl_truth"], 2)
    valid = scl != 0
    n_valid = max(int(valid.sum()), 1)
    counts = np.bincount(scl[valid].ravel(), minlength=12)[:12]
    perc = [float(c) * 100.0 / n_valid for c in counts]
    perc[0] = 100.0 * float((~valid).sum()) / scl.size
    cloud = perc[8] + perc[9] + perc[10]
    land = valid & (subsample(masks["landcover"], 2) != 5)
    over_land = 100.0 * float(np.isin(scl[land], (8, 9, 10)).sum()) / max(int(land.sum()), 1)
    tile = Tile(layout.tile, grid.epsg, grid.ulx, grid.uly)
    return ProductInfo(layout=layout, tile=tile, size=grid.size, sun_zenith=float(truth.attrs.get("sun_zenith", 35.0)),
                       sun_azimuth=float(truth.attrs.get("sun_azimuth", 150.0)), cloud_percentage=cloud,
                       scl_percentages=perc, cloud_over_land=over_land)


def _bbox(info: ProductInfo) -> tuple[float, float, float, float]:
    """lon/lat bounding box of the product."""
    ext = info.size * 10.0
    xs = [info.tile.ulx, info.tile.ulx + ext] * 2
    ys = [info.tile.uly] * 2 + [info.tile.uly - ext] * 2
    lon, lat = Transformer.from_crs(info.tile.crs, "EPSG:4326", always_xy=True).transform(xs, ys)
    return min(lon), max(lon), min(lat), max(lat)


def _write_product(safe: Path, truth: xr.Dataset, layout: SafeLayout, grid: s2_render.Grid, seed: int,
                   truth_file: Path) -> None:
    """Every file of the SAFE folder `safe` plus the truth file."""
    masks = s2_render.truth_masks(truth)
    writer = TruthWriter(truth_file, truth, masks, layout, grid)
    tci = s2_render.render_bands(safe, truth, layout, grid, masks, writer.add)
    writer.flush()
    if layout.level == "L2A":
        s2_render.render_l2a_extras(safe, layout, grid, masks, seed)
    if has_offset(layout.baseline):
        s2_render.render_raster_masks(safe, layout, grid, masks)
    else:
        s2_render.render_gml_masks(safe, layout, grid, masks)
    s2_render.render_pvi(safe, layout, grid, tci[10] if 10 in tci else tci[min(tci)])
    info = _product_info(layout, grid, truth, masks)
    write_product_mtd(safe / layout.mtd_name, info)
    write_tile_mtd(safe / layout.granule / "MTD_TL.xml", info)
    s2_files.write_inspire(safe / "INSPIRE.xml", layout, _bbox(info))
    s2_files.write_datastrip(safe / layout.datastrip / "MTD_DS.xml", layout)
    for report in layout.qi_reports():
        s2_files.write_report(safe / report, Path(report).stem, layout)
    s2_files.write_html(safe / "HTML", layout)
    for aux in layout.aux_files():
        s2_files.write_aux(safe / aux)
    s2_files.write_manifest(safe, layout, footprint(info))


def _zip_safe(safe: Path, target: Path) -> None:
    """Zip a .SAFE folder with the folder itself at the archive root (like ESA), deterministically."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(safe.rglob("*")):
            rel = f"{safe.name}/{path.relative_to(safe).as_posix()}" + ("/" if path.is_dir() else "")
            info = zipfile.ZipInfo(rel, date_time=ZIP_TIME)
            info.external_attr = (0o40755 << 16 | 0x10) if path.is_dir() else (0o100644 << 16)
            info.compress_type = zipfile.ZIP_STORED if path.is_dir() or path.suffix == ".jp2" else zipfile.ZIP_DEFLATED
            zf.writestr(info, b"" if path.is_dir() else path.read_bytes())


def render_s2(truth: xr.Dataset, output_dir: Path | str, *, level: str, baseline: str, date: str, zip: bool = False,
              tile: str = "33UVP", seed: int = 0, bands: list[str] | None = None) -> Path:
    """Render any truth scene (10 m grid with CRS/transform, `reflectance` (band, y, x) BOA and optional
    landcover/dem/cloud/cloud_prob/cirrus/shadow/nodata/scl_truth) as a SAFE product in `output_dir`;
    returns the .SAFE folder (or the .zip with `zip=True`). The truth as encoded goes beside it."""
    chosen = tuple(ALL_BANDS) if not bands else tuple(sorted({normalise_band(b) for b in bands}, key=ALL_BANDS.index))
    missing = [b for b in chosen if b not in list(truth["reflectance"].band.values)]
    if missing:
        raise InvalidParameterError(f"truth has no reflectance for {', '.join(missing)}; give bands it has")
    layout = SafeLayout(level, baseline, get_tile(tile).name, date, bands=chosen)
    grid = _grid(truth)
    out_dir = Path(output_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output folder {out_dir} ({exc.strerror}); choose another --output") from exc
    name = layout.product_name.removesuffix(".SAFE") + ".zip" if zip else layout.product_name
    final = out_dir / name
    if final.is_dir():
        shutil.rmtree(final)
    with atomic_path(final) as tmp:
        safe = tmp.parent / layout.product_name
        safe.mkdir()
        _write_product(safe, truth, layout, grid, seed, tmp.parent / truth_path(final).name)
        if zip:
            _zip_safe(safe, tmp)
            shutil.rmtree(safe)
    return final
