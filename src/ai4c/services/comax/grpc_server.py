"""AI4EU Experiments-compatible gRPC services: DataBroker (NOT_FOUND when exhausted) and COMaxAnalyzer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import grpc

from ai4c.core.errors import Ai4cError, BadInputError
from ai4c.pipelines.comax_params import QA_THRESHOLD, CoMaxParameters, CoMaxServeParameters
from ai4c.services.comax import model_pb2, model_pb2_grpc
from ai4c.services.comax.rest import make_request

DEFAULT_PORT = CoMaxServeParameters.grpc_port


def _abort(context: Any, exc: Ai4cError) -> None:
    """Map an ai4c error to a gRPC status."""
    code = grpc.StatusCode.INVALID_ARGUMENT if isinstance(exc, BadInputError) else grpc.StatusCode.INTERNAL
    context.abort(code, str(exc))


def _result(found: Any) -> model_pb2.COMaxResult:
    return model_pb2.COMaxResult(value=found.value, unit=found.unit, lat=found.lat, lon=found.lon,
                                 time=found.time, product=found.product)


class DataBroker(model_pb2_grpc.DataBrokerServicer):
    """Each call with the same request returns that request's next product."""

    def __init__(self, provider: str, overrides: dict) -> None:
        self.provider, self.overrides = provider, overrides
        self._streams: dict[tuple, Iterator[Any]] = {}
        self._lock = threading.Lock()

    def get_next_product(self, request: Any, context: Any) -> model_pb2.ProductMetadata:
        from shapely.geometry import shape

        from ai4c.pipelines.comax import broker

        key = (request.aoi_wkt, request.start, request.end, request.provider)
        try:
            with self._lock:
                if key not in self._streams:
                    req = make_request(request.aoi_wkt, request.start, request.end, request.provider or self.provider)
                    self._streams[key] = broker(req, **self.overrides)
                product = next(self._streams[key], None)
                if product is None:
                    del self._streams[key]
        except Ai4cError as exc:
            _abort(context, exc)
        if product is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "no more products for this request")
        return model_pb2.ProductMetadata(
            id=product.id, href=product.href, start=product.start.isoformat(), end=product.end.isoformat(),
            footprint_wkt=shape(product.geometry).wkt if product.geometry else "", product_type=product.product_type,
            aoi_wkt=request.aoi_wkt)


class COMaxAnalyzer(model_pb2_grpc.COMaxAnalyzerServicer):
    """Maximum of one product, or of every product of a request."""

    def __init__(self, provider: str, qa_threshold: float, overrides: dict) -> None:
        self.provider, self.qa_threshold, self.overrides = provider, qa_threshold, overrides

    def analyze_product(self, request: Any, context: Any) -> model_pb2.COMaxResult:
        from ai4c.catalog.model import Product, parse_time
        from ai4c.core.aoi import parse_aoi
        from ai4c.pipelines.comax import analyze_product

        try:
            aoi = parse_aoi(request.aoi_wkt) if request.aoi_wkt else None
            product = Product(id=request.id, collection="SENTINEL-5P", product_type=request.product_type,
                              start=parse_time(request.start), end=parse_time(request.end), geometry=None,
                              href=request.href, provider="grpc")
            found = analyze_product(product, aoi.geometry if aoi else None, qa_threshold=self.qa_threshold)
        except Ai4cError as exc:
            _abort(context, exc)
        if found is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "no valid CO pixel in this product and AoI")
        return _result(found)

    def co_max(self, request: Any, context: Any) -> model_pb2.COMaxResult:
        from ai4c.pipelines.comax import co_max

        try:
            req = make_request(request.aoi_wkt, request.start, request.end, request.provider or self.provider)
            found = co_max(req, qa_threshold=self.qa_threshold, **self.overrides)
        except Ai4cError as exc:
            _abort(context, exc)
        if found is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "no valid CO pixel in the AoI and period")
        return _result(found)


def create_server(port: int = DEFAULT_PORT, *, host: str = "0.0.0.0", provider: str = CoMaxParameters.provider,
                  qa_threshold: float = QA_THRESHOLD, **overrides: Any) -> tuple[grpc.Server, int]:
    """A started-ready gRPC server hosting both services; returns (server, bound port)."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    model_pb2_grpc.add_DataBrokerServicer_to_server(DataBroker(provider, overrides), server)
    model_pb2_grpc.add_COMaxAnalyzerServicer_to_server(COMaxAnalyzer(provider, qa_threshold, overrides), server)
    bound = server.add_insecure_port(f"{host}:{port}")
    return server, bound
