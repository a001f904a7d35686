"""Remote catalogue clients: resto OpenSearch (CREODIAS Finder), CDSE OData, and any STAC API.

Each client turns a SearchQuery into the provider's URL shape, follows its paging and parses its
responses into Products; endpoints come from configuration (providers.yaml), never from code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
from shapely import wkt as shapely_wkt
from shapely.geometry import box, mapping

from ai4c.catalog.model import Product, SearchQuery, iso_z, parse_time
from ai4c.core.errors import BadInputError

USER_AGENT = "ai4c-catalog"


def _get_json(client: httpx.Client, url: str, params: dict | None = None) -> Any:
    """GET a JSON document, turning network failures into one-line errors."""
    try:
        response = client.get(url, params=params)
    except httpx.TimeoutException as err:
        raise BadInputError(f"catalogue {url} did not answer in time; check the endpoint or raise 'timeout'") from err
    except httpx.HTTPError as exc:
        raise BadInputError(f"catalogue {url} is unreachable ({type(exc).__name__}); check the endpoint") from exc
    if response.status_code >= 400:
        raise BadInputError(f"catalogue {url} answered HTTP {response.status_code}: {response.text[:200]!r}")
    try:
        return response.json()
    except ValueError as err:
        raise BadInputError(f"catalogue {url} did not return JSON") from err


def _aoi_wkt(query: SearchQuery) -> str:
    """The AoI as WKT, the whole globe when none is given."""
    return (query.aoi if query.aoi is not None else box(-180, -90, 180, 90)).wkt


class RestoClient:
    """resto OpenSearch (CREODIAS Finder): /api/collections/{collection}/search.json with page paging."""

    def __init__(self, name: str, config: dict) -> None:
        self.name, self.config = name, config

    def search_url(self, query: SearchQuery) -> str:
        """The collection's search URL."""
        collection = self.config.get("collections", {}).get(query.collection, query.collection)
        return f"{self.config['endpoint'].rstrip('/')}/api/collections/{collection}/search.json"

    def params(self, query: SearchQuery, page: int) -> dict:
        """resto query parameters for one page."""
        params = {"startDate": iso_z(query.start), "completionDate": iso_z(query.end), "geometry": _aoi_wkt(query),
                  "maxRecords": min(int(self.config.get("page_size", 100)), query.max_results), "page": page,
                  "sortParam": "startDate", "sortOrder": "ascending", "status": "all"}
        if query.product_type:
            params["productType"] = query.product_type
        return params

    def search(self, query: SearchQuery, client: httpx.Client) -> Iterator[Product]:
        """All matching products, page after page, until the provider has no more or max is reached."""
        count, page = 0, 1
        while count < query.max_results:
            body = _get_json(client, self.search_url(query), self.params(query, page))
            features = body.get("features") or []
            for feature in features:
                yield self.parse(feature, query.collection)
                count += 1
                if count >= query.max_results:
                    return
            total = (body.get("properties") or {}).get("totalResults")
            per_page = self.params(query, page)["maxRecords"]
            if not features or len(features) < per_page or (isinstance(total, int) and page * per_page >= total):
                return
            page += 1

    def parse(self, feature: dict, collection: str) -> Product:
        """One resto feature -> Product."""
        props = feature.get("properties", {})
        services = props.get("services") or {}
        download = (services.get("download") or {}).get("url")
        href = props.get("productIdentifier") or download or ""
        checksum = {"MD5": str(props["resourceChecksum"]).lower()} if props.get("resourceChecksum") else {}
        start = parse_time(props.get("startDate"))
        title = props.get("title") or str(feature.get("id"))
        return Product(id=str(feature.get("id")), title=title, collection=collection,
                       product_type=props.get("productType") or "", start=start,
                       end=parse_time(props.get("completionDate")) or start, geometry=feature.get("geometry"),
                       href=href, provider=self.name, size=props.get("resourceSize") or None, checksum=checksum,
                       cloud_cover=props.get("cloudCover"), relative_orbit=props.get("relativeOrbitNumber"),
                       platform=props.get("platform"), properties={"download_url": download} if download else {})


class ODataClient:
    """Copernicus Data Space OData: $filter with Intersects, ContentDate and Attributes; @odata.nextLink paging."""

    def __init__(self, name: str, config: dict) -> None:
        self.name, self.config = name, config

    def filter(self, query: SearchQuery) -> str:
        """The OData $filter expression of the query."""
        collection = self.config.get("collections", {}).get(query.collection, query.collection)
        parts = [f"Collection/Name eq '{collection}'",
                 f"OData.CSC.Intersects(area=geography'SRID=4326;{_aoi_wkt(query)}')",
                 f"ContentDate/Start lt {iso_z(query.end)}", f"ContentDate/End gt {iso_z(query.start)}"]
        if query.product_type:
            parts.append("Attributes/OData.CSC.StringAttribute/any(att:att/Name eq 'productType' and "
                         f"att/OData.CSC.StringAttribute/Value eq '{query.product_type}')")
        return " and ".join(parts)

    def search(self, query: SearchQuery, client: httpx.Client) -> Iterator[Product]:
        """Follow @odata.nextLink until exhausted or max reached."""
        url = f"{self.config['endpoint'].rstrip('/')}/Products"
        params: dict | None = {"$filter": self.filter(query), "$orderby": "ContentDate/Start asc",
                               "$top": min(int(self.config.get("page_size", 100)), query.max_results),
                               "$expand": "Attributes"}
        count = 0
        while url:
            body = _get_json(client, url, params)
            for entry in body.get("value", []):
                yield self.parse(entry, query.collection)
                count += 1
                if count >= query.max_results:
                    return
            url, params = body.get("@odata.nextLink"), None

    def parse(self, entry: dict, collection: str) -> Product:
        """One OData product entry -> Product."""
        attributes = {a.get("Name"): a.get("Value") for a in entry.get("Attributes") or []}
        content = entry.get("ContentDate") or {}
        geometry = entry.get("GeoFootprint") or _odata_footprint(entry.get("Footprint"))
        checksum = {c["Algorithm"]: c["Value"] for c in entry.get("Checksum") or [] if c.get("Value")}
        name = entry.get("Name") or str(entry.get("Id"))
        start = parse_time(content.get("Start"))
        return Product(id=str(entry.get("Id")), title=name, collection=collection,
                       product_type=attributes.get("productType") or "", start=start,
                       end=parse_time(content.get("End")) or start, geometry=geometry,
                       href=entry.get("S3Path") or "", provider=self.name, size=entry.get("ContentLength"),
                       checksum=checksum, cloud_cover=attributes.get("cloudCover"),
                       relative_orbit=attributes.get("relativeOrbitNumber"),
                       platform=attributes.get("platformShortName"),
                       properties={"download_url": f"{self.config['endpoint'].rstrip('/')}/Products({entry.get('Id')})/$value"})


def _odata_footprint(text: str | None) -> dict | None:
    """geography'SRID=4326;POLYGON(...)' -> GeoJSON."""
    if not text:
        return None
    match = re.search(r"SRID=\d+;(.*)'", text)
    return mapping(shapely_wkt.loads(match.group(1))) if match else None


class StacClient:
    """Any STAC API through pystac-client (`/search` with intersects, datetime, collections)."""

    def __init__(self, name: str, config: dict) -> None:
        self.name, self.config = name, config

    def search(self, query: SearchQuery, client: httpx.Client) -> Iterator[Product]:
        """Items of the mapped collection; product type filtered on the item properties."""
        from pystac_client import Client
        from pystac_client.exceptions import APIError

        collection = self.config.get("collections", {}).get(query.collection, query.collection)
        try:
            api = Client.open(self.config["endpoint"], timeout=float(self.config.get("timeout", 30)))
            search = api.search(collections=[collection], datetime=[query.start, query.end],
                                method=str(self.config.get("method", "GET")).upper(),
                                intersects=mapping(query.aoi) if query.aoi is not None else None,
                                limit=min(int(self.config.get("page_size", 100)), query.max_results))
            count = 0
            for item in search.items():
                product = self.parse(item.to_dict(), query.collection)
                if query.product_type and product.product_type and product.product_type != query.product_type:
                    continue
                yield product
                count += 1
                if count >= query.max_results:
                    return
        except (APIError, OSError) as exc:
            raise BadInputError(f"STAC API {self.config['endpoint']} failed: {str(exc)[:200]}") from exc

    def parse(self, item: dict, collection: str) -> Product:
        """One STAC Item -> Product (first data asset as href)."""
        props = item.get("properties", {})
        start = parse_time(props.get("start_datetime") or props.get("datetime"))
        assets = item.get("assets", {})
        href = next((a["href"] for a in assets.values() if "data" in (a.get("roles") or [])),
                    next((a["href"] for a in assets.values()), ""))
        product_type = props.get("product:type") or props.get("s2:product_type") or props.get("sar:product_type") or ""
        return Product(id=item["id"], title=props.get("title") or item["id"], collection=collection,
                       product_type=product_type, start=start, end=parse_time(props.get("end_datetime")) or start,
                       geometry=item.get("geometry"), href=href, provider=self.name,
                       cloud_cover=props.get("eo:cloud_cover"), relative_orbit=props.get("sat:relative_orbit"),
                       platform=props.get("platform"))


CLIENTS = {"resto": RestoClient, "odata": ODataClient, "stac": StacClient}
