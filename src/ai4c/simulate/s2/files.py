"""The small companion files of a SAFE product: manifest.safe (XFDU with every file's size and SHA3-256),
INSPIRE.xml, the datastrip MTD_DS.xml, quality reports, HTML presentation and AUX_DATA placeholders."""

from __future__ import annotations

import hashlib
from pathlib import Path

from lxml import etree

from ai4c.simulate.s2.layout import SafeLayout
from ai4c.simulate.s2.xmlwrite import ns_sub, root, sub, write_xml

XFDU = "urn:ccsds:schema:xfdu:1"
SAFE_NS = "http://www.esa.int/safe/sentinel/1.1"
GML_NS = "http://www.opengis.net/gml"


def _sha3(path: Path) -> str:
    """SHA3-256 of a file, upper-case hex as in real manifests."""
    digest = hashlib.sha3_256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest().upper()


def _object_id(rel: str) -> str:
    """A dataObject ID derived from the file name (unique within the product)."""
    return rel.replace("/", "_").replace(".", "_")


def write_manifest(safe: Path, layout: SafeLayout, footprint: str) -> None:
    """manifest.safe listing every other file of the product (call last)."""
    kind = "l2a" if layout.level == "L2A" else "l1c"
    top = etree.Element(f"{{{XFDU}}}XFDU", nsmap={"gml": GML_NS, "safe": SAFE_NS, "xfdu": XFDU},
                        version=f"esa/safe/sentinel/1.1/sentinel-2/msi/archive_{kind}_user_product")
    files = sorted(p.relative_to(safe).as_posix() for p in safe.rglob("*") if p.is_file())
    files = [f for f in files if f != "manifest.safe"]
    ipm = etree.SubElement(top, "informationPackageMap")
    unit = etree.SubElement(ipm, f"{{{XFDU}}}contentUnit", dmdID="acquisitionPeriod platform", pdiID="processing",
                            textInfo=f"SENTINEL-2 MSI Level-{layout.level[1:]} User Product",
                            unitType=f"Product_Level-{layout.level[1:]}")
    for rel in files:
        cu = etree.SubElement(unit, f"{{{XFDU}}}contentUnit", ID=_object_id(rel) + "_Unit", unitType="Data Unit")
        etree.SubElement(cu, "dataObjectPointer", dataObjectID=_object_id(rel))
    meta = etree.SubElement(top, "metadataSection")
    _metadata_object(meta, "acquisitionPeriod", "safe:acquisitionPeriod",
                     [("safe:startTime", layout.datatake_start)])
    _metadata_object(meta, "measurementOrbitReference", "safe:orbitReference",
                     [("safe:orbitNumber", f"{layout.absolute_orbit:06d}"),
                      ("safe:relativeOrbitNumber", f"{layout.relative_orbit:03d}")])
    _metadata_object(meta, "platform", "safe:platform",
                     [("safe:nssdcIdentifier", "2015-000A"), ("safe:familyName", "SENTINEL"), ("safe:number", "2A")])
    frame = _metadata_object(meta, "measurementFrameSet", "safe:frameSet", [])
    fp = etree.SubElement(frame, f"{{{SAFE_NS}}}footPrint", srsName="http://www.opengis.net/gml/srs/epsg.xml#4326")
    etree.SubElement(fp, f"{{{GML_NS}}}coordinates").text = footprint
    section = etree.SubElement(top, "dataObjectSection")
    for rel in files:
        path = safe / rel
        obj = etree.SubElement(section, "dataObject", ID=_object_id(rel))
        mime = "application/xml" if rel.endswith((".xml", ".gml", ".xsl")) else "application/octet-stream"
        stream = etree.SubElement(obj, "byteStream", mimeType=mime, size=str(path.stat().st_size))
        etree.SubElement(stream, "fileLocation", href=f"./{rel}", locatorType="URL")
        etree.SubElement(stream, "checksum", checksumName="SHA3-256").text = _sha3(path)
    write_xml(top, safe / "manifest.safe")


def _metadata_object(meta: etree._Element, ident: str, tag: str, children: list[tuple[str, str]]) -> etree._Element:
    """A metadataObject/metadataWrap/xmlData/<tag> block with simple children; returns <tag>."""
    obj = etree.SubElement(meta, "metadataObject", ID=ident, category="DMD", classification="DESCRIPTION")
    wrap = etree.SubElement(obj, "metadataWrap", mimeType="text/xml", vocabularyName="Sentinel-SAFE")
    prefix, name = tag.split(":")
    el = etree.SubElement(etree.SubElement(wrap, "xmlData"), f"{{{SAFE_NS}}}{name}")
    for child, text in children:
        etree.SubElement(el, f"{{{SAFE_NS}}}{child.split(':')[1]}").text = text
    return el


def write_inspire(path: Path, layout: SafeLayout, bbox: tuple[float, float, float, float]) -> None:
    """INSPIRE.xml: a minimal ISO 19139 record with the product's identifier and bounding box."""
    gmd, gco = "http://www.isotc211.org/2005/gmd", "http://www.isotc211.org/2005/gco"
    top = etree.Element(f"{{{gmd}}}MD_Metadata", nsmap={"gmd": gmd, "gco": gco})
    ident = etree.SubElement(etree.SubElement(top, f"{{{gmd}}}fileIdentifier"), f"{{{gco}}}CharacterString")
    ident.text = layout.product_name.removesuffix(".SAFE")
    box = etree.SubElement(etree.SubElement(top, f"{{{gmd}}}extent"), f"{{{gmd}}}EX_GeographicBoundingBox")
    for tag, value in zip(("westBoundLongitude", "eastBoundLongitude", "southBoundLatitude", "northBoundLatitude"),
                          bbox, strict=True):
        etree.SubElement(etree.SubElement(box, f"{{{gmd}}}{tag}"), f"{{{gco}}}Decimal").text = f"{value:.6f}"
    write_xml(top, path)


def write_datastrip(path: Path, layout: SafeLayout) -> None:
    """DATASTRIP/<ds>/MTD_DS.xml with the datastrip identifier and sensing times."""
    level = layout.level[1:]
    top = root(f"Level-{level}_DataStrip_ID", f"S2_PDI_Level-{level}_Datastrip_Metadata.xsd")
    gi = ns_sub(top, "General_Info")
    sub(gi, "DATASTRIP_ID", layout.ids()["datastrip"], metadataLevel="Brief")
    info = sub(gi, "Datatake_Info", datatakeIdentifier=layout.ids()["datatake"])
    sub(info, "SPACECRAFT_NAME", "Sentinel-2A")
    sub(info, "DATATAKE_SENSING_START", layout.datatake_start)
    sub(sub(gi, "Processing_Info"), "PROCESSING_BASELINE", layout.baseline)
    write_xml(top, path)


def write_report(path: Path, check: str, layout: SafeLayout) -> None:
    """A quality control report (Earth_Explorer_File) saying the check PASSED."""
    top = etree.Element("Earth_Explorer_File")
    header = etree.SubElement(etree.SubElement(top, "Earth_Explorer_Header"), "Fixed_Header")
    etree.SubElement(header, "File_Name").text = path.stem
    etree.SubElement(header, "File_Type").text = check
    data = etree.SubElement(etree.SubElement(top, "Data_Block", type="xml"), "report")
    etree.SubElement(data, "checkList", result="PASSED", baseline=layout.baseline).text = check
    write_xml(top, path)


def write_html(folder: Path, layout: SafeLayout) -> None:
    """HTML/UserProduct_index.html and .xsl (presentation pages)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "UserProduct_index.html").write_text(
        f"<html><head><title>{layout.product_name}</title></head><body><h1>{layout.product_name}</h1>"
        "<p>Simulated by ai4c.simulate</p></body></html>\n", encoding="utf-8")
    (folder / "UserProduct_index.xsl").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<xsl:stylesheet version="1.0" '
        'xmlns:xsl="http://www.w3.org/1999/XSL/Transform"/>\n', encoding="utf-8")


def write_aux(path: Path) -> None:
    """AUX_DATA placeholder (real ones are GRIB files of ECMWF / CAMS fields; not simulated)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"GRIB simulated placeholder: not a GRIB message\n")
