"""REST front end of the CO-max analyzer: `GET /co-max?aoi=WKT&start=...&end=...` (FastAPI, OpenAPI docs)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse

from ai4c import __version__
from ai4c.core.errors import Ai4cError, BadInputError
from ai4c.pipelines.comax_params import QA_THRESHOLD, CoMaxParameters


def create_app(provider: str = CoMaxParameters.provider, qa_threshold: float = QA_THRESHOLD, **provider_overrides: Any) -> FastAPI:
    """The FastAPI app; `provider_overrides` (catalog, endpoint, ...) configure the broker's provider."""
    app = FastAPI(title="ai4c CO-max analyzer", version=__version__,
                  description="Maximum Sentinel-5P CO total column over an AoI and a period.")

    @app.exception_handler(Ai4cError)
    async def ai4c_error(_request: Any, exc: Ai4cError) -> JSONResponse:
        status = 400 if isinstance(exc, BadInputError) else 500
        return JSONResponse(status_code=status, content={"error": str(exc)})

    @app.get("/co-max", summary="Maximum CO column over the AoI and period")
    def co_max_endpoint(aoi: str = Query(..., description="AoI polygon, WKT in lon/lat"),
                        start: str = Query(..., description="period start, ISO 8601"),
                        end: str = Query(..., description="period end, ISO 8601"),
                        qa: float = Query(qa_threshold, description="keep pixels with qa_value above this")) -> Any:
        from ai4c.pipelines.comax import co_max

        request = make_request(aoi, start, end, provider)
        found = co_max(request, qa_threshold=qa, **provider_overrides)
        if found is None:
            return JSONResponse(status_code=404, content={"error": "no valid CO pixel in the AoI and period"})
        return found.__dict__

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "version": __version__}

    return app


def make_request(aoi: str, start: str, end: str, provider: str):
    """Validated broker request from text parameters (shared by REST and gRPC)."""
    from ai4c.catalog.model import parse_time
    from ai4c.core.aoi import parse_aoi
    from ai4c.core.errors import AoIError
    from ai4c.pipelines.comax import BrokerRequest

    parsed = parse_aoi(aoi)
    if parsed is None:
        raise AoIError("an AoI is required; give a WKT polygon in lon/lat")
    begin, finish = parse_time(start), parse_time(end)
    if begin is None or finish is None or finish <= begin:
        raise BadInputError(f"the period {start!r} .. {end!r} is reversed or empty; give start before end")
    return BrokerRequest(aoi=parsed.geometry, start=begin, end=finish, provider=provider)
