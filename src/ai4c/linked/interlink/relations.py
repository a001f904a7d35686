"""DE-9IM topological relations, decided from intersection matrices in bulk (numpy over GEOS `relate`).

One `relate` call per intersecting pair gives every relation at once (JedAI-spatial's verification);
the patterns are the OGC Simple Features ones, with `crosses`/`overlaps` depending on the dimensions.
"""

from __future__ import annotations

import numpy as np
import shapely

RELATIONS = ("equals", "intersects", "touches", "within", "contains", "covers", "coveredby",
             "crosses", "overlaps")
"""Relations emitted as links (disjoint is counted only: it holds for nearly every pair)."""

ALL_RELATIONS = ("disjoint", *RELATIONS)


def matrices(relate_strings: np.ndarray) -> np.ndarray:
    """(n, 9) uint8 array of DE-9IM codes (b'F', b'0', b'1', b'2') from GEOS relate strings."""
    if len(relate_strings) == 0:
        return np.zeros((0, 9), dtype=np.uint8)
    joined = "".join(relate_strings.tolist()).encode("ascii")
    return np.frombuffer(joined, dtype=np.uint8).reshape(-1, 9)


def _match(m: np.ndarray, pattern: str) -> np.ndarray:
    """Rows of `m` matching a DE-9IM pattern of T, F, *, 0, 1, 2."""
    ok = np.ones(len(m), dtype=bool)
    for k, ch in enumerate(pattern):
        if ch == "*":
            continue
        if ch == "T":
            ok &= m[:, k] != ord("F")
        else:
            ok &= m[:, k] == ord(ch)
    return ok


def _any(m: np.ndarray, *patterns: str) -> np.ndarray:
    out = np.zeros(len(m), dtype=bool)
    for pattern in patterns:
        out |= _match(m, pattern)
    return out


def relate_disjoint(m: np.ndarray) -> np.ndarray:
    """Rows whose matrix says the pair is disjoint (FF*FF****)."""
    return _match(m, "FF*FF****")


def relations_from_matrices(m: np.ndarray, dim_a: np.ndarray, dim_b: np.ndarray) -> dict[str, np.ndarray]:
    """Every relation of `RELATIONS` as a boolean array, from matrices and the geometries' dimensions."""
    intersects = ~_match(m, "FF*FF****")
    lower, higher, lines = dim_a < dim_b, dim_a > dim_b, (dim_a == 1) & (dim_b == 1)
    same_pa = (dim_a == dim_b) & (dim_a != 1)
    return {
        "equals": _match(m, "T*F**FFF*"),
        "intersects": intersects,
        "touches": _any(m, "FT*******", "F**T*****", "F***T****"),
        "within": _match(m, "T*F**F***"),
        "contains": _match(m, "T*****FF*"),
        "covers": _any(m, "T*****FF*", "*T****FF*", "***T**FF*", "****T*FF*"),
        "coveredby": _any(m, "T*F**F***", "*TF**F***", "**FT*F***", "**F*TF***"),
        "crosses": (lower & _match(m, "T*T******")) | (higher & _match(m, "T*****T**"))
        | (lines & _match(m, "0********")),
        "overlaps": (same_pa & _match(m, "T*T***T**")) | (lines & _match(m, "1*T***T**")),
    }


def _boundary_code(geoms: np.ndarray) -> np.ndarray:
    """DE-9IM code of each geometry's boundary dimension ('F' when the boundary is empty)."""
    codes = np.full(len(geoms), ord("F"), dtype=np.uint8)
    kinds = shapely.get_type_id(geoms)
    polygonal = np.isin(kinds, (3, 6))
    codes[polygonal] = ord("1")
    lineal = np.isin(kinds, (1, 2, 5))
    if lineal.any():
        bounds = shapely.boundary(geoms[lineal])
        codes[np.flatnonzero(lineal)[~shapely.is_empty(bounds)]] = ord("0")
    return codes


def properly_inside_matrices(container_dim: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """Matrices of (A, B) pairs where polygonal A contains B properly (B in A's interior).

    Then I∩I = dim B, I∩∂ = dim ∂B, I∩E = 2, ∂∩E = 1, E∩E = 2 and the rest F: no `relate` needed.
    """
    n = len(inner)
    m = np.full((n, 9), ord("F"), dtype=np.uint8)
    m[:, 0] = ord("0") + shapely.get_dimensions(inner).astype(np.uint8)
    m[:, 1] = _boundary_code(inner)
    m[:, 2] = ord("2")
    m[:, 5] = ord("1")
    m[:, 8] = ord("2")
    if np.any(container_dim != 2):
        raise ValueError("properly_inside_matrices needs polygonal containers")
    return m


def transpose(m: np.ndarray) -> np.ndarray:
    """The matrices of the swapped pairs (B, A)."""
    return m.reshape(-1, 3, 3).transpose(0, 2, 1).reshape(-1, 9)
