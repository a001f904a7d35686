"""Names and folder tree of a Sentinel-2 SAFE product per level and processing baseline, following the
real products (../shared/data/s2/reference/sentinelhub_safe_layouts, real_metadata, the N0214 stub).

Rules that change with the baseline:
- from 04.00: radiometric offset -1000 (BOA_ADD_OFFSET / RADIO_ADD_OFFSET), raster masks in QI_DATA
  (MSK_CLASSI_B00.jp2, MSK_DETFOO_Bxx.jp2, MSK_QUALIT_Bxx.jp2), AUX_CAMSFO, L2A_QUALITY.xml;
- before 04.00: vector masks MSK_{CLOUDS_B00, DEFECT, DETFOO, NODATA, SATURA, TECQUA}_Bxx.gml.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from ai4c.core.errors import InvalidParameterError, check_choice

LEVELS = ("L2A", "L1C")
BASELINES = ("02.14", "04.00", "05.09")
ALL_BANDS = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12")
NATIVE_RES = {"B01": 60, "B02": 10, "B03": 10, "B04": 10, "B05": 20, "B06": 20, "B07": 20, "B08": 10,
              "B8A": 20, "B09": 60, "B10": 60, "B11": 20, "B12": 20}
L2A_BANDS = {10: ("B02", "B03", "B04", "B08"),
             20: ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B8A", "B11", "B12"),
             60: ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B8A", "B09", "B11", "B12")}
L2A_EXTRAS = {10: ("TCI", "AOT", "WVP"), 20: ("TCI", "AOT", "WVP", "SCL"), 60: ("TCI", "AOT", "WVP", "SCL")}
GML_TYPES = ("DEFECT", "DETFOO", "NODATA", "SATURA", "TECQUA")
CENTRE = {"02.14": "MPS_", "04.00": "VGS1", "05.09": "2APS"}
SENSING_TIME = "100031"
ORBIT_EPOCH = dt.date(2015, 6, 23)


def pixels(size: int, resolution: int) -> int:
    """Pixels per side at `resolution` m for a size-pixel 10 m scene: ceil(size * 10 / resolution)."""
    return math.ceil(size * 10 / resolution)


def has_offset(baseline: str) -> bool:
    """Baselines from 04.00 add -1000 to the DN (reflectance = (DN + offset) / 10000)."""
    return tuple(int(p) for p in baseline.split(".")) >= (4, 0)


def normalise_band(name: str) -> str:
    """`B2`, `b02`, `B8a` -> `B02`, `B02`, `B8A`; a BadInputError for an unknown band."""
    text = str(name).strip().upper()
    if text.startswith("B") and text[1:].isdigit():
        text = f"B{int(text[1:]):02d}"
    if text not in ALL_BANDS:
        raise InvalidParameterError(f"band {name!r} is not a Sentinel-2 band; use one of: {', '.join(ALL_BANDS)}")
    return text


@dataclass
class SafeLayout:
    """Every relative path of one simulated product (folder tree and file names)."""

    level: str
    baseline: str
    tile: str
    date: str
    bands: tuple[str, ...] = ALL_BANDS
    spacecraft: str = "S2A"
    names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.level = check_choice("level", self.level, LEVELS)
        self.baseline = check_choice("baseline", self.baseline, BASELINES)
        try:
            day = dt.datetime.strptime(self.date, "%Y%m%d").date()
        except ValueError as err:
            raise InvalidParameterError(f"date={self.date!r} is not YYYYMMDD, e.g. 20230625") from err
        absolute = (day - ORBIT_EPOCH).days * 143 // 10 + 1
        self.absolute_orbit = absolute
        self.relative_orbit = (absolute + 2) % 143 + 1
        self.sensing = f"{self.date}T{SENSING_TIME}"
        self.granule_time = f"{self.date}T100527"
        generation = day + dt.timedelta(days=1 if self.baseline == "02.14" else 0)
        self.generation = f"{generation:%Y%m%d}T1{'2' if self.baseline != '02.14' else '5'}1533"
        self.datatake_start = f"{day:%Y-%m-%d}T10:00:31.024Z"

    @property
    def nbaseline(self) -> str:
        """N0509-style baseline tag."""
        return "N" + self.baseline.replace(".", "")

    @property
    def product_name(self) -> str:
        """S2A_MSIL2A_20230625T100031_N0509_R022_T33UVP_20230625T121533.SAFE"""
        return (f"{self.spacecraft}_MSI{self.level}_{self.sensing}_{self.nbaseline}_R{self.relative_orbit:03d}"
                f"_T{self.tile}_{self.generation}.SAFE")

    @property
    def granule(self) -> str:
        """GRANULE/L2A_T33UVP_A041826_20230625T100527"""
        return f"GRANULE/{self.level}_T{self.tile}_A{self.absolute_orbit:06d}_{self.granule_time}"

    @property
    def datastrip(self) -> str:
        """DATASTRIP/DS_2APS_20230625T121533_S20230625T100527"""
        return f"DATASTRIP/DS_{CENTRE[self.baseline]}_{self.generation}_S{self.granule_time}"

    @property
    def mtd_name(self) -> str:
        """MTD_MSIL2A.xml or MTD_MSIL1C.xml"""
        return f"MTD_MSI{self.level}.xml"

    def ids(self) -> dict[str, str]:
        """Datastrip/granule identifiers used inside the metadata."""
        proc = "L2A" if self.level == "L2A" else "L1C"
        bl = "N" + self.baseline
        centre = CENTRE[self.baseline]
        return {"datastrip": f"{self.spacecraft}_OPER_MSI_{proc}_DS_{centre}_{self.generation}_S{self.granule_time}_{bl}",
                "granule": f"{self.spacecraft}_OPER_MSI_{proc}_TL_{centre}_{self.generation}_A{self.absolute_orbit:06d}"
                           f"_T{self.tile}_{bl}",
                "l1c_granule": f"{self.spacecraft}_OPER_MSI_L1C_TL_{centre}_{self.generation}_A{self.absolute_orbit:06d}"
                               f"_T{self.tile}_{bl}",
                "datatake": f"G{self.spacecraft}_{self.sensing}_{self.absolute_orbit:06d}_{bl}"}

    def stem(self) -> str:
        """T33UVP_20230625T100031"""
        return f"T{self.tile}_{self.sensing}"

    def _l2a_has(self, band: str, res: int) -> bool:
        """B01 at 20 m exists in L2A products from baseline 04.00 only."""
        return not (band == "B01" and res == 20 and not has_offset(self.baseline))

    def image_files(self) -> list[tuple[str, int, str]]:
        """(kind, resolution, relative path without .jp2) of every image, in MTD IMAGE_FILE order."""
        out = []
        if self.level == "L1C":
            for band in ALL_BANDS:
                if band in self.bands:
                    out.append((band, NATIVE_RES[band], f"{self.granule}/IMG_DATA/{self.stem()}_{band}"))
            out.append(("TCI", 10, f"{self.granule}/IMG_DATA/{self.stem()}_TCI"))
            return out
        for res in (10, 20, 60):
            kinds = [b for b in L2A_BANDS[res] if b in self.bands and self._l2a_has(b, res)] + list(L2A_EXTRAS[res])
            out += [(k, res, f"{self.granule}/IMG_DATA/R{res}m/{self.stem()}_{k}_{res}m") for k in kinds]
        return out

    def mask_files(self) -> list[str]:
        """QI_DATA masks of the granule (raster from 04.00, GML before), in MTD_TL's order: per band,
        then the cloud mask, then the L2A probability masks."""
        qi = f"{self.granule}/QI_DATA"
        bands = [b for b in ALL_BANDS if b in self.bands]
        if has_offset(self.baseline):
            out = [f"{qi}/MSK_{k}_{b}.jp2" for b in bands for k in ("DETFOO", "QUALIT")]
            out.append(f"{qi}/MSK_CLASSI_B00.jp2")
        else:
            out = [f"{qi}/MSK_{k}_{b}.gml" for b in bands for k in GML_TYPES]
            out.append(f"{qi}/MSK_CLOUDS_B00.gml")
        if self.level == "L2A":
            out += [f"{qi}/MSK_{k}_{r}m.jp2" for r in (20, 60) for k in ("CLDPRB", "SNWPRB")]
        return out

    def qi_reports(self) -> list[str]:
        """Granule and datastrip quality report XML files."""
        names = ["FORMAT_CORRECTNESS", "GENERAL_QUALITY", "GEOMETRIC_QUALITY"]
        granule = names + (["SENSOR_QUALITY", "L2A_QUALITY"] if has_offset(self.baseline) and self.level == "L2A"
                           else ["SENSOR_QUALITY"] if self.level == "L1C" or has_offset(self.baseline)
                           else ["RADIOMETRIC_QUALITY", "SENSOR_QUALITY"])
        strip = names + ["RADIOMETRIC_QUALITY", "SENSOR_QUALITY"]
        return ([f"{self.granule}/QI_DATA/{n}.xml" for n in granule]
                + [f"{self.datastrip}/QI_DATA/{n}.xml" for n in strip])

    def aux_files(self) -> list[str]:
        """AUX_DATA files of the granule (ECMWF, and CAMS from 04.00)."""
        names = ["AUX_ECMWFT"] + (["AUX_CAMSFO"] if has_offset(self.baseline) else [])
        return [f"{self.granule}/AUX_DATA/{n}" for n in names]

    def all_files(self) -> list[str]:
        """Every file of the product, relative to the .SAFE folder."""
        files = [self.mtd_name, "INSPIRE.xml", "manifest.safe", f"{self.datastrip}/MTD_DS.xml",
                 f"{self.granule}/MTD_TL.xml", f"{self.granule}/QI_DATA/{self.stem()}_PVI.jp2"]
        files += ["HTML/UserProduct_index.html", "HTML/UserProduct_index.xsl"]
        files += [p + ".jp2" for _, _, p in self.image_files()]
        return files + self.mask_files() + self.qi_reports() + self.aux_files()
