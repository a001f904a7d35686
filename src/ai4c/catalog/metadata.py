"""Catalogue facts of a product file or folder: S5P NetCDF, S1/S2 SAFE (folder or zip)."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import numpy as np
from lxml import etree
from shapely.geometry import MultiPoint, Polygon

from ai4c.catalog.model import Product, geometry_of, parse_time
from ai4c.core.errors import InvalidProductError

SAFE_NAME = re.compile(r"(?P<mission>S[12][ABCD])_(?P<rest>\w+?)_(?P<start>\d{8}T\d{6})_")
S2_ORBIT = re.compile(r"_R(\d{3})_")


def product_from_path(path: Path, href: str | None = None) -> Product:
    """Catalogue entry of a local S5P file or SAFE product (the file's own metadata, not its name only)."""
    name = path.name
    if name.startswith("S5P_") and name.endswith(".nc"):
        return s5p_product(path, href or str(path))
    if name.endswith(".SAFE") or name.endswith(".zip"):
        return safe_product(path, href or str(path))
    raise InvalidProductError(f"{path} is neither a SAFE product nor an S5P NetCDF file")


def s5p_product(path: Path, href: str) -> Product:
    """S5P L2 entry: time coverage, orbit and the swath outline as footprint."""
    from ai4c.products.sentinel5p import global_attributes, parse_s5p_name, swath_outline

    fields = parse_s5p_name(path.name)
    attrs = global_attributes(path)
    start = parse_time(attrs.get("time_coverage_start")) or fields["start"]
    end = parse_time(attrs.get("time_coverage_end")) or fields["end"]
    return Product(id=path.stem, title=path.stem, collection="SENTINEL-5P", product_type=fields["product_type"],
                   start=start, end=end, geometry=geometry_of(swath_outline(path)), href=href, provider="local",
                   size=path.stat().st_size, platform="S5P", properties={"orbit": fields["orbit"]})


def _xml_from_safe(path: Path, suffix: str) -> bytes | None:
    """The bytes of the first file ending with `suffix` inside a SAFE folder or zip."""
    if path.is_dir():
        hits = sorted(path.glob(f"*{suffix}"))
        return hits[0].read_bytes() if hits else None
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.count("/") == 1 and n.endswith(suffix)]
            return archive.read(names[0]) if names else None
    except zipfile.BadZipFile as err:
        raise InvalidProductError(f"{path} is not a readable zip; re-download it") from err


def _first(root: etree._Element, local_name: str) -> str | None:
    """Text of the first element with that local name (namespace-agnostic)."""
    hits = root.xpath(f"//*[local-name()='{local_name}']")
    return hits[0].text if hits else None


def safe_product(path: Path, href: str) -> Product:
    """S1 (manifest footprint) or S2 (MTD footprint, cloud cover) entry."""
    match = SAFE_NAME.search(path.name)
    if not match:
        raise InvalidProductError(f"{path.name} is not a Sentinel SAFE product name")
    ident = path.name.removesuffix(".zip").removesuffix(".SAFE")
    if match["mission"].startswith("S2"):
        xml = _xml_from_safe(path, "MTD_MSIL2A.xml") or _xml_from_safe(path, "MTD_MSIL1C.xml")
        if xml is None:
            raise InvalidProductError(f"{path} has no MTD_MSIL1C.xml/MTD_MSIL2A.xml; it is not a complete S2 product")
        root = etree.fromstring(xml)
        coords = np.array((_first(root, "EXT_POS_LIST") or "").split(), dtype=float).reshape(-1, 2)
        start = parse_time(_first(root, "PRODUCT_START_TIME"))
        cloud = _first(root, "Cloud_Coverage_Assessment")
        orbit = S2_ORBIT.search(path.name)
        return Product(id=ident, title=ident, collection="SENTINEL-2", product_type=_first(root, "PRODUCT_TYPE") or "",
                       start=start, end=parse_time(_first(root, "PRODUCT_STOP_TIME")) or start,
                       geometry=geometry_of(Polygon(coords[:, ::-1])) if len(coords) >= 3 else None, href=href,
                       provider="local", cloud_cover=float(cloud) if cloud else None,
                       relative_orbit=int(orbit.group(1)) if orbit else None, platform=match["mission"])
    xml = _xml_from_safe(path, "manifest.safe")
    if xml is None:
        raise InvalidProductError(f"{path} has no manifest.safe; it is not a complete S1 product")
    root = etree.fromstring(xml)
    points = [tuple(map(float, p.split(",")))[::-1] for p in (_first(root, "coordinates") or "").split()]
    relative = root.xpath("//*[local-name()='relativeOrbitNumber'][@type='start']")
    start = parse_time(_first(root, "startTime"))
    return Product(id=ident, title=ident, collection="SENTINEL-1", product_type=_first(root, "productType") or "",
                   start=start, end=parse_time(_first(root, "stopTime")) or start,
                   geometry=geometry_of(MultiPoint(points).convex_hull) if len(points) >= 3 else None, href=href,
                   provider="local", relative_orbit=int(relative[0].text) if relative else None,
                   platform=match["mission"])


def utc_now() -> dt.datetime:
    """Now, in UTC (one place so tests can reason about it)."""
    return dt.datetime.now(dt.UTC)
