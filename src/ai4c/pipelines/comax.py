"""The seed's sample use case: an EO data broker (S5P CO products, one by one) and a CO-max analyzer."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from shapely.geometry.base import BaseGeometry

from ai4c.atmosphere.co import ColumnMax, larger, swath_max
from ai4c.catalog.model import Product, SearchQuery
from ai4c.catalog.search import search
from ai4c.catalog.storage import fetch_to, s3_client
from ai4c.pipelines.comax_params import QA_THRESHOLD

CO_VARIABLE = "carbonmonoxide_total_column"


@dataclass(frozen=True)
class BrokerRequest:
    """What the broker searches: an AoI (lon/lat), a period, a provider."""

    aoi: BaseGeometry
    start: dt.datetime
    end: dt.datetime
    provider: str = "local"
    collection: str = "SENTINEL-5P"
    product_type: str = "L2__CO____"
    max_results: int = 1000


def broker(request: BrokerRequest, **provider_overrides: object) -> Iterator[Product]:
    """Yield the metadata of every matching S5P product, one at a time (the data broker)."""
    query = SearchQuery(collection=request.collection, product_type=request.product_type, start=request.start,
                        end=request.end, aoi=request.aoi, max_results=request.max_results)
    yield from search(query, request.provider, **provider_overrides)


def analyze_product(product: Product, aoi: BaseGeometry | None, *, qa_threshold: float = QA_THRESHOLD,
                    variable: str = CO_VARIABLE, s3: object | None = None) -> ColumnMax | None:
    """Read one product (local path or s3://) and return its CO maximum inside the AoI."""
    from ai4c.products.sentinel5p import read_swath

    with tempfile.TemporaryDirectory() as scratch:
        remote = product.href.startswith(("s3://", "/eodata/"))
        local = fetch_to(product.href, Path(scratch) / "product.nc", s3 or (s3_client() if remote else None))
        swath = read_swath(local, variable)
    found = swath_max(swath.values, swath.qa_value, swath.latitude, swath.longitude, swath.time_utc, aoi,
                      qa_threshold)
    if found is None:
        return None
    value, row, col = found
    when = np.datetime_as_string(swath.time_utc[row], unit="ms") + "Z"
    return ColumnMax(value, swath.units, float(swath.latitude[row, col]), float(swath.longitude[row, col]), when,
                     product.id)


def co_max(request: BrokerRequest, *, qa_threshold: float = QA_THRESHOLD, **provider_overrides: object) -> ColumnMax | None:
    """The maximum CO column over every product the broker yields (None when nothing valid is found)."""
    best: ColumnMax | None = None
    s3 = None
    for product in broker(request, **provider_overrides):
        if s3 is None and product.href.startswith(("s3://", "/eodata/")):
            s3 = s3_client()
        best = larger(best, analyze_product(product, request.aoi, qa_threshold=qa_threshold, s3=s3))
    return best
