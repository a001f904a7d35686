"""OGC WFS 2.0 GetFeature client with paging and an on-disk response cache (EMODnet, GeoServer, ...).

Pages are requested with `count`/`startIndex` until the server has returned `numberMatched` features or
a short page; an `ows:ExceptionReport` becomes an error naming the server's message. Responses are kept
in a cache folder by URL, so a second run reads nothing from the network.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import geopandas as gpd
import pandas as pd

from ai4c.core.errors import DependencyMissingError, InvalidProductError
from ai4c.core.io import write_text_atomic
from ai4c.core.log import warn

FORMATS = {"geojson": "application/json", "gml": "application/gml+xml; version=3.2"}
MAX_PAGES = 10_000


@dataclass(frozen=True)
class WfsRequest:
    """One GetFeature query: server, layer, output format, page size, optional lon/lat bbox."""

    url: str
    type_name: str
    output: str = "geojson"
    page_size: int = 1000
    bbox: tuple[float, float, float, float] | None = None

    def page_url(self, start: int) -> str:
        """The GetFeature URL of the page starting at feature `start`."""
        params = {"service": "WFS", "version": "2.0.0", "request": "GetFeature", "typeNames": self.type_name,
                  "outputFormat": FORMATS[self.output], "count": self.page_size, "startIndex": start,
                  "srsName": "EPSG:4326"}
        if self.bbox:
            params["bbox"] = ",".join(f"{v:.6f}" for v in self.bbox) + ",EPSG:4326"
        return f"{self.url}{'&' if '?' in self.url else '?'}{urlencode(params)}"


def exception_text(body: bytes) -> str | None:
    """The message of an OWS ExceptionReport, or None when the body is not one."""
    head = body[:4096].decode("utf-8", "replace")
    if "ExceptionReport" not in head and "ServiceExceptionReport" not in head:
        return None
    texts = re.findall(r"<(?:ows:)?ExceptionText>(.*?)</(?:ows:)?ExceptionText>", body.decode("utf-8", "replace"),
                       re.S) or re.findall(r"<ServiceException[^>]*>(.*?)</ServiceException>",
                                           body.decode("utf-8", "replace"), re.S)
    return " ".join(t.strip() for t in texts) or "the server answered an exception report"


def fetch(url: str, cache: Path | None, refresh: bool, timeout: float) -> bytes:
    """The response body of `url`, from the cache when present (unless `refresh`)."""
    path = cache / (hashlib.sha256(url.encode()).hexdigest() + ".body") if cache else None
    if path is not None and path.is_file() and not refresh:
        return path.read_bytes()
    import httpx

    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=True)
    except httpx.HTTPError as err:
        raise DependencyMissingError(f"WFS server unreachable: {url.split('?')[0]} ({type(err).__name__}); "
                                     "check --url or your network") from err
    body = response.content
    message = exception_text(body)
    if message is not None:
        raise InvalidProductError(f"the WFS server refused the request: {message}")
    if response.status_code != 200:
        raise InvalidProductError(f"the WFS server answered HTTP {response.status_code} for {url.split('?')[0]}")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".partial")
        tmp.write_bytes(body)
        tmp.replace(path)
        write_text_atomic(path.with_suffix(".url"), url)
    return body


def parse_page(body: bytes, output: str) -> tuple[gpd.GeoDataFrame, int | None]:
    """Features of one page and the server's numberMatched (None when unknown)."""
    if output == "geojson":
        try:
            doc = json.loads(body)
        except json.JSONDecodeError as err:
            raise InvalidProductError(f"the WFS answer is not GeoJSON: {body[:80]!r}") from err
        features = doc.get("features", [])
        frame = (gpd.GeoDataFrame.from_features(features, crs="EPSG:4326") if features
                 else gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"))
        if features and "id" in features[0]:
            frame.insert(0, "feature_id", [f.get("id") for f in features])
        matched = doc.get("numberMatched", doc.get("totalFeatures"))
        return frame, matched if isinstance(matched, int) else None
    frame = gpd.read_file(io.BytesIO(body), engine="pyogrio")
    match = re.search(rb'numberMatched="(\d+)"', body[:4096])
    return frame.to_crs("EPSG:4326") if frame.crs else frame.set_crs("EPSG:4326"), (
        int(match.group(1)) if match else None)


def get_features(request: WfsRequest, cache: Path | None = None, refresh: bool = False,
                 timeout: float = 60.0) -> gpd.GeoDataFrame:
    """Every feature of the layer, page by page (bounded by MAX_PAGES), as one GeoDataFrame."""
    pages, start = [], 0
    for _ in range(MAX_PAGES):
        frame, matched = parse_page(fetch(request.page_url(start), cache, refresh, timeout), request.output)
        pages.append(frame)
        start += len(frame)
        done = len(frame) < request.page_size or (matched is not None and start >= matched)
        if done or len(frame) == 0:
            break
    else:
        warn(f"stopped after {MAX_PAGES} WFS pages ({start} features); narrow the bbox")
    frames = [p for p in pages if len(p)]
    if not frames:
        return gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")
