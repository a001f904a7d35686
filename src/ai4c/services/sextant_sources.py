"""Where Sextant's layers come from: SPARQL endpoints through a server-side proxy (no CORS in the
browser), files in the data folders or uploaded, saved map documents. Paths never leave the folders
the server was given."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ai4c.core.errors import Ai4cError, BadInputError, InputNotFoundError, InvalidParameterError
from ai4c.core.tiles import is_url

LOCAL_ENDPOINT = "local"
RASTER_SUFFIXES = (".tif", ".tiff", ".geotiff", ".cog")
MAX_UPLOAD = 512 * 1024 * 1024
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class EndpointError(Ai4cError):
    """A SPARQL endpoint that failed: `status` is the HTTP status the page gets (400, 502 or 504)."""

    def __init__(self, message: str, status: int = 502) -> None:
        super().__init__(message)
        self.status = status
        self.exit_code = 2 if status == 400 else 1


def default_state_dir() -> Path:
    """Where uploads and saved maps go: $AI4C_SEXTANT_DIR, else ~/.cache/ai4c/sextant."""
    if os.environ.get("AI4C_SEXTANT_DIR"):
        return Path(os.environ["AI4C_SEXTANT_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ai4c" / "sextant"


@dataclass
class Sources:
    """The endpoints, folders and query function one Sextant server works with."""

    endpoints: list[str] = field(default_factory=list)
    any_endpoint: bool = False
    data_dirs: list[Path] = field(default_factory=list)
    state_dir: Path = field(default_factory=default_state_dir)
    local_query: Callable[[str], bytes] | None = None
    timeout: float = 60.0

    def __post_init__(self) -> None:
        self.data_dirs = [Path(d).resolve() for d in self.data_dirs]
        self.state_dir = Path(self.state_dir)

    @property
    def upload_dir(self) -> Path:
        return self.state_dir / "uploads"

    @property
    def map_dir(self) -> Path:
        return self.state_dir / "maps"

    def endpoint_choices(self) -> list[str]:
        return ([LOCAL_ENDPOINT] if self.local_query else []) + list(self.endpoints)

    # ------------------------------------------------------------------ SPARQL proxy
    def check_endpoint(self, endpoint: str) -> str:
        """The endpoint if this server may query it (listed, local, or any http(s) URL when allowed)."""
        if endpoint == LOCAL_ENDPOINT and self.local_query:
            return endpoint
        if endpoint in self.endpoints:
            return endpoint
        if self.any_endpoint and is_url(endpoint):
            return endpoint
        allowed = ", ".join(self.endpoint_choices()) or "none"
        raise InvalidParameterError(f"endpoint {endpoint!r} is not served here; use one of: {allowed} "
                                    "(start `ai4c sextant serve` with --endpoint URL or --any-endpoint)")

    def check_url(self, url: str) -> str:
        """A raster URL (COG) the server may read: only when started with --any-endpoint."""
        if self.any_endpoint and is_url(url):
            return url
        raise InvalidParameterError(f"{url}: this server reads no remote rasters; start `ai4c sextant serve` "
                                    "with --any-endpoint, or put the file in a --data folder")

    async def sparql(self, endpoint: str, query: str) -> dict:
        """SPARQL JSON results of `query` at `endpoint`; the endpoint's own message on failure."""
        from starlette.concurrency import run_in_threadpool

        endpoint = self.check_endpoint(endpoint)
        if not query.strip():
            raise InvalidParameterError("the query is empty")
        if endpoint == LOCAL_ENDPOINT:
            body = await run_in_threadpool(self.local_query, query)
        else:
            body = await self._remote(endpoint, query)
        try:
            return json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise EndpointError(f"{endpoint} did not answer SPARQL JSON results (is it a SELECT query?)",
                                400) from err

    async def _remote(self, endpoint: str, query: str) -> bytes:
        import httpx

        headers = {"Accept": "application/sparql-results+json", "User-Agent": "ai4c-sextant"}
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(endpoint, data={"query": query}, headers=headers)
        except httpx.TimeoutException as err:
            raise EndpointError(f"{endpoint} did not answer within {self.timeout:g} s", 504) from err
        except httpx.HTTPError as err:
            raise EndpointError(f"{endpoint} cannot be reached: {err}", 502) from err
        if response.status_code >= 400:
            message = response.text.strip()[:2000] or response.reason_phrase
            status = 400 if response.status_code in (400, 422) else 502
            raise EndpointError(f"{endpoint} answered HTTP {response.status_code}: {message}", status)
        return response.content

    # ------------------------------------------------------------------ files
    def resolve_file(self, name: str) -> Path:
        """A file named relative to a data folder or the upload folder; never outside them."""
        roots = [*self.data_dirs, self.upload_dir.resolve()]
        for root in roots:
            candidate = (root / name).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                return candidate
        raise InputNotFoundError(f"file {name!r} is in none of the server's data folders; "
                                 "upload it or start the server with --data FOLDER")

    def list_files(self) -> list[str]:
        """Map-able files of the data folders and uploads (relative names)."""
        from ai4c.products.vector_files import FORMATS

        suffixes = set(FORMATS) | set(RASTER_SUFFIXES)
        names: list[str] = []
        for root in [*self.data_dirs, self.upload_dir]:
            if root.is_dir():
                names += sorted(str(p.relative_to(root)) for p in root.rglob("*")
                                if p.is_file() and p.suffix.lower() in suffixes)
        return names

    def save_upload(self, name: str, data: bytes) -> str:
        """Keep an uploaded file under a content-addressed name; returns the name maps refer to."""
        from ai4c.core.io import atomic_path

        if not data:
            raise InvalidParameterError(f"{name}: the uploaded file is empty")
        if len(data) > MAX_UPLOAD:
            raise InvalidParameterError(f"{name}: uploads are limited to {MAX_UPLOAD // 2 ** 20} MB; "
                                        "put large files in a --data folder")
        clean = _SAFE_NAME.sub("_", Path(name).name).strip("._") or "upload"
        stored = f"{hashlib.sha256(data).hexdigest()[:16]}-{clean}"
        target = self.upload_dir / stored
        if not target.exists():  # content-addressed: an existing file holds these bytes
            with atomic_path(target) as tmp:  # (creates the folder)
                tmp.write_bytes(data)
        return stored

    # ------------------------------------------------------------------ saved maps
    def save_map(self, doc: dict) -> str:
        """Store a checked map document; its id is the hash of its content, so a map saved again is
        already there (and `ai4c sextant serve`, run without --overwrite, must not write it twice)."""
        from ai4c.core.io import write_text_atomic
        from ai4c.linked.viewer.mapdoc import check_map

        text = json.dumps(check_map(doc), sort_keys=True, indent=1)
        map_id = hashlib.sha256(text.encode()).hexdigest()[:16]
        target = self.map_dir / f"{map_id}.json"
        if not target.exists():
            write_text_atomic(target, text)  # (creates the folder)
        return map_id

    def load_map(self, map_id: str) -> dict:
        from ai4c.linked.viewer.mapdoc import read_map

        if not re.fullmatch(r"[0-9a-f]{16}", map_id):
            raise InvalidParameterError(f"map id {map_id!r} is not a saved map's id (16 hex digits)")
        return read_map(self.map_dir / f"{map_id}.json")


def http_status(err: Exception) -> int:
    """HTTP status of an error a route raised: 400 for what the user can fix, the endpoint's mapping."""
    if isinstance(err, EndpointError):
        return err.status
    if isinstance(err, InputNotFoundError):
        return 404
    return 400 if isinstance(err, BadInputError) else 500
