"""Sentinel-2 SAFE L1C/L2A reader: metadata of every baseline (02.xx-05.xx), lazy bands, SCL and masks.

A product is a `.SAFE` folder, a zip of it, or a folder/zip holding its MTD_MSIL1C.xml / MTD_MSIL2A.xml
(also the pre-2016 `*_MTD_SAFL1C_*.xml` naming). Bands are read at their native resolution from the
files themselves (their own georeferencing), never through JPEG2000 overviews.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from lxml import etree
from pyproj import CRS
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from ai4c.core import log
from ai4c.core.errors import InvalidParameterError, InvalidProductError
from ai4c.products.safe import SafeSource, is_product_metadata

BANDS = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B10", "B11", "B12")
NATIVE_RESOLUTION = {"B1": 60, "B2": 10, "B3": 10, "B4": 10, "B5": 20, "B6": 20, "B7": 20, "B8": 10,
                     "B8A": 20, "B9": 60, "B10": 60, "B11": 20, "B12": 20, "SCL": 20}
_BAND_IN_NAME = re.compile(r"_(B\d{1,2}A?|SCL|AOT|WVP|TCI)(?:_(\d+)m)?$", re.IGNORECASE)

if TYPE_CHECKING:
    import xarray as xr


def normalise_band(name: str) -> str:
    """`B02`, `b2`, `B8a`, `8A` -> the canonical `B2` / `B8A`; unknown names are an error listing the valid ones."""
    text = str(name).strip().upper()
    match = re.fullmatch(r"B?0*(\d{1,2})(A?)", text)
    if match:
        canonical = f"B{int(match.group(1))}{match.group(2)}"
        if canonical in BANDS:
            return canonical
    if text == "SCL":
        return "SCL"
    raise InvalidParameterError(f"band {name!r} is unknown; use any of {', '.join(BANDS)} (leading zero optional)")


@dataclass
class S2Metadata:
    """What S2-preprocess needs to know about a product, parsed from its XML."""

    product_id: str
    level: str  # "L1C" or "L2A"
    baseline: str  # "05.09"
    tile: str  # "33XWJ"
    datetime: dt.datetime
    quantification: float
    offsets: dict[str, float]  # per band (BOA_ADD_OFFSET for L2A, RADIO_ADD_OFFSET for L1C; 0 before 04.00)
    cloud_cover: float | None
    footprint: BaseGeometry | None  # lon/lat
    crs: CRS | None
    image_files: dict[str, dict[int, str]] = field(default_factory=dict)  # band -> {resolution: member}
    nodata: int = 0

    def as_attrs(self) -> dict:
        """Plain attributes for DataArrays and STAC Items."""
        return {"product_id": self.product_id, "level": self.level, "baseline": self.baseline, "tile": self.tile,
                "datetime": self.datetime.isoformat(), "quantification_value": self.quantification,
                "cloud_cover": self.cloud_cover}


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _texts(root, name: str) -> list:
    """Elements with local name `name`, whatever their namespace."""
    return [el for el in root.iter() if _local(el.tag) == name]


def _first_text(root, *names: str) -> str | None:
    for name in names:
        for el in _texts(root, name):
            if el.text and el.text.strip():
                return el.text.strip()
    return None


def parse_product_xml(data: bytes, granule_xml: bytes | None = None, product_id: str = "") -> S2Metadata:
    """Parse MTD_MSIL1C/MTD_MSIL2A (and optionally MTD_TL for the CRS) of any baseline."""
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError as exc:
        raise InvalidProductError(f"product metadata is not valid XML ({exc}); the product is damaged") from exc
    ptype = (_first_text(root, "PRODUCT_TYPE") or "") + (_first_text(root, "PROCESSING_LEVEL") or "")
    level = "L2A" if ("2A" in ptype.upper() or "LEVEL-2A" in ptype.upper()) else "L1C"
    if "1C" not in ptype.upper() and level == "L1C":
        raise InvalidProductError(f"{product_id or 'input'} is not a Sentinel-2 L1C/L2A product "
                                  f"(product type {ptype or 'missing'}); give an S2 SAFE product")
    uri = _first_text(root, "PRODUCT_URI", "PRODUCT_URI_2A", "PRODUCT_URI_1C") or product_id
    baseline = _first_text(root, "PROCESSING_BASELINE") or _baseline_from_name(uri)
    start = _first_text(root, "PRODUCT_START_TIME", "DATATAKE_SENSING_START")
    when = dt.datetime.fromisoformat(start.replace("Z", "+00:00")) if start else dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    quant = _first_text(root, "BOA_QUANTIFICATION_VALUE", "QUANTIFICATION_VALUE",
                        "L1C_TOA_QUANTIFICATION_VALUE") or "10000"
    offsets = {b: 0.0 for b in BANDS}
    for el in _texts(root, "BOA_ADD_OFFSET") + _texts(root, "RADIO_ADD_OFFSET"):
        index = int(el.get("band_id", el.get("bandId", "-1")))
        if 0 <= index < len(BANDS):
            offsets[BANDS[index]] = float(el.text)
    cloud = _first_text(root, "Cloud_Coverage_Assessment", "CLOUD_COVERAGE_ASSESSMENT")
    files = _image_files([el.text.strip() for el in _texts(root, "IMAGE_FILE") + _texts(root, "IMAGE_FILE_2A")
                          if el.text])
    granule = _first_text(root, "Granule", "Granules") or ""
    granule_ids = " ".join(el.get("granuleIdentifier", "") for el in _texts(root, "Granule") + _texts(root, "Granules"))
    tile = _tile_from(uri + " " + granule_ids + " " + granule + " " + " ".join(
        m for d in files.values() for m in d.values()))
    crs = _crs_from_tile_xml(granule_xml) if granule_xml else None
    return S2Metadata(uri.removesuffix(".SAFE"), level, baseline or "unknown", tile, when, float(quant), offsets,
                      float(cloud) if cloud else None, _footprint(root), crs, files)


def _baseline_from_name(name: str) -> str | None:
    match = re.search(r"_N(\d{2})(\d{2})_", name)
    return f"{match.group(1)}.{match.group(2)}" if match else None


def _tile_from(text: str) -> str:
    match = re.search(r"_T(\d{2}[A-Z]{3})(?:_|\b)", text)
    return match.group(1) if match else "unknown"


def _footprint(root) -> BaseGeometry | None:
    """The product footprint (EXT_POS_LIST is lat lon pairs) as a lon/lat polygon."""
    text = _first_text(root, "EXT_POS_LIST")
    if not text:
        return None
    values = [float(v) for v in text.split()]
    if len(values) < 6:
        return None
    step = 3 if len(values) >= 9 and values[2] == 0 and values[5] == 0 else 2  # some baselines give lat lon h
    ring = [(values[i + 1], values[i]) for i in range(0, len(values) - 1, step)]
    poly = Polygon(ring)
    return poly if poly.is_valid else poly.buffer(0)


def _crs_from_tile_xml(data: bytes) -> CRS | None:
    """The tile's CRS from MTD_TL.xml; None (the band files' own CRS is used) when that file is damaged."""
    try:
        code = _first_text(etree.fromstring(data), "HORIZONTAL_CS_CODE")
    except etree.XMLSyntaxError as err:
        log.warn(f"granule metadata MTD_TL.xml is not valid XML ({err}); skipped: the CRS is taken from the band files")
        return None
    return CRS.from_user_input(code) if code else None


def _image_files(entries: list[str]) -> dict[str, dict[int, str]]:
    """band -> {resolution (0 when the name has none): member without extension}."""
    out: dict[str, dict[int, str]] = {}
    for entry in entries:
        match = _BAND_IN_NAME.search(entry)
        if not match:
            continue
        kind = match.group(1).upper()
        if kind.startswith("B"):
            try:
                kind = normalise_band(kind)
            except InvalidParameterError:
                continue
        out.setdefault(kind, {})[int(match.group(2) or 0)] = entry
    return out


class Sentinel2Product:
    """An opened S2 product: metadata plus lazy access to its bands and quality layers."""

    def __init__(self, source: SafeSource, metadata: S2Metadata, granule_dir: str) -> None:
        self.source, self.metadata, self.granule_dir = source, metadata, granule_dir

    @property
    def name(self) -> str:
        """The product name (without `.SAFE`)."""
        return self.metadata.product_id

    def band_member(self, band: str) -> str:
        """The file (member) holding `band` at its native resolution, else the finest one present."""
        band = normalise_band(band) if band != "SCL" else band
        candidates = self.metadata.image_files.get(band, {})
        if not candidates:
            have = ", ".join(b for b in BANDS if b in self.metadata.image_files) or "none"
            raise InvalidParameterError(f"band {band} is not in this {self.metadata.level} product; it has: {have}")
        native = NATIVE_RESOLUTION.get(band, 0)
        order = sorted(candidates, key=lambda r: (r != native, r != 0, r if r >= native else 10_000 + r))
        for resolution in order:
            member = self._existing(candidates[resolution])
            if member:
                return member
        raise InvalidProductError(f"band file {candidates[order[0]]}.jp2 of {band} is missing from {self.source.path}; "
                                  "the product is incomplete, download it again")

    def _existing(self, stem: str) -> str | None:
        for ext in (".jp2", ".tif", ".TIF", ".JP2", ""):
            if self.source.exists(stem + ext):
                return stem + ext
        return None

    def dn(self, band: str, chunks: int | None = None) -> xr.DataArray:
        """Raw digital numbers of a band (uint16), lazy, on the band's own native grid."""
        from ai4c.core.lazyraster import open_lazy

        name = normalise_band(band) if band != "SCL" else band
        da = open_lazy(self.source.gdal_path(self.band_member(name)), chunks=chunks, name=name)
        if self.metadata.crs is not None and da.rio.crs is None:
            da = da.rio.write_crs(self.metadata.crs)
        return da

    def reflectance(self, band: str, chunks: int | None = None) -> xr.DataArray:
        """float32 reflectance (DN + offset) / quantification value, NaN where DN is the no-data value 0."""
        name = normalise_band(band)
        dn = self.dn(name, chunks)
        offset, quant = self.metadata.offsets.get(name, 0.0), self.metadata.quantification
        data = dn.data.map_blocks(to_reflectance, offset, quant, self.metadata.nodata, dtype=np.float32)
        out = dn.copy(data=data)
        out.attrs = {"units": "1", "offset": offset, "quantification_value": quant}
        return out.rio.write_nodata(np.nan)

    def scl(self, chunks: int | None = None) -> xr.DataArray:
        """The L2A scene classification (uint8, 20 m), read at full resolution."""
        if self.metadata.level != "L2A" or "SCL" not in self.metadata.image_files:
            raise InvalidParameterError(f"{self.name} has no scene classification (SCL): it is "
                                        f"{self.metadata.level}; use --cloudmask L1C or None")
        return self.dn("SCL", chunks)

    def qi_member(self, pattern: str) -> str | None:
        """The first QI_DATA member of the granule matching a glob (e.g. `*MSK_CLASSI_B00*.jp2`)."""
        found = self.source.find(f"{self.granule_dir}QI_DATA/{pattern}")
        return found[0] if found else None


def to_reflectance(block: np.ndarray, offset: float, quant: float, nodata: int) -> np.ndarray:
    """float32 (DN + offset) / quantification, NaN where DN is the no-data value (in place: one copy)."""
    out = block.astype(np.float32)
    out += np.float32(offset)
    out /= np.float32(quant)
    out[block == nodata] = np.nan
    return out


def open_sentinel2(path) -> Sentinel2Product:
    """Open a Sentinel-2 L1C/L2A product (folder, zip or metadata file) of any baseline."""
    source = SafeSource.open(path)
    top = [n for n in source.members if "/" not in n and is_product_metadata(n)]
    if not top:
        raise InvalidProductError(f"{source.path} is not a Sentinel-2 SAFE product (no MTD_MSIL1C.xml or "
                                  "MTD_MSIL2A.xml); give an S2 L1C or L2A product")
    tile_xml = _granule_metadata(source)
    granule_dir = tile_xml.rsplit("/", 1)[0] + "/" if tile_xml else ""
    meta = parse_product_xml(source.read_bytes(top[0]), source.read_bytes(tile_xml) if tile_xml else None,
                             product_id=source.path.name.removesuffix(".zip"))
    if not meta.image_files:
        meta.image_files = _image_files(sorted({n.rsplit(".", 1)[0] for n in source.find("GRANULE/*/IMG_DATA/*")}))
    return Sentinel2Product(source, meta, granule_dir)


def _granule_metadata(source: SafeSource) -> str | None:
    """GRANULE/<tile>/MTD_TL.xml (or the old `*_MTD_L?C_TL_*.xml`)."""
    found = [n for n in source.find("GRANULE/*/*.xml") if n.count("/") == 2 and (
        n.endswith("MTD_TL.xml") or "_MTD_L" in n)]
    return found[0] if found else None
