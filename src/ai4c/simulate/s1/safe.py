"""Write simulated Sentinel-1 GRD metadata in the SAFE layout of the real products: annotation, calibration
and noise XML and the manifest (the measurement GeoTIFF is written by simulate.s1.grd)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from lxml import etree

from ai4c.products.sentinel1 import CoordinateConversion, GeolocationGrid, Lut, Noise, OrbitVectors

E = etree.SubElement


def iso(epoch: np.datetime64, seconds: float | np.ndarray) -> str:
    """Annotation time text of `seconds` after `epoch` (microseconds)."""
    value = epoch + np.timedelta64(int(round(float(seconds) * 1e9)), "ns")
    return str(np.datetime_as_string(value, unit="us"))


def _num(value: float) -> str:
    return f"{value:.15e}"


def _vec(values) -> str:
    return " ".join(f"{v:.6e}" if isinstance(v, float | np.floating) else str(v) for v in values)


def _header(parent, info: dict) -> None:
    """The adsHeader block shared by annotation, calibration and noise files."""
    head = E(parent, "adsHeader")
    for tag, key in (("missionId", "mission"), ("productType", "type"), ("polarisation", "pol"), ("mode", "mode"),
                     ("swath", "mode"), ("startTime", "start"), ("stopTime", "stop"),
                     ("absoluteOrbitNumber", "orbit"), ("missionDataTakeId", "datatake"), ("imageNumber", "image")):
        E(head, tag).text = str(info[key])


def annotation_xml(info: dict, orbit: OrbitVectors, grid: GeolocationGrid, conv: CoordinateConversion,
                   image: dict) -> bytes:
    """The product annotation (the parts GRD readers use, in ESA's element order)."""
    root = etree.Element("product")
    epoch = orbit.epoch
    _header(root, info)
    quality = E(root, "qualityInformation")
    E(quality, "productQualityIndex").text = _num(0.0)
    general = E(root, "generalAnnotation")
    prod = E(general, "productInformation")
    for tag, value in (("pass", info["pass"]), ("timelinessCategory", "Fast-24h"),
                       ("platformHeading", _num(info["heading"])), ("projection", "Ground Range"),
                       ("rangeSamplingRate", _num(6.434523812571428e07)), ("radarFrequency", _num(5.405000454334350e09)),
                       ("azimuthSteeringRate", _num(1.590368784))):
        E(prod, tag).text = str(value)
    down = E(E(general, "downlinkInformationList", count="1"), "downlinkInformation")
    E(down, "swath").text = "IW1"
    E(down, "prf").text = _num(1717.128973878037)
    orbits = E(general, "orbitList", count=str(orbit.time.size))
    for t, p, v in zip(orbit.time, orbit.position, orbit.velocity, strict=True):
        node = E(orbits, "orbit")
        E(node, "time").text = iso(epoch, t)
        E(node, "frame").text = "Earth Fixed"
        for name, vec in (("position", p), ("velocity", v)):
            sub = E(node, name)
            for axis, value in zip("xyz", vec, strict=True):
                E(sub, axis).text = _num(value)
    E(general, "attitudeList", count="0")
    img = E(E(root, "imageAnnotation"), "imageInformation")
    for tag in ("productFirstLineUtcTime", "productLastLineUtcTime", "ascendingNodeTime", "anchorTime",
                "productComposition", "sliceNumber", "slantRangeTime", "pixelValue", "outputPixels",
                "rangePixelSpacing", "azimuthPixelSpacing", "azimuthTimeInterval", "azimuthFrequency",
                "numberOfSamples", "numberOfLines", "zeroDopMinusAcqTime", "incidenceAngleMidSwath"):
        E(img, tag).text = str(image[tag])
    E(E(root, "dopplerCentroid"), "dcEstimateList", count="0")
    E(E(root, "antennaPattern"), "antennaPatternList", count="0")
    timing = E(root, "swathTiming")
    E(timing, "linesPerBurst").text = "0"
    E(timing, "samplesPerBurst").text = "0"
    E(timing, "burstList", count="0")
    points = E(E(root, "geolocationGrid"), "geolocationGridPointList", count=str(grid.line.size))
    for k in range(grid.line.size):
        node = E(points, "geolocationGridPoint")
        E(node, "azimuthTime").text = iso(epoch, grid.azimuth_time[k])
        E(node, "slantRangeTime").text = _num(grid.slant_range_time[k])
        E(node, "line").text = str(int(grid.line[k]))
        E(node, "pixel").text = str(int(grid.pixel[k]))
        for tag, arr in (("latitude", grid.latitude), ("longitude", grid.longitude), ("height", grid.height),
                         ("incidenceAngle", grid.incidence_angle), ("elevationAngle", grid.incidence_angle - 3)):
            E(node, tag).text = _num(arr[k])
    records = E(E(root, "coordinateConversion"), "coordinateConversionList", count=str(conv.azimuth_time.size))
    for k in range(conv.azimuth_time.size):
        node = E(records, "coordinateConversion")
        E(node, "azimuthTime").text = iso(epoch, conv.azimuth_time[k])
        E(node, "slantRangeTime").text = _num(2 * conv.sr0[k] / 299792458.0)
        E(node, "sr0").text = _num(conv.sr0[k])
        E(node, "srgrCoefficients", count=str(conv.srgr.shape[1])).text = " ".join(_num(c) for c in conv.srgr[k])
        E(node, "gr0").text = _num(conv.gr0[k])
        E(node, "grsrCoefficients", count=str(conv.grsr.shape[1])).text = " ".join(_num(c) for c in conv.grsr[k])
    E(E(root, "swathMerging"), "swathMergeList", count="0")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _lut_vectors(parent, list_tag: str, item_tag: str, lut: Lut, names: dict[str, str], epoch) -> None:
    """calibrationVectorList / noiseRangeVectorList / noiseVectorList."""
    vectors = E(parent, list_tag, count=str(lut.line.size))
    for i in range(lut.line.size):
        node = E(vectors, item_tag)
        E(node, "azimuthTime").text = iso(epoch, lut.azimuth_time[i])
        E(node, "line").text = str(int(lut.line[i]))
        E(node, "pixel", count=str(lut.pixel[i].size)).text = _vec(int(p) for p in lut.pixel[i])
        for key, tag in names.items():
            E(node, tag, count=str(lut.pixel[i].size)).text = _vec(float(v) for v in lut.values[key][i])


def calibration_xml(info: dict, lut: Lut, epoch) -> bytes:
    """calibration-*.xml."""
    root = etree.Element("calibration")
    _header(root, info)
    E(E(root, "calibrationInformation"), "absoluteCalibrationConstant").text = "1.000000e+00"
    _lut_vectors(root, "calibrationVectorList", "calibrationVector", lut,
                 {k: k for k in ("sigmaNought", "betaNought", "gamma", "dn")}, epoch)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def noise_xml(info: dict, noise: Noise, epoch) -> bytes:
    """noise-*.xml in the old (IPF < 2.9) or the range + azimuth format."""
    root = etree.Element("noise")
    _header(root, info)
    if not noise.new_format:
        _lut_vectors(root, "noiseVectorList", "noiseVector", noise.range_lut, {"noise": "noiseLut"}, epoch)
    else:
        _lut_vectors(root, "noiseRangeVectorList", "noiseRangeVector", noise.range_lut,
                     {"noise": "noiseRangeLut"}, epoch)
        blocks = E(root, "noiseAzimuthVectorList", count=str(len(noise.azimuth)))
        for b in noise.azimuth:
            node = E(blocks, "noiseAzimuthVector")
            for tag, value in (("swath", b.swath), ("firstAzimuthLine", b.first_line),
                               ("firstRangeSample", b.first_sample), ("lastAzimuthLine", b.last_line),
                               ("lastRangeSample", b.last_sample)):
                E(node, tag).text = str(value)
            E(node, "line", count=str(b.line.size)).text = _vec(int(v) for v in b.line)
            E(node, "noiseAzimuthLut", count=str(b.lut.size)).text = _vec(float(v) for v in b.lut)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<xfdu:XFDU xmlns:xfdu="urn:ccsds:schema:xfdu:1" xmlns:gml="http://www.opengis.net/gml" xmlns:safe="http://www.esa.int/safe/sentinel-1.0" xmlns:s1="http://www.esa.int/safe/sentinel-1.0/sentinel-1" xmlns:s1sar="http://www.esa.int/safe/sentinel-1.0/sentinel-1/sar" xmlns:s1sarl1="http://www.esa.int/safe/sentinel-1.0/sentinel-1/sar/level-1" version="esa/safe/sentinel-1.0/sentinel-1/sar/level-1/grd/standard/iwdp">
  <informationPackageMap>
    <xfdu:contentUnit unitType="SAFE Archive Information Package" textInfo="Sentinel-1 {mode} Level-1 GRD Product" dmdID="acquisitionPeriod platform generalProductInformation measurementOrbitReference measurementFrameSet" pdiID="processing">
{units}
    </xfdu:contentUnit>
  </informationPackageMap>
  <metadataSection>
    <metadataObject ID="processing" classification="PROVENANCE" category="PDI">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="Processing"><xmlData>
        <safe:processing name="GRD Post Processing" start="{start}" stop="{stop}">
          <safe:facility country="Earth" name="ai4c simulator" organisation="ai4c" site="local">
            <safe:software name="Sentinel-1 IPF" version="{ipf}"/>
          </safe:facility>
        </safe:processing>
      </xmlData></metadataWrap>
    </metadataObject>
    <metadataObject ID="platform" classification="DESCRIPTION" category="DMD">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="Platform Description"><xmlData>
        <safe:platform><safe:nssdcIdentifier>2014-016A</safe:nssdcIdentifier><safe:familyName>SENTINEL-1</safe:familyName><safe:number>{number}</safe:number>
          <safe:instrument><safe:familyName abbreviation="SAR">Synthetic Aperture Radar</safe:familyName>
            <safe:extension><s1sarl1:instrumentMode><s1sarl1:mode>{mode}</s1sarl1:mode><s1sarl1:swath>{mode}</s1sarl1:swath></s1sarl1:instrumentMode></safe:extension>
          </safe:instrument></safe:platform>
      </xmlData></metadataWrap>
    </metadataObject>
    <metadataObject ID="measurementOrbitReference" classification="DESCRIPTION" category="DMD">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="Orbit Reference"><xmlData>
        <safe:orbitReference><safe:orbitNumber type="start">{orbit}</safe:orbitNumber><safe:orbitNumber type="stop">{orbit}</safe:orbitNumber>
          <safe:relativeOrbitNumber type="start">{relorbit}</safe:relativeOrbitNumber><safe:relativeOrbitNumber type="stop">{relorbit}</safe:relativeOrbitNumber>
          <safe:cycleNumber>1</safe:cycleNumber><safe:phaseIdentifier>1</safe:phaseIdentifier>
          <safe:extension><s1:orbitProperties><s1:pass>{pass_upper}</s1:pass><s1:ascendingNodeTime>{start}</s1:ascendingNodeTime></s1:orbitProperties></safe:extension>
        </safe:orbitReference>
      </xmlData></metadataWrap>
    </metadataObject>
    <metadataObject ID="generalProductInformation" classification="DESCRIPTION" category="DMD">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="General Product Information"><xmlData>
        <s1sarl1:standAloneProductInformation>
          <s1sarl1:instrumentConfigurationID>1</s1sarl1:instrumentConfigurationID><s1sarl1:missionDataTakeID>{datatake}</s1sarl1:missionDataTakeID>
{pols}
          <s1sarl1:productClass>S</s1sarl1:productClass><s1sarl1:productComposition>Slice</s1sarl1:productComposition>
          <s1sarl1:productType>GRD</s1sarl1:productType><s1sarl1:productTimelinessCategory>Fast-24h</s1sarl1:productTimelinessCategory>
        </s1sarl1:standAloneProductInformation>
      </xmlData></metadataWrap>
    </metadataObject>
    <metadataObject ID="acquisitionPeriod" classification="DESCRIPTION" category="DMD">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="Acquisition Period"><xmlData>
        <safe:acquisitionPeriod><safe:startTime>{start}</safe:startTime><safe:stopTime>{stop}</safe:stopTime></safe:acquisitionPeriod>
      </xmlData></metadataWrap>
    </metadataObject>
    <metadataObject ID="measurementFrameSet" classification="DESCRIPTION" category="DMD">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="Frame Set"><xmlData>
        <safe:frameSet><safe:frame><safe:footPrint srsName="http://www.opengis.net/gml/srs/epsg.xml#4326"><gml:coordinates>{footprint}</gml:coordinates></safe:footPrint></safe:frame></safe:frameSet>
      </xmlData></metadataWrap>
    </metadataObject>
  </metadataSection>
  <dataObjectSection>
{objects}
  </dataObjectSection>
</xfdu:XFDU>
"""

REP = {"annotation": "s1Level1ProductSchema", "calibration": "s1Level1CalibrationSchema",
       "noise": "s1Level1NoiseSchema", "measurement": "s1Level1MeasurementSchema"}


def manifest_xml(info: dict, files: list[tuple[str, str]], root: Path, footprint: str) -> bytes:
    """manifest.safe listing `files` [(kind, relative path)], with sizes taken from disk."""
    units, objects = [], []
    for kind, rel in files:
        ident = kind + Path(rel).stem.replace("-", "")
        unit_type = "Measurement Data Unit" if kind == "measurement" else "Metadata Unit"
        units.append(f'      <xfdu:contentUnit unitType="{unit_type}" repID="{REP[kind]}">'
                     f'<dataObjectPointer dataObjectID="{ident}"/></xfdu:contentUnit>')
        mime = "application/octet-stream" if kind == "measurement" else "text/xml"
        objects.append(f'    <dataObject ID="{ident}" repID="{REP[kind]}"><byteStream mimeType="{mime}" '
                       f'size="{(root / rel).stat().st_size}"><fileLocation locatorType="URL" href="./{rel}"/>'
                       f'</byteStream></dataObject>')
    pols = "\n".join(f"          <s1sarl1:transmitterReceiverPolarisation>{p}</s1sarl1:transmitterReceiverPolarisation>"
                     for p in info["pols"])
    values = {**info, "pols": pols}
    text = MANIFEST.format(units="\n".join(units), objects="\n".join(objects), footprint=footprint,
                           pass_upper=info["pass"].upper(), number=info["mission"][-1], **values)
    return text.encode()
