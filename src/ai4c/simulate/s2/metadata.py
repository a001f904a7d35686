"""MTD_MSIL2A.xml / MTD_MSIL1C.xml (product) and MTD_TL.xml (tile) written with lxml, element by element
in the order and with the names of the real files (the paths GDAL's SENTINEL2 driver and readers use)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from lxml import etree
from pyproj import Transformer

from ai4c.simulate.s2.layout import ALL_BANDS, SafeLayout, has_offset, pixels
from ai4c.simulate.s2.xmlwrite import (
    BAND_INFO,
    PHYSICAL_BAND,
    grid_text,
    ns_sub,
    root,
    spectral_response,
    sub,
    write_xml,
)
from ai4c.simulate.scene.tiles import Tile

SCL_NAMES = ("NODATA", "SATURATED_DEFECTIVE", "DARK_FEATURE_SHADOW", "CLOUD_SHADOW", "VEGETATION",
             "NOT_VEGETATED", "WATER", "UNCLASSIFIED", "CLOUD_MEDIUM_PROBA", "CLOUD_HIGH_PROBA", "THIN_CIRRUS",
             "SNOW_ICE")
SCL_QI = ("NODATA_PIXEL_PERCENTAGE", "SATURATED_DEFECTIVE_PIXEL_PERCENTAGE", "DARK_FEATURES_PERCENTAGE",
          "CLOUD_SHADOW_PERCENTAGE", "VEGETATION_PERCENTAGE", "NOT_VEGETATED_PERCENTAGE", "WATER_PERCENTAGE",
          "UNCLASSIFIED_PERCENTAGE", "MEDIUM_PROBA_CLOUDS_PERCENTAGE", "HIGH_PROBA_CLOUDS_PERCENTAGE",
          "THIN_CIRRUS_PERCENTAGE", "SNOW_ICE_PERCENTAGE")
OFFSET = -1000
QUANTIFICATION = 10000


@dataclass
class ProductInfo:
    """What the metadata says about one simulated product besides its layout."""

    layout: SafeLayout
    tile: Tile
    size: int
    sun_zenith: float
    sun_azimuth: float
    cloud_percentage: float
    scl_percentages: list[float] = field(default_factory=lambda: [0.0] * 12)
    cloud_over_land: float = 0.0

    @property
    def offset(self) -> int:
        """Additive DN offset of this baseline."""
        return OFFSET if has_offset(self.layout.baseline) else 0


def footprint(info: ProductInfo) -> str:
    """EXT_POS_LIST: lat lon of the corners of the product extent, closed ring."""
    ext = info.size * 10.0
    x0, y0 = info.tile.ulx, info.tile.uly
    xs = [x0, x0 + ext, x0 + ext, x0, x0]
    ys = [y0, y0, y0 - ext, y0 - ext, y0]
    lon, lat = Transformer.from_crs(info.tile.crs, "EPSG:4326", always_xy=True).transform(xs, ys)
    return " ".join(f"{la:.12g} {lo:.12g}" for la, lo in zip(lat, lon, strict=True)) + " "


def _product_info(gi: etree._Element, info: ProductInfo) -> None:
    """General_Info/Product_Info with the granule's IMAGE_FILE list."""
    lay = info.layout
    pi = sub(gi, "Product_Info")
    start = lay.datatake_start
    for tag, text in (("PRODUCT_START_TIME", start), ("PRODUCT_STOP_TIME", start),
                      ("PRODUCT_URI", lay.product_name), ("PROCESSING_LEVEL", f"Level-{lay.level[1:]}"),
                      ("PRODUCT_TYPE", "S2MSI2A" if lay.level == "L2A" else "S2MSI1C"),
                      ("PROCESSING_BASELINE", lay.baseline)):
        sub(pi, tag, text)
    if lay.level == "L2A" and has_offset(lay.baseline):
        sub(pi, "PRODUCT_DOI", "https://doi.org/10.5270/S2_-znk9xsj")
    gen = lay.generation
    sub(pi, "GENERATION_TIME", f"{gen[:4]}-{gen[4:6]}-{gen[6:8]}T{gen[9:11]}:{gen[11:13]}:{gen[13:15]}.000000Z")
    sub(pi, "PREVIEW_IMAGE_URL", "Not applicable")
    sub(pi, "PREVIEW_GEO_INFO", "Not applicable")
    ids = lay.ids()
    take = sub(pi, "Datatake", datatakeIdentifier=ids["datatake"])
    for tag, text in (("SPACECRAFT_NAME", "Sentinel-2A"), ("DATATAKE_TYPE", "INS-NOBS"),
                      ("DATATAKE_SENSING_START", start), ("SENSING_ORBIT_NUMBER", lay.relative_orbit),
                      ("SENSING_ORBIT_DIRECTION", "DESCENDING")):
        sub(take, tag, text)
    sub(sub(pi, "Query_Options", completeSingleTile="true"), "PRODUCT_FORMAT", "SAFE_COMPACT")
    granule = sub(sub(sub(pi, "Product_Organisation"), "Granule_List"), "Granule",
                  datastripIdentifier=ids["datastrip"], granuleIdentifier=ids["granule"], imageFormat="JPEG2000")
    for _, _, path in lay.image_files():
        sub(granule, "IMAGE_FILE", path)


def _image_characteristics(gi: etree._Element, info: ProductInfo) -> None:
    """Product_Image_Characteristics: special values, quantification, offsets, bands, SCL classes."""
    lay = info.layout
    pic = sub(gi, "Product_Image_Characteristics")
    for text, index in (("NODATA", 0), ("SATURATED", 65535)):
        sv = sub(pic, "Special_Values")
        sub(sv, "SPECIAL_VALUE_TEXT", text)
        sub(sv, "SPECIAL_VALUE_INDEX", index)
    order = sub(pic, "Image_Display_Order")
    for tag, channel in (("RED_CHANNEL", 3), ("GREEN_CHANNEL", 2), ("BLUE_CHANNEL", 1)):
        sub(order, tag, channel)
    if lay.level == "L2A":
        qv = sub(pic, "QUANTIFICATION_VALUES_LIST")
        sub(qv, "BOA_QUANTIFICATION_VALUE", QUANTIFICATION, unit="none")
        sub(qv, "AOT_QUANTIFICATION_VALUE", "1000.0", unit="none")
        sub(qv, "WVP_QUANTIFICATION_VALUE", "1000.0", unit="cm")
        if info.offset:
            offsets = sub(pic, "BOA_ADD_OFFSET_VALUES_LIST")
            for i in range(13):
                sub(offsets, "BOA_ADD_OFFSET", info.offset, band_id=i)
    else:
        sub(pic, "QUANTIFICATION_VALUE", QUANTIFICATION, unit="none")
        if info.offset:
            offsets = sub(pic, "Radiometric_Offset_List")
            for i in range(13):
                sub(offsets, "RADIO_ADD_OFFSET", info.offset, band_id=i)
    conv = sub(pic, "Reflectance_Conversion")
    sub(conv, "U", "0.96817485048713")
    irr = sub(conv, "Solar_Irradiance_List")
    for band in ALL_BANDS:
        sub(irr, "SOLAR_IRRADIANCE", BAND_INFO[band][5], bandId=BAND_INFO[band][0], unit="W/m²/µm")
    spectral = sub(pic, "Spectral_Information_List")
    for band in ALL_BANDS:
        band_id, res, lo, hi, central, _, _ = BAND_INFO[band]
        si = sub(spectral, "Spectral_Information", bandId=band_id, physicalBand=PHYSICAL_BAND[band])
        sub(si, "RESOLUTION", res)
        wl = sub(si, "Wavelength")
        sub(wl, "MIN", lo, unit="nm")
        sub(wl, "MAX", hi, unit="nm")
        sub(wl, "CENTRAL", central, unit="nm")
        resp = sub(si, "Spectral_Response")
        sub(resp, "STEP", 1, unit="nm")
        sub(resp, "VALUES", spectral_response(band))
    for band in ALL_BANDS:
        sub(pic, "PHYSICAL_GAINS", BAND_INFO[band][6], bandId=BAND_INFO[band][0])
    if lay.level == "L1C" or lay.baseline >= "05.00":
        sub(pic, "REFERENCE_BAND", 3)
    if lay.level == "L2A":
        scl = sub(pic, "Scene_Classification_List")
        for index, name in enumerate(SCL_NAMES):
            sc = sub(scl, "Scene_Classification_ID")
            sub(sc, "SCENE_CLASSIFICATION_TEXT", f"SC_{name}")
            sub(sc, "SCENE_CLASSIFICATION_INDEX", index)


def _geometric_and_aux(top: etree._Element, info: ProductInfo) -> None:
    """n1:Geometric_Info (footprint, CRS type) and n1:Auxiliary_Data_Info."""
    geo = ns_sub(top, "Geometric_Info")
    fp = sub(geo, "Product_Footprint")
    inner = sub(fp, "Product_Footprint")
    sub(sub(inner, "Global_Footprint"), "EXT_POS_LIST", footprint(info))
    sub(fp, "RASTER_CS_TYPE", "POINT")
    sub(fp, "PIXEL_ORIGIN", 1)
    crs = sub(geo, "Coordinate_Reference_System")
    sub(crs, "GEO_TABLES", "EPSG", version=1)
    sub(crs, "HORIZONTAL_CS_TYPE", "GEOGRAPHIC")
    aux = ns_sub(top, "Auxiliary_Data_Info")
    gipp = sub(aux, "GIPP_List")
    probas = info.layout.baseline.replace(".", "")
    sub(gipp, "GIPP_FILENAME", f"S2A_OPER_GIP_PROBAS_MPC__20230327T00{probas}_V20230330T030000_21000101T000000_B00",
        type="GIP_PROBAS", version=probas)
    sub(aux, "PRODUCTION_DEM_TYPE", "CopernicusDEM90")
    sub(aux, "IERS_BULLETIN_FILENAME", "S2__OPER_AUX_UT1UTC_PDMC_20230622T000000_V20230623T000000_20240621T000000")
    gri = sub(aux, "GRI_List")
    if info.layout.level == "L1C" or info.layout.baseline >= "05.00":
        sub(gri, "GRI_FILENAME", "S2A_OPER_GRI_MSIL1B_MPC__20180920T224245_S20180711T234625")
    sub(aux, "ECMWF_DATA_REF", "S2__OPER_AUX_ECMWFD_ADG__20230625T120000_V20230625T210000_20230627T150000")
    if info.layout.level == "L2A":
        sub(sub(aux, "LUT_List"), "LUT_FILENAME", "None")
        sub(aux, "SNOW_CLIMATOLOGY_MAP", "GlobalSnowMap.tiff")
        sub(aux, "ESACCI_WaterBodies_Map", "ESACCI-LC-L4-WB-Map-150m-P13Y-2000-v4.0.tif")
        sub(aux, "ESACCI_LandCover_Map", "ESACCI-LC-L4-LCCS-Map-300m-P1Y-2015-v2.0.7.tif")
        sub(aux, "ESACCI_SnowCondition_Map_Dir", "ESACCI-LC-L4-Snow-Cond-500m-MONTHLY-2000-2012-v2.4")


def _image_content_qi(parent: etree._Element, info: ProductInfo, *, tile: bool) -> None:
    """Image_Content_QI percentages derived from the simulated SCL (L2A)."""
    qi = sub(parent, "Image_Content_QI")
    if tile:
        sub(qi, "CLOUDY_PIXEL_PERCENTAGE", f"{info.cloud_percentage:.6f}")
    if has_offset(info.layout.baseline) and info.layout.level == "L2A":
        sub(qi, "CLOUDY_PIXEL_OVER_LAND_PERCENTAGE", f"{info.cloud_over_land:.6f}")
    if tile:
        sub(qi, "DEGRADED_MSI_DATA_PERCENTAGE", "0.000000")
    if info.layout.level == "L1C":
        return
    for name, value in zip(SCL_QI, info.scl_percentages, strict=True):
        sub(qi, name, f"{value:.6f}")
    for name in ("RADIATIVE_TRANSFER_ACCURACY", "WATER_VAPOUR_RETRIEVAL_ACCURACY", "AOT_RETRIEVAL_ACCURACY"):
        sub(qi, name, "0.0")
    if has_offset(info.layout.baseline):
        for name, text in (("AOT_RETRIEVAL_METHOD", "CAMS"), ("GRANULE_MEAN_AOT", "0.150000"),
                           ("GRANULE_MEAN_WV", "1.200000"), ("OZONE_SOURCE", "AUX_ECMWFT"),
                           ("OZONE_VALUE", "330.000000")):
            sub(qi, name, text)


def write_product_mtd(path: Path, info: ProductInfo) -> None:
    """MTD_MSIL2A.xml or MTD_MSIL1C.xml."""
    level = info.layout.level
    top = root(f"Level-{level[1:]}_User_Product", f"User_Product_Level-{level[1:]}.xsd")
    gi = ns_sub(top, "General_Info")
    _product_info(gi, info)
    _image_characteristics(gi, info)
    _geometric_and_aux(top, info)
    qii = ns_sub(top, "Quality_Indicators_Info")
    sub(qii, "Cloud_Coverage_Assessment", f"{info.cloud_percentage:.6f}")
    tech = sub(qii, "Technical_Quality_Assessment")
    sub(tech, "DEGRADED_ANC_DATA_PERCENTAGE", "0.0")
    sub(tech, "DEGRADED_MSI_DATA_PERCENTAGE", 0)
    checks = sub(qii, "Quality_Control_Checks")
    inspections = sub(checks, "Quality_Inspections")
    kinds = ["FORMAT_CORRECTNESS", "GENERAL_QUALITY", "GEOMETRIC_QUALITY"]
    kinds += ["L2A_QUALITY"] if level == "L2A" else ["RADIOMETRIC_QUALITY", "SENSOR_QUALITY"]
    for kind in kinds:
        sub(inspections, "quality_check", "PASSED", checkType=kind)
    sub(checks, "Failed_Inspections")
    if level == "L2A":
        _image_content_qi(qii, info, tile=False)
    write_xml(top, path)


def _angle_grid(parent: etree._Element, values: np.ndarray) -> None:
    """Zenith/Azimuth grid element with 5000 m steps."""
    sub(parent, "COL_STEP", 5000, unit="m")
    sub(parent, "ROW_STEP", 5000, unit="m")
    vl = sub(parent, "Values_List")
    for row in grid_text(values):
        sub(vl, "VALUES", row)


def _tile_angles(geo: etree._Element, info: ProductInfo) -> None:
    """Tile_Angles: sun grid, mean sun angle, viewing incidence grids per band, their means."""
    n = int(np.ceil(info.size * 10 / 5000)) + 1
    ramp = np.linspace(-0.5, 0.5, n)
    angles = sub(geo, "Tile_Angles", metadataLevel="Standard")
    sun = sub(angles, "Sun_Angles_Grid")
    _angle_grid(sub(sun, "Zenith"), info.sun_zenith + 0.4 * ramp[:, None] + 0.1 * ramp[None, :])
    _angle_grid(sub(sun, "Azimuth"), info.sun_azimuth + 0.2 * ramp[:, None] + 1.0 * ramp[None, :])
    mean = sub(angles, "Mean_Sun_Angle")
    sub(mean, "ZENITH_ANGLE", info.sun_zenith, unit="deg")
    sub(mean, "AZIMUTH_ANGLE", info.sun_azimuth, unit="deg")
    view_zenith = 5.0 + 4.0 * ramp[None, :] + 0 * ramp[:, None]
    for band in ALL_BANDS:
        grids = sub(angles, "Viewing_Incidence_Angles_Grids", bandId=BAND_INFO[band][0], detectorId=4)
        _angle_grid(sub(grids, "Zenith"), view_zenith)
        _angle_grid(sub(grids, "Azimuth"), np.full((n, n), 105.0))
    means = sub(angles, "Mean_Viewing_Incidence_Angle_List")
    for band in ALL_BANDS:
        m = sub(means, "Mean_Viewing_Incidence_Angle", bandId=BAND_INFO[band][0])
        sub(m, "ZENITH_ANGLE", 5.0, unit="deg")
        sub(m, "AZIMUTH_ANGLE", 105.0, unit="deg")


def write_tile_mtd(path: Path, info: ProductInfo) -> None:
    """GRANULE/<granule>/MTD_TL.xml with the tile geocoding per resolution and the angle grids."""
    lay, level = info.layout, info.layout.level
    top = root(f"Level-{level[1:]}_Tile_ID", f"S2_PDI_Level-{level[1:]}_Tile_Metadata.xsd")
    gi = ns_sub(top, "General_Info")
    ids = lay.ids()
    if level == "L2A":
        sub(gi, "L1C_TILE_ID", ids["l1c_granule"], metadataLevel="Brief")
    sub(gi, "TILE_ID", ids["granule"], metadataLevel="Brief")
    sub(gi, "DATASTRIP_ID", ids["datastrip"], metadataLevel="Standard")
    sub(gi, "DOWNLINK_PRIORITY", "NOMINAL", metadataLevel="Standard")
    sub(gi, "SENSING_TIME", lay.datatake_start.replace("31.024Z", "35.578328Z"), metadataLevel="Standard")
    arch = sub(gi, "Archiving_Info", metadataLevel="Expertise")
    sub(arch, "ARCHIVING_CENTRE", "2APS")
    sub(arch, "ARCHIVING_TIME", f"{lay.date[:4]}-{lay.date[4:6]}-{lay.date[6:]}T13:05:15.749533Z")
    geo = ns_sub(top, "Geometric_Info")
    tg = sub(geo, "Tile_Geocoding", metadataLevel="Brief")
    sub(tg, "HORIZONTAL_CS_NAME", info.tile.utm_name)
    sub(tg, "HORIZONTAL_CS_CODE", info.tile.crs)
    for res in (10, 20, 60):
        size = sub(tg, "Size", resolution=res)
        sub(size, "NROWS", pixels(info.size, res))
        sub(size, "NCOLS", pixels(info.size, res))
    for res in (10, 20, 60):
        pos = sub(tg, "Geoposition", resolution=res)
        sub(pos, "ULX", f"{info.tile.ulx:.0f}")
        sub(pos, "ULY", f"{info.tile.uly:.0f}")
        sub(pos, "XDIM", res)
        sub(pos, "YDIM", -res)
    _tile_angles(geo, info)
    qii = ns_sub(top, "Quality_Indicators_Info")
    qii.set("metadataLevel", "Standard")
    _image_content_qi(qii, info, tile=True)
    plq = sub(qii, "Pixel_Level_QI", geometry="FULL_RESOLUTION")
    for mask in lay.mask_files():
        name = mask.rsplit("/", 1)[1]
        kind, band = name[:10], name[11:14]
        attrs = {} if band in ("B00", "20m", "60m") else {"bandId": BAND_INFO[band][0]}
        sub(plq, "MASK_FILENAME", mask, type=kind, **attrs)
    sub(qii, "PVI_FILENAME", f"{lay.granule}/QI_DATA/{lay.stem()}_PVI.jp2")
    write_xml(top, path)
