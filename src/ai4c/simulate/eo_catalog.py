"""A simulated EO product catalogue with a known truth: Sentinel-1/2/5P metadata over known sites and dates
(footprints of the real sizes placed so each site lies inside), plus products elsewhere on Earth.

Used by the EarthQA tests (gold answers are computed from these Products by plain Python filters), the demo
and the benchmark (`global_products` scales to a million).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from shapely import affinity
from shapely.geometry import box, mapping

from ai4c.catalog.model import Product

KM = 1.0 / 111.32


@dataclass(frozen=True)
class Site:
    """A known place the simulated products look at."""

    name: str
    lon: float
    lat: float


SITES = (Site("Etna", 14.9934, 37.751), Site("Vesuvius", 14.426, 40.821), Site("Athens", 23.7275, 37.9838),
         Site("Rome", 12.4964, 41.9028), Site("Paris", 2.3522, 48.8566), Site("Berlin", 13.405, 52.52),
         Site("Madrid", -3.7038, 40.4168), Site("Lisbon", -9.1393, 38.7223), Site("Hekla", -19.665, 63.983),
         Site("Lake Garda", 10.715, 45.665), Site("Crete", 24.9, 35.25), Site("Thessaloniki", 22.9444, 40.6401))

# months every site gets acquisitions in (so the question set has non-empty answers), then random dates
KEY_MONTHS = ((2018, 3), (2019, 7), (2021, 6), (2021, 7), (2021, 8), (2021, 12), (2022, 1))


def _rectangle(lon: float, lat: float, width_km: float, height_km: float, angle: float) -> dict:
    """GeoJSON of a width x height km rectangle centred at lon/lat, rotated by `angle` degrees."""
    half_w = width_km / 2 * KM / math.cos(math.radians(lat))
    half_h = height_km / 2 * KM
    rect = box(lon - half_w, lat - half_h, lon + half_w, lat + half_h)
    return mapping(affinity.rotate(rect, angle, origin=(lon, lat)).intersection(box(-180, -90, 180, 90)))


def _s1(rng: np.random.Generator, lon: float, lat: float, start: dt.datetime, serial: int) -> Product:
    unit = "AB"[int(rng.integers(2))]
    kind = "GRD" if rng.random() < 0.75 else "SLC"
    pols = ("VV", "VH") if rng.random() < 0.8 else ("HH", "HV")
    direction = "ASCENDING" if rng.random() < 0.5 else "DESCENDING"
    orbit = int(rng.integers(1, 176))
    end = start + dt.timedelta(seconds=25)
    code = f"1SD{pols[0][0]}"
    ident = (f"S1{unit}_IW_{kind}{'H' if kind == 'GRD' else '_'}_{code}_{start:%Y%m%dT%H%M%S}_{end:%Y%m%dT%H%M%S}_"
             f"{serial:06d}_{serial % 65536:04X}_{serial % 9973:04X}")
    angle = -12.0 if direction == "ASCENDING" else 12.0
    return Product(id=ident, title=ident, collection="SENTINEL-1", product_type=kind, start=start, end=end,
                   geometry=_rectangle(lon, lat, 250, 170, angle), href=f"s3://eodata/Sentinel-1/{ident}.zip",
                   provider="simulated", size=int(rng.integers(800, 1800)) * 1_000_000, relative_orbit=orbit,
                   platform=f"S1{unit}", properties={"orbit_direction": direction, "polarisations": list(pols)})


def _s2(rng: np.random.Generator, lon: float, lat: float, start: dt.datetime, serial: int) -> Product:
    unit = "AB"[int(rng.integers(2))]
    kind = "L2A" if rng.random() < 0.6 else "L1C"
    orbit = int(rng.integers(1, 144))
    tile = f"{int((lon + 180) // 6) + 1:02d}{'CDEFGHJKLMNPQRSTUVWX'[int((lat + 80) // 8)]}{'ABCDEFGH'[serial % 8]}{'ABCDEFGHJK'[serial % 10]}"
    ident = f"S2{unit}_MSI{kind}_{start:%Y%m%dT%H%M%S}_N0400_R{orbit:03d}_T{tile}_{start:%Y%m%dT%H%M%S}"
    return Product(id=ident, title=ident, collection="SENTINEL-2", product_type=kind, start=start,
                   end=start + dt.timedelta(seconds=5), geometry=_rectangle(lon, lat, 110, 110, 0.0),
                   href=f"s3://eodata/Sentinel-2/{ident}.SAFE", provider="simulated",
                   size=int(rng.integers(500, 1200)) * 1_000_000,
                   cloud_cover=round(float(rng.uniform(0, 100)), 2), relative_orbit=orbit, platform=f"S2{unit}",
                   properties={"tile": tile, "orbit_direction": "DESCENDING",
                               "quicklook": f"https://example.invalid/ql/{ident}.jpg"})


def _s5p(rng: np.random.Generator, lon: float, lat: float, start: dt.datetime, serial: int) -> Product:
    kind = "L2__CO____" if serial % 2 == 0 else "L2__NO2___"
    end = start + dt.timedelta(minutes=100)
    ident = f"S5P_OFFL_{kind}_{start:%Y%m%dT%H%M%S}_{end:%Y%m%dT%H%M%S}_{serial:05d}_02_020400_{end:%Y%m%dT%H%M%S}"
    footprint = _rectangle(lon, lat, 2600, 3000, -14.0)
    return Product(id=ident, title=ident, collection="SENTINEL-5P", product_type=kind, start=start, end=end,
                   geometry=footprint, href=f"s3://eodata/Sentinel-5P/{ident}.nc", provider="simulated",
                   size=int(rng.integers(100, 600)) * 1_000_000, platform="S5P",
                   properties={"orbit_direction": "ASCENDING"})


MAKERS = {"S1": _s1, "S2": _s2, "S5P": _s5p}


def _moment(rng: np.random.Generator, year: int, month: int) -> dt.datetime:
    first = dt.datetime(year, month, 1, tzinfo=dt.UTC)
    days = (dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC) - first).days
    return first + dt.timedelta(days=int(rng.integers(days)), seconds=int(rng.integers(3600 * 4, 3600 * 20)))


def site_products(seed: int = 21, per_month: int = 2, random_dates: int = 6) -> list[Product]:
    """Products over every site of SITES (footprint offset up to 40 km, site always inside), plus S5P swaths
    over Europe and a few products elsewhere; deterministic for a seed."""
    rng = np.random.default_rng(seed)
    products: list[Product] = []
    serial = 0
    for site in SITES:
        for mission in ("S1", "S2"):
            months = [m for m in KEY_MONTHS for _ in range(per_month)]
            months += [(int(rng.integers(2016, 2023)), int(rng.integers(1, 13))) for _ in range(random_dates)]
            for year, month in months:
                serial += 1
                dlon = rng.uniform(-40, 40) * KM / math.cos(math.radians(site.lat))
                dlat = rng.uniform(-40, 40) * KM
                products.append(MAKERS[mission](rng, site.lon + dlon, site.lat + dlat, _moment(rng, year, month), serial))
    for day in range(1, 8):
        serial += 1
        products.append(_s5p(rng, 15.0, 45.0, dt.datetime(2018, 3, day, 11, 20, tzinfo=dt.UTC), serial))
    products += list(global_products(60, seed=seed + 1, first_serial=serial + 1, avoid=SITES))
    return products


def global_products(count: int, seed: int = 0, first_serial: int = 1, avoid: tuple[Site, ...] = (),
                    start_year: int = 2015, end_year: int = 2024) -> Iterator[Product]:
    """`count` S1/S2/S5P products at random places and times (land-biased latitudes), keeping 600 km away
    from `avoid` sites; for benchmarks and distractors."""
    rng = np.random.default_rng(seed)
    made = 0
    serial = first_serial
    while made < count:
        lon, lat = float(rng.uniform(-180, 180)), float(np.degrees(np.arcsin(rng.uniform(-0.9, 0.95))))
        if any(math.hypot((lon - s.lon) * math.cos(math.radians(lat)), lat - s.lat) * 111.32 < 600 for s in avoid):
            continue
        if abs(lon) > 170:
            continue
        mission = ("S1", "S2", "S2", "S5P")[int(rng.integers(4))] if not avoid else ("S1", "S2")[made % 2]
        year = int(rng.integers(start_year, end_year + 1))
        yield MAKERS[mission](rng, lon, lat, _moment(rng, year, int(rng.integers(1, 13))), serial)
        made += 1
        serial += 1


def write_catalog(products: Iterable[Product], path) -> int:
    """Write products into a local SQLite catalogue (the broker's format); returns the count."""
    from ai4c.catalog import local

    db = local.connect(path, create=True)
    count = 0
    try:
        with db:
            for product in products:
                local.add(db, product)
                count += 1
    finally:
        db.close()
    return count
