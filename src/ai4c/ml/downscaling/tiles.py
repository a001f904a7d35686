"""Paired tiles (low-res size x size <-> high-res size*factor squared) and the normalisation of variables."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

LOG_VARIABLES = ("pm2p5", "pm10", "pm1", "no2", "o3", "so2", "co", "nh3", "no", "dust")


@dataclass(frozen=True)
class TileGrid:
    """The AoI snapped to whole tiles: low-res cells (ny, nx) of `lowres_deg`, nested high-res cells."""

    lon0: float
    lat0: float
    lowres_deg: float
    factor: int
    ny: int
    nx: int
    size: int
    stride: int

    @property
    def hires_deg(self) -> float:
        """High-resolution cell size in degrees."""
        return self.lowres_deg / self.factor

    def lats(self, hires: bool) -> np.ndarray:
        """Ascending cell-centre latitudes."""
        step, n = (self.hires_deg, self.ny * self.factor) if hires else (self.lowres_deg, self.ny)
        return np.round(self.lat0 + step * (np.arange(n) + 0.5), 6)

    def lons(self, hires: bool) -> np.ndarray:
        """Ascending cell-centre longitudes."""
        step, n = (self.hires_deg, self.nx * self.factor) if hires else (self.lowres_deg, self.nx)
        return np.round(self.lon0 + step * (np.arange(n) + 0.5), 6)

    def positions(self, stride: int | None = None) -> list[tuple[int, int]]:
        """Low-res (row, col) of every tile's first cell at `stride` (default: the training stride)."""
        step = stride or self.stride
        return [(i, j) for i in range(0, self.ny - self.size + 1, step) for j in range(0, self.nx - self.size + 1, step)]

    def to_dict(self) -> dict:
        """JSON-able form (stored in Zarr attributes and checkpoints)."""
        return asdict(self)


def cut(field: np.ndarray, positions: list[tuple[int, int]], size: int, scale: int = 1) -> np.ndarray:
    """Tiles of (..., H, W) at low-res positions -> (..., P, size*scale, size*scale)."""
    n = size * scale
    return np.stack([field[..., i * scale:i * scale + n, j * scale:j * scale + n] for i, j in positions], axis=-3)


def assemble(tiles: np.ndarray, positions: list[tuple[int, int]], shape: tuple[int, int], scale: int) -> np.ndarray:
    """Put non-overlapping tiles (..., P, n, n) back into maps (..., H, W)."""
    n = tiles.shape[-1]
    out = np.full((*tiles.shape[:-3], *shape), np.nan, dtype=tiles.dtype)
    for k, (i, j) in enumerate(positions):
        out[..., i * scale:i * scale + n, j * scale:j * scale + n] = tiles[..., k, :, :]
    return out


def assemble_central(tiles: np.ndarray, grid: TileGrid) -> np.ndarray:
    """Maps (..., H, W) from overlapping tiles at the training stride, each cell taken from the tile where it
    is most central (no averaging, so the ensemble spread is kept and tile-edge effects are cut away)."""
    size, stride, f = grid.size, grid.stride, grid.factor
    margin = (size - stride) // 2
    out = np.full((*tiles.shape[:-3], grid.ny * f, grid.nx * f), np.nan, dtype=tiles.dtype)
    rows = sorted({p[0] for p in grid.positions()})
    cols = sorted({p[1] for p in grid.positions()})
    for k, (i, j) in enumerate(grid.positions()):
        r0 = 0 if i == rows[0] else margin
        r1 = size if i == rows[-1] else size - margin
        c0 = 0 if j == cols[0] else margin
        c1 = size if j == cols[-1] else size - margin
        out[..., (i + r0) * f:(i + r1) * f, (j + c0) * f:(j + c1) * f] = \
            tiles[..., k, r0 * f:r1 * f, c0 * f:c1 * f]
    return out


def central_assembly_possible(grid: TileGrid) -> bool:
    """Overlapping tiles cover the AoI exactly with even margins."""
    s = grid.stride
    return (0 < s < grid.size and grid.size % s == 0 and (grid.size - s) % 2 == 0
            and (grid.ny - grid.size) % s == 0 and (grid.nx - grid.size) % s == 0)


def fit_stats(name: str, values: np.ndarray) -> dict[str, float | str]:
    """Normalisation of one variable: log1p for concentrations, then zero mean and unit variance."""
    transform = "log1p" if name in LOG_VARIABLES else "none"
    data = np.log1p(np.clip(values, 0, None)) if transform == "log1p" else np.asarray(values, "float64")
    std = float(np.nanstd(data))
    return {"transform": transform, "mean": float(np.nanmean(data)), "std": std if std > 1e-9 else 1.0}


def normalise(values: np.ndarray, stats: dict) -> np.ndarray:
    """Physical units -> normalised (float32)."""
    data = np.log1p(np.clip(values, 0, None)) if stats["transform"] == "log1p" else values
    return ((data - stats["mean"]) / stats["std"]).astype("float32")


def denormalise(values: np.ndarray, stats: dict) -> np.ndarray:
    """Normalised -> physical units (concentrations clipped at zero)."""
    data = np.asarray(values, "float64") * stats["std"] + stats["mean"]
    if stats["transform"] == "log1p":
        return np.clip(np.expm1(data), 0, None).astype("float32")
    return data.astype("float32")


IDENTITY = {"transform": "none", "mean": 0.0, "std": 1.0}
