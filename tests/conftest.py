"""Shared fixtures: where the real sample data lives, and a CLI runner."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

SHARED_DATA = Path(os.environ.get("AI4C_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))


def free_port() -> int:
    """A free TCP port on 127.0.0.1 for servers the tests start."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shared(*parts: str) -> Path:
    """Path inside ../shared/data; tests using it skip when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared sample data not present: {path}")
    return path


def triangle_in(product: Path, xs: tuple[float, ...], ys: tuple[float, ...]) -> str:
    """A lon/lat WKT polygon whose corners lie at fractions (`xs`, `ys`) of a Sentinel-2 product's 10 m extent."""
    import rasterio
    from rasterio.warp import transform

    with rasterio.open(next(product.glob("GRANULE/*/IMG_DATA/R10m/*_B02_10m.jp2"))) as ds:
        left, bottom, right, top = ds.bounds
        crs = ds.crs
    lon, lat = transform(crs, "EPSG:4326", [left + f * (right - left) for f in xs],
                         [bottom + f * (top - bottom) for f in ys])
    return "POLYGON((" + ", ".join(f"{x:.7f} {y:.7f}" for x, y in zip(lon, lat, strict=True)) + "))"


@pytest.fixture
def run_cli(capsys):
    """Run `ai4c ARGS...` in-process; returns (exit code, stdout, stderr)."""
    from ai4c.cli.main import main

    def runner(*args: str) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return runner
