"""Fast, memory-bounded rendering of simulated GRD strips: the radar->ground solution on a coarse node grid
(every `stride`-th line/sample), bilinearly interpolated and turned into beta0 in one numba pass (float32)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange


def node_weights(nodes: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the node segment holding each position and the fractional weight inside it."""
    k = np.clip(np.searchsorted(nodes, positions, side="right") - 1, 0, max(len(nodes) - 2, 0))
    if len(nodes) < 2:
        return k.astype(np.int64), np.zeros(len(positions))
    w = (positions - nodes[k]) / (nodes[k + 1] - nodes[k])
    return k.astype(np.int64), w.astype(np.float64)


@njit(cache=True, inline="always")
def _interp(g, i, wi, j, wj):
    """Bilinear value of node layer `g` between nodes (i, i+1) x (j, j+1)."""
    i1 = min(i + 1, g.shape[0] - 1)
    j1 = min(j + 1, g.shape[1] - 1)
    return ((1 - wi) * ((1 - wj) * g[i, j] + wj * g[i, j1]) + wi * ((1 - wj) * g[i1, j] + wj * g[i1, j1]))


@njit(cache=True, parallel=True)
def beta_from_nodes(lat_n, lon_n, inc_n, ri, rw, cj, cw, classes, sigma_tab, lon0, dlon, lat0, dlat,
                    exponent, cos_ref):
    """beta0 (float32, rows x cols) from node-grid latitude, longitude and local incidence (degrees):
    class sigma0 at the interpolated ground point, optional cos^n angular law, sigma0 / sin(theta_local),
    zero in radar shadow (cos theta_local <= 0)."""
    nr, nc = ri.shape[0], cj.shape[0]
    ny, nx = classes.shape
    out = np.empty((nr, nc), np.float32)
    for r in prange(nr):
        i, wi = ri[r], rw[r]
        for c in range(nc):
            j, wj = cj[c], cw[c]
            lat = _interp(lat_n, i, wi, j, wj)
            lon = _interp(lon_n, i, wi, j, wj)
            inc = math.radians(_interp(inc_n, i, wi, j, wj))
            col = min(max(int((lon - lon0) / dlon), 0), nx - 1)
            row = min(max(int((lat0 - lat) / dlat), 0), ny - 1)
            sigma = sigma_tab[classes[row, col]]
            cos_l = math.cos(inc)
            if cos_l <= 0:
                out[r, c] = 0.0
                continue
            if exponent != 0.0:
                sigma *= (cos_l / cos_ref) ** exponent
            out[r, c] = sigma / max(math.sin(inc), 0.05)
    return out
