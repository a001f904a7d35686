"""Small lxml helpers and the band constants shared by the Sentinel-2 metadata writers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from lxml import etree

XSI = "http://www.w3.org/2001/XMLSchema-instance"
PSD = "https://psd-14.sentinel2.eo.esa.int/PSD/"

# band: (bandId, resolution, min nm, max nm, central nm, solar irradiance, physical gain) as in real MTDs
BAND_INFO = {
    "B01": (0, 60, 412, 456, 442.7, 1884.69, 4.10139733), "B02": (1, 10, 456, 533, 492.7, 1959.66, 3.75488693),
    "B03": (2, 10, 538, 583, 559.8, 1823.24, 4.18689696), "B04": (3, 10, 646, 684, 664.6, 1512.06, 4.52057291),
    "B05": (4, 20, 695, 714, 704.1, 1424.64, 5.20250148), "B06": (5, 20, 731, 749, 740.5, 1287.61, 4.86801849),
    "B07": (6, 20, 769, 797, 782.8, 1162.08, 4.52902277), "B08": (7, 10, 760, 907, 832.8, 1041.63, 6.15373186),
    "B8A": (8, 20, 837, 881, 864.7, 955.32, 5.13094759), "B09": (9, 60, 932, 958, 945.1, 812.92, 8.52683611),
    "B10": (10, 60, 1337, 1412, 1373.5, 367.15, 54.99022761),
    "B11": (11, 20, 1539, 1682, 1613.7, 245.59, 35.21437148),
    "B12": (12, 20, 2078, 2320, 2202.4, 85.25, 106.40223854),
}
PHYSICAL_BAND = {b: ("B" + b[1:].lstrip("0")) for b in BAND_INFO}


def sub(parent: etree._Element, tag: str, text: object = None, **attrib: object) -> etree._Element:
    """Append a child element with optional text and attributes (values stringified)."""
    el = etree.SubElement(parent, tag, {k: str(v) for k, v in attrib.items()})
    if text is not None:
        el.text = str(text)
    return el


def root(tag: str, xsd: str, location: str | None = None) -> etree._Element:
    """An `n1:` root element with the PSD namespace and schema location of the real files."""
    ns = PSD + xsd
    el = etree.Element(f"{{{ns}}}{tag}", nsmap={"n1": ns, "xsi": XSI})
    el.set(f"{{{XSI}}}schemaLocation", location or ns)
    return el


def ns_sub(parent: etree._Element, tag: str) -> etree._Element:
    """A child in the root's n1 namespace (General_Info, Geometric_Info, ...)."""
    return etree.SubElement(parent, f"{{{parent.nsmap['n1']}}}{tag}")


def write_xml(el: etree._Element, path: Path) -> None:
    """Write an element tree as UTF-8 XML with the declaration real products carry."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(etree.tostring(el, xml_declaration=True, encoding="UTF-8", standalone=False,
                                    pretty_print=True))


def spectral_response(band: str) -> str:
    """A plausible 1 nm spectral response (trapezoid with smooth edges) over [min, max] nm."""
    _, _, lo, hi, *_ = BAND_INFO[band]
    x = np.linspace(0.0, 1.0, hi - lo + 1)
    values = np.clip(np.minimum(x, 1 - x) * 8, 0.0, 1.0) * (0.95 + 0.05 * np.cos(12 * x))
    values = np.maximum(values, 0.001)
    return " ".join(f"{v:.6g}" for v in values)


def grid_text(values: np.ndarray, fmt: str = "{:.4f}") -> list[str]:
    """Rows of an angle grid as the space-separated strings of `<VALUES>` elements."""
    return [" ".join("NaN" if not np.isfinite(v) else fmt.format(v) for v in row) for row in values]
