"""Vector quality masks of products before baseline 04.00 (QI_DATA/MSK_*_Bxx.gml), written like the real
ones (../shared/data/s2/reference/gml_masks_L2A_N0212_T07HFE): an eop:Mask with one eop:MaskFeature
per polygon, posList in the tile's UTM coordinates, mask types OPAQUE / CIRRUS for MSK_CLOUDS_B00."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from lxml import etree
from rasterio import features
from rasterio.transform import Affine

from ai4c.simulate.s2.xmlwrite import XSI, write_xml

EOP = "http://www.opengis.net/eop/2.0"
GML = "http://www.opengis.net/gml/3.2"
CODESPACE = "urn:gs2:S2PDGS:maskType"


def mask_polygons(mask: np.ndarray, transform: Affine) -> list[list[list[tuple[float, float]]]]:
    """Polygons (exterior ring, then holes) of the True pixels of `mask`, in map coordinates."""
    if not mask.any():
        return []
    shapes = features.shapes(mask.astype(np.uint8), mask=mask, transform=transform, connectivity=4)
    return [[[(float(x), float(y)) for x, y in ring] for ring in geom["coordinates"]] for geom, _ in shapes]


def _ring(parent: etree._Element, tag: str, ring: list[tuple[float, float]], dims: int) -> None:
    """gml:exterior or gml:interior with a posList of 2-D points (3-D with z = 0 when dims == 3)."""
    lr = etree.SubElement(etree.SubElement(parent, f"{{{GML}}}{tag}"), f"{{{GML}}}LinearRing")
    pos = etree.SubElement(lr, f"{{{GML}}}posList", srsDimension=str(dims))
    z = " 0" if dims == 3 else ""
    pos.text = " ".join(f"{x:.0f} {y:.0f}{z}" for x, y in ring)


def write_gml_mask(path: Path, mask_id: str, epsg: int, members: list[tuple[str, list]], dims: int = 2) -> None:
    """Write an eop:Mask; `members` = (mask type, polygons) pairs; an empty list gives an empty mask.
    Real MSK_CLOUDS_B00 files use 2-D coordinates, the per-band masks 3-D ones (`dims`)."""
    top = etree.Element(f"{{{EOP}}}Mask", nsmap={"eop": EOP, "xsi": XSI, "gml": GML})
    top.set(f"{{{GML}}}id", mask_id)
    kind = mask_id.split("_")[3] if mask_id.count("_") >= 3 else "MSK"
    name = etree.SubElement(top, f"{{{GML}}}name")
    name.text = f"MSK_{kind} pixels mask from data-strip {mask_id}"
    points = [p for _, polys in members for poly in polys for ring in poly for p in ring]
    if points:
        xs, ys = zip(*points, strict=True)
        env = etree.SubElement(etree.SubElement(top, f"{{{GML}}}boundedBy"), f"{{{GML}}}Envelope",
                               srsName=f"urn:ogc:def:crs:EPSG:8.7:{epsg}")
        z = " 0" if dims == 3 else ""
        etree.SubElement(env, f"{{{GML}}}lowerCorner").text = f"{min(xs):.0f} {min(ys):.0f}{z}"
        etree.SubElement(env, f"{{{GML}}}upperCorner").text = f"{max(xs):.0f} {max(ys):.0f}{z}"
    group = etree.SubElement(top, f"{{{EOP}}}maskMembers")
    for mask_type, polygons in members:
        for i, poly in enumerate(polygons):
            feat = etree.SubElement(group, f"{{{EOP}}}MaskFeature")
            feat.set(f"{{{GML}}}id", f"{mask_type}.{i}")
            etree.SubElement(feat, f"{{{EOP}}}maskType", codeSpace=CODESPACE).text = mask_type
            gpoly = etree.SubElement(etree.SubElement(feat, f"{{{EOP}}}extentOf"), f"{{{GML}}}Polygon")
            gpoly.set(f"{{{GML}}}id", f"{mask_type}.{i}_Polygon")
            _ring(gpoly, "exterior", poly[0], dims)
            for hole in poly[1:]:
                _ring(gpoly, "interior", hole, dims)
    write_xml(top, path)
