"""A tiny hand-made Sentinel-2 SAFE product with known DNs (tests only; the real simulator is ai4c.simulate)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil
from affine import Affine

CRS = "EPSG:32633"
ULX, ULY = 300000.0, 5000040.0
RES = {"B1": 60, "B2": 10, "B3": 10, "B4": 10, "B5": 20, "B6": 20, "B7": 20, "B8": 10, "B8A": 20, "B9": 60,
       "B10": 60, "B11": 20, "B12": 20}
ORDER = list(RES)


@dataclass
class FakeS2:
    """Where the product is and the truth it was built from."""

    path: Path
    dn: dict[str, np.ndarray]
    scl: np.ndarray | None
    cloud60: np.ndarray | None = None
    offset: float = 0.0
    extra: dict = field(default_factory=dict)


def _jp2(path: Path, data: np.ndarray, res: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 1 if data.ndim == 2 else data.shape[0]
    arr = data if data.ndim == 3 else data[None]
    profile = {"driver": "JP2OpenJPEG", "width": arr.shape[2], "height": arr.shape[1], "count": count,
               "dtype": arr.dtype.name, "crs": CRS, "transform": Affine(res, 0, ULX, 0, -res, ULY),
               "QUALITY": "100", "REVERSIBLE": "YES"}
    mem = path.with_suffix(".tmp.tif")
    with rasterio.open(mem, "w", driver="GTiff", **{k: v for k, v in profile.items() if k not in ("driver", "QUALITY", "REVERSIBLE")}) as dst:
        dst.write(arr)
    rasterio.shutil.copy(mem, path, driver="JP2OpenJPEG", QUALITY="100", REVERSIBLE="YES")
    mem.unlink()


def make_s2(root: Path, *, level: str = "L2A", baseline: str = "05.09", size: int = 60, seed: int = 0,
            cloud_mask: str = "classi", zip_it: bool = False, drop: str | None = None) -> FakeS2:
    """Write the product under `root`; `size` is the 10 m width (multiple of 6)."""
    rng = np.random.default_rng(seed)
    name = f"S2A_MSI{level}_20230601T100000_N{baseline.replace('.', '')}_R022_T33TUM_20230601T120000"
    safe = root / f"{name}.SAFE"
    gran = f"{level}_T33TUM_A000001_20230601T100000"
    gdir = safe / "GRANULE" / gran
    offset = -1000.0 if float(baseline) >= 4 else 0.0
    dn: dict[str, np.ndarray] = {}
    files: list[str] = []
    for band, res in RES.items():
        if level == "L2A" and band == "B10":
            continue
        n = size * 10 // res
        data = rng.integers(1100, 6000, (n, n)).astype(np.uint16)
        data[: max(1, n // 6), : max(1, n // 6)] = 0  # no-data corner
        dn[band] = data
        code = band if band == "B8A" else f"B{int(band[1:]):02d}"
        if level == "L2A":
            rel = f"GRANULE/{gran}/IMG_DATA/R{res}m/T33TUM_20230601T100000_{code}_{res}m"
        else:
            rel = f"GRANULE/{gran}/IMG_DATA/T33TUM_20230601T100000_{code}"
        files.append(rel)
        if drop != band:
            _jp2(safe / f"{rel}.jp2", data, res)
    scl = None
    if level == "L2A":
        n = size // 2
        scl = rng.choice(np.array([4, 5, 6, 3, 8, 9, 10, 7], np.uint8), (n, n)).astype(np.uint8)
        scl[: max(1, n // 6), : max(1, n // 6)] = 0
        rel = f"GRANULE/{gran}/IMG_DATA/R20m/T33TUM_20230601T100000_SCL_20m"
        files.append(rel)
        _jp2(safe / f"{rel}.jp2", scl, 20)
    n60 = size // 6
    cloud60 = np.zeros((n60, n60), bool)
    cloud60[n60 // 2:, n60 // 2:] = True
    if cloud_mask == "classi":
        classi = np.zeros((3, n60, n60), np.uint8)
        classi[0][cloud60] = 1
        _jp2(gdir / "QI_DATA" / "MSK_CLASSI_B00.jp2", classi, 60)
    elif cloud_mask == "gml":
        x0, y0 = ULX + n60 // 2 * 60, ULY - n60 * 60
        x1, y1 = ULX + n60 * 60, ULY - n60 // 2 * 60
        (gdir / "QI_DATA").mkdir(parents=True, exist_ok=True)
        (gdir / "QI_DATA" / "MSK_CLOUDS_B00.gml").write_text(_GML.format(
            pos=f"{x0} {y1} {x1} {y1} {x1} {y0} {x0} {y0} {x0} {y1}"))
    _write_xml(safe, gdir, name, level, baseline, files, offset)
    path = safe
    if zip_it:
        path = Path(shutil.make_archive(str(root / name), "zip", root, safe.name))
        shutil.rmtree(safe)
    return FakeS2(path, dn, scl, cloud60, offset)


def _write_xml(safe: Path, gdir: Path, name: str, level: str, baseline: str, files: list[str], offset: float) -> None:
    from pyproj import Transformer

    tr = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    ring = [tr.transform(x, y) for x, y in [(ULX, ULY), (ULX + 109800, ULY), (ULX + 109800, ULY - 109800), (ULX, ULY - 109800), (ULX, ULY)]]
    pos = " ".join(f"{lat} {lon}" for lon, lat in ring)
    tag = "BOA" if level == "L2A" else "RADIO"
    offsets = "".join(f'<{tag}_ADD_OFFSET band_id="{i}">{int(offset)}</{tag}_ADD_OFFSET>' for i in range(13)) if offset else ""
    quant = ("<BOA_QUANTIFICATION_VALUE unit=\"none\">10000</BOA_QUANTIFICATION_VALUE>" if level == "L2A"
             else "<QUANTIFICATION_VALUE unit=\"none\">10000</QUANTIFICATION_VALUE>")
    images = "".join(f"<IMAGE_FILE>{f}</IMAGE_FILE>" for f in files)
    lvl = "2A" if level == "L2A" else "1C"
    (safe / f"MTD_MSI{level}.xml").write_text(
        f'<?xml version="1.0"?><n1:Level-{lvl}_User_Product xmlns:n1="https://psd-14"><n1:General_Info><Product_Info>'
        f"<PRODUCT_START_TIME>2023-06-01T10:00:00.024Z</PRODUCT_START_TIME><PRODUCT_URI>{name}.SAFE</PRODUCT_URI>"
        f"<PROCESSING_LEVEL>Level-{lvl}</PROCESSING_LEVEL><PRODUCT_TYPE>S2MSI{lvl}</PRODUCT_TYPE>"
        f"<PROCESSING_BASELINE>{baseline}</PROCESSING_BASELINE><Product_Organisation><Granule_List>"
        f'<Granule granuleIdentifier="S2A_OPER_MSI_L{lvl}_TL_X_A000001_T33TUM_N{baseline}" imageFormat="JPEG2000">'
        f"{images}</Granule></Granule_List></Product_Organisation></Product_Info>"
        f"<Product_Image_Characteristics><QUANTIFICATION_VALUES_LIST>{quant}</QUANTIFICATION_VALUES_LIST>"
        f"<{tag}_ADD_OFFSET_VALUES_LIST>{offsets}</{tag}_ADD_OFFSET_VALUES_LIST></Product_Image_Characteristics>"
        f"</n1:General_Info><n1:Geometric_Info><Product_Footprint><Product_Footprint><Global_Footprint>"
        f"<EXT_POS_LIST>{pos}</EXT_POS_LIST></Global_Footprint></Product_Footprint></Product_Footprint>"
        f"</n1:Geometric_Info><n1:Quality_Indicators_Info><Cloud_Coverage_Assessment>12.5</Cloud_Coverage_Assessment>"
        f"</n1:Quality_Indicators_Info></n1:Level-{lvl}_User_Product>")
    gdir.mkdir(parents=True, exist_ok=True)
    (gdir / "MTD_TL.xml").write_text(
        '<?xml version="1.0"?><n1:Tile xmlns:n1="https://psd-14"><n1:Geometric_Info><Tile_Geocoding>'
        "<HORIZONTAL_CS_CODE>EPSG:32633</HORIZONTAL_CS_CODE></Tile_Geocoding></n1:Geometric_Info></n1:Tile>")
    (safe / "manifest.safe").write_text("<xfdu/>")


_GML = """<?xml version="1.0" encoding="UTF-8"?>
<eop:Mask xmlns:eop="http://www.opengis.net/eop/2.0" xmlns:gml="http://www.opengis.net/gml/3.2">
  <eop:maskMembers><eop:MaskFeature gml:id="OPAQUE.0"><eop:maskType>OPAQUE</eop:maskType><eop:extentOf>
  <gml:Polygon><gml:exterior><gml:LinearRing><gml:posList srsDimension="2">{pos}</gml:posList></gml:LinearRing>
  </gml:exterior></gml:Polygon></eop:extentOf></eop:MaskFeature></eop:maskMembers></eop:Mask>"""
