"""A known truth scene on a 10 m UTM grid, reusable by every simulator (S2, S1, change pairs, series).

Variables of the returned `xarray.Dataset` (dims `y`, `x`; `band` for reflectance):

- `landcover` uint8: 1 water (lakes, on land, elevation > 0), 2 vegetation, 3 bare soil, 4 urban,
  5 sea (elevation exactly 0), 6 snow/ice (highest land).
- `dem` float32 metres: 0 exactly on the sea, >= 1 m everywhere on land (fractal relief).
- `cloud` bool (opaque cloud), `cloud_prob` uint8 0..100 (>= 65: high probability core,
  35..64: medium probability edge), `cirrus` bool (thin cirrus), `shadow` bool (cloud shadow not
  under a cloud, the cloud mask shifted away from the sun by cloud_height * tan(sun_zenith)).
- `nodata` bool: a slanted swath edge on the east side (like a tile at the edge of an orbit).
- `scl_truth` uint8: the Sen2Cor scene classification that this truth implies (`scl_from_truth`).
- `reflectance` (band, y, x) float32 BOA reflectance for the 13 bands, dask-backed (computed band by
  band and in row blocks, so a full tile never sits in memory), quantised to 1e-4 exactly.

Class fields are drawn on a 20 m grid and replicated to 10 m, so every 2x2 block of 10 m pixels has
one class: the 20 m SCL then equals the 10 m truth exactly. Texture and noise are at 10 m.
"""

from __future__ import annotations

import math

import dask.array as da
import numpy as np
import rioxarray  # noqa: F401  (registers the .rio accessor)
import xarray as xr

from ai4c.core.errors import check_positive
from ai4c.simulate.scene.noise import fbm, quantile_threshold, upsample2
from ai4c.simulate.scene.tiles import get_tile

BANDS = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12")
LANDCOVER = {1: "water", 2: "vegetation", 3: "bare soil", 4: "urban", 5: "sea", 6: "snow/ice"}
CHUNK_ROWS = 1098  # row block of the lazy reflectance: divides 10980 and is a multiple of 6
HIGH_PROB = 65     # cloud_prob from which a cloud is "high probability" (SCL 9), else medium (SCL 8)

# BOA reflectance per class (rows: landcover 0..6, 0 unused) and band (columns: BANDS order).
SPECTRA = np.array([
    [0.0] * 13,
    [0.060, 0.050, 0.045, 0.030, 0.025, 0.020, 0.018, 0.015, 0.012, 0.010, 0.002, 0.005, 0.003],
    [0.030, 0.035, 0.070, 0.040, 0.110, 0.300, 0.370, 0.400, 0.420, 0.420, 0.010, 0.200, 0.100],
    [0.080, 0.100, 0.140, 0.180, 0.210, 0.230, 0.250, 0.270, 0.280, 0.290, 0.020, 0.350, 0.300],
    [0.100, 0.110, 0.120, 0.130, 0.140, 0.150, 0.160, 0.170, 0.170, 0.170, 0.020, 0.200, 0.180],
    [0.050, 0.040, 0.035, 0.020, 0.015, 0.012, 0.010, 0.008, 0.007, 0.006, 0.001, 0.003, 0.002],
    [0.900, 0.920, 0.900, 0.880, 0.850, 0.820, 0.800, 0.780, 0.750, 0.700, 0.050, 0.100, 0.080],
], np.float32)
CLOUD_SPECTRUM = np.array([0.55, 0.55, 0.56, 0.57, 0.58, 0.58, 0.58, 0.58, 0.58, 0.55, 0.30, 0.45, 0.35],
                          np.float32)
CIRRUS_ADD = np.array([0.03] * 10 + [0.08, 0.03, 0.02], np.float32)
SHADOW_FACTOR = np.float32(0.35)
TEXTURE_AMPLITUDE = np.float32(0.12)
TEXTURE_SCALE = 32.0
NOISE_HALF_WIDTH = 70  # per-pixel, per-band noise: uniform integers in [-70, 70] x 1e-4 (std ~0.004)
SHADOW_LUT = np.array([1.0, SHADOW_FACTOR], np.float32)
CIRRUS_LUT = np.stack([np.zeros(13, np.float32), CIRRUS_ADD], axis=1)
ALPHA_LUT = np.array([0.0] + [0.4 + 0.6 * min(max((p - 35) / 65, 0.0), 1.0) for p in range(1, 256)], np.float32)
LC_TO_SCL = np.array([0, 6, 4, 5, 5, 6, 11], np.uint8)


def scl_from_truth(landcover: np.ndarray, cloud: np.ndarray, cloud_prob: np.ndarray, cirrus: np.ndarray,
                   shadow: np.ndarray, nodata: np.ndarray) -> np.ndarray:
    """SCL classes implied by a truth: land cover (water/sea 6, vegetation 4, bare/urban 5, snow 11),
    then cloud shadow 3, thin cirrus 10, medium 8 / high 9 probability cloud, no data 0 (last wins)."""
    scl = LC_TO_SCL[landcover]
    scl[shadow] = 3
    scl[cirrus] = 10
    scl[cloud & (cloud_prob < HIGH_PROB)] = 8
    scl[cloud & (cloud_prob >= HIGH_PROB)] = 9
    scl[nodata] = 0
    return scl


def swath_nodata(shape: tuple[int, int], pixel_fraction: float, nodata_fraction: float) -> np.ndarray:
    """No-data mask of a slanted swath edge at the east side, evaluated at the pixel centres of a grid
    whose pixels are `pixel_fraction` of the scene width (so 10, 20 and 60 m grids agree)."""
    if nodata_fraction <= 0:
        return np.zeros(shape, bool)
    v = (np.arange(shape[0]) + 0.5)[:, None] * pixel_fraction
    u = (np.arange(shape[1]) + 0.5)[None, :] * pixel_fraction
    return u > 1.0 - nodata_fraction * (0.5 + v)


def _replicate(field: np.ndarray, n: int) -> np.ndarray:
    """20 m field -> 10 m by pixel replication, cropped to n x n."""
    return np.repeat(np.repeat(field, 2, axis=0), 2, axis=1)[:n, :n]


def _shift(mask: np.ndarray, drow: int, dcol: int) -> np.ndarray:
    """Mask translated by (drow, dcol) pixels, zero-filled."""
    out = np.zeros_like(mask)
    h, w = mask.shape
    if abs(drow) >= h or abs(dcol) >= w:
        return out
    src = mask[max(0, -drow): h - max(0, drow), max(0, -dcol): w - max(0, dcol)]
    out[max(0, drow): max(0, drow) + src.shape[0], max(0, dcol): max(0, dcol) + src.shape[1]] = src
    return out


def _class_fields(m: int, rngs: list[np.random.Generator], *, sea_fraction: float, cloud_cover: float,
                  cirrus_cover: float, snow_fraction: float) -> dict[str, np.ndarray]:
    """Land cover, DEM and cloud fields on the m x m 20 m grid."""
    col = ((np.arange(m, dtype=np.float32) + 0.5) / m)[None, :]
    coast = col + np.float32(0.12) * fbm((m, m), rngs[0], largest=m / 2, smallest=4, hurst=1.0)
    sea = coast < sea_fraction if sea_fraction > 0 else np.zeros((m, m), bool)
    relief = fbm((m, m), rngs[1], largest=m / 2, smallest=2, hurst=0.9)
    relief = (relief - relief.min()) / max(float(np.ptp(relief)), 1e-6)
    ramp = np.clip((coast - sea_fraction) * 4.0, 0.05, 1.0)
    dem = (5.0 + 900.0 * relief * ramp).astype(np.float32)
    land = ~sea
    landcover = np.full((m, m), 3, np.uint8)
    veg = fbm((m, m), rngs[2], largest=m / 4, smallest=2, hurst=0.7)
    landcover[veg > quantile_threshold(veg, 0.55)] = 2
    urban = fbm((m, m), rngs[3], largest=m / 8, smallest=2, hurst=0.6)
    landcover[urban > quantile_threshold(urban, 0.10)] = 4
    lakes = fbm((m, m), rngs[4], largest=m / 6, smallest=2, hurst=0.9)
    landcover[lakes > quantile_threshold(lakes, 0.06)] = 1
    if land.any() and snow_fraction > 0:
        landcover[land & (dem > quantile_threshold(dem[land], snow_fraction))] = 6
    landcover[sea] = 5
    cloud_field = fbm((m, m), rngs[5], largest=m / 3, smallest=2, hurst=0.9)
    low = quantile_threshold(cloud_field, cloud_cover)
    top = float(cloud_field.max())
    cloud = cloud_field > low
    prob = np.where(cloud, 35.0 + 65.0 * (cloud_field - low) / max(top - low, 1e-6) * 2.5, 0.0)
    cirrus_field = fbm((m, m), rngs[6], largest=m / 3, smallest=4, hurst=1.0)
    cirrus = (cirrus_field > quantile_threshold(cirrus_field, cirrus_cover)) & ~cloud
    return {"sea": sea, "dem": dem, "landcover": landcover, "cloud": cloud,
            "cloud_prob": np.clip(np.round(prob), 0, 100).astype(np.uint8), "cirrus": cirrus}


def _texture_int8(field: np.ndarray) -> np.ndarray:
    """Texture stored as int8 (value x 32, clipped to +-4 std): a quarter of the memory of float32."""
    np.clip(np.rint(field * np.float32(TEXTURE_SCALE), out=field), -127, 127, out=field)
    return field.astype(np.int8)


def _band_block(lc, tex8, prob, cirrus, shadow, *, band: int, seed: int, block_info=None) -> np.ndarray:
    """Reflectance of one band on one row block (seeded by band and block: deterministic)."""
    row0 = block_info[0]["array-location"][0][0] if block_info else 0
    rng = np.random.default_rng([seed, 7919, band, row0])
    tex = tex8.astype(np.float32)
    tex *= np.float32(1.0 / TEXTURE_SCALE)
    refl = SPECTRA[:, band][lc]
    refl *= 1 + TEXTURE_AMPLITUDE * tex
    refl *= SHADOW_LUT[shadow.view(np.uint8)]
    refl += CIRRUS_LUT[band][cirrus.view(np.uint8)]
    alpha = ALPHA_LUT[prob]
    cloudy = alpha > 0
    refl[cloudy] += alpha[cloudy] * (CLOUD_SPECTRUM[band] * (1 + np.float32(0.05) * tex[cloudy]) - refl[cloudy])
    k = np.rint(refl * np.float32(10000.0)).astype(np.int32)
    k += rng.integers(-NOISE_HALF_WIDTH, NOISE_HALF_WIDTH + 1, k.shape, dtype=np.int16)
    np.clip(k, 1, 20000, out=k)
    out = k.astype(np.float32)
    out /= np.float32(10000.0)  # == float32(k / 1e4): float32 division of integers is correctly rounded
    return out


def _lazy_reflectance(fields: dict[str, np.ndarray], texture: np.ndarray, seed: int) -> da.Array:
    """(band, y, x) reflectance as a dask array computed per band and row block."""
    chunks = (min(CHUNK_ROWS, texture.shape[0]), texture.shape[1])
    args = [da.from_array(a, chunks=chunks) for a in
            (fields["landcover"], texture, fields["cloud_prob"], fields["cirrus"], fields["shadow"])]
    planes = [da.map_blocks(_band_block, *args, band=i, seed=seed, dtype=np.float32)
              for i in range(len(BANDS))]
    return da.stack(planes)


def make_scene(size: int, seed: int = 0, *, crs: str | None = None, transform=None, tile: str = "33UVP",
               cloud_cover: float = 0.15, cirrus_cover: float = 0.08, sea_fraction: float = 0.2,
               snow_fraction: float = 0.01, sun_zenith: float = 35.0, sun_azimuth: float = 150.0,
               cloud_height: float | None = None, nodata_fraction: float = 0.04) -> xr.Dataset:
    """Truth scene of size x size 10 m pixels on `crs`/`transform` (default: the tile's UTM origin)."""
    n = int(check_positive("size", size))
    origin = get_tile(tile)
    crs = crs or origin.crs
    transform = transform or origin.transform(10.0)
    rngs = [np.random.default_rng([seed, k]) for k in range(8)]
    m = (n + 1) // 2
    f20 = _class_fields(m, rngs, sea_fraction=sea_fraction, cloud_cover=cloud_cover,
                        cirrus_cover=cirrus_cover, snow_fraction=snow_fraction)
    res20 = 2 * abs(transform.a)
    height = cloud_height or min(2000.0, 0.12 * m * res20 / max(math.tan(math.radians(sun_zenith)), 1e-3))
    shift = height * math.tan(math.radians(sun_zenith)) / res20
    az = math.radians(sun_azimuth)
    f20["shadow"] = _shift(f20["cloud"], round(math.cos(az) * shift), round(-math.sin(az) * shift)) & ~f20["cloud"]
    fields = {k: _replicate(v, n) for k, v in f20.items() if k not in ("dem",)}
    dem = np.pad(upsample2(f20["dem"]), ((0, 1), (0, 1)), mode="edge")[:n, :n]
    dem = np.maximum(dem, np.float32(1))
    dem[fields.pop("sea")] = 0
    nodata = swath_nodata((n, n), 1.0 / n, nodata_fraction)
    texture = _texture_int8(fbm((n, n), rngs[7], largest=max(n / 16, 2), smallest=1, hurst=0.5))
    fields["scl_truth"] = scl_from_truth(fields["landcover"], fields["cloud"], fields["cloud_prob"],
                                         fields["cirrus"], fields["shadow"], nodata)
    refl = _lazy_reflectance(fields, texture, seed)
    x = transform.c + (np.arange(n) + 0.5) * transform.a
    y = transform.f + (np.arange(n) + 0.5) * transform.e
    dims = ("y", "x")
    ds = xr.Dataset(
        {"landcover": (dims, fields["landcover"]), "dem": (dims, dem), "cloud": (dims, fields["cloud"]),
         "cloud_prob": (dims, fields["cloud_prob"]), "cirrus": (dims, fields["cirrus"]),
         "shadow": (dims, fields["shadow"]), "nodata": (dims, nodata), "scl_truth": (dims, fields["scl_truth"]),
         "reflectance": (("band", "y", "x"), refl)},
        coords={"band": list(BANDS), "y": y, "x": x},
        attrs={"seed": seed, "sun_zenith": sun_zenith, "sun_azimuth": sun_azimuth, "cloud_height": height,
               "landcover_classes": ", ".join(f"{k} {v}" for k, v in LANDCOVER.items()),
               "reflectance": "BOA reflectance, quantised to 1e-4"})
    ds["landcover"].attrs["flag_values"] = list(LANDCOVER)
    ds["dem"].attrs["units"] = "m"
    ds.rio.write_crs(crs, inplace=True)  # inplace: rioxarray otherwise deep-copies the whole scene
    ds.rio.write_transform(transform, inplace=True)
    return ds
