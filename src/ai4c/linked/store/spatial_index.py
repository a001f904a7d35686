"""The spatial index of a store: every geometry literal with its subject and predicate in an STRtree.

Built from the store when first needed (a spatial query, `GeoStore.warm`), then kept current by every
load and update (`apply`: the geometries they add and remove), so it always reflects the store's content.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import pickle
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyoxigraph as ox
import shapely

from ai4c.linked.geo.geometry import Geo, parse_literals, unparsed_reason
from ai4c.linked.geo.vocab import CRS84, GEOMETRY_DATATYPES
from ai4c.linked.store.geof import relation_holds

# a disjunction of equalities runs ~2.5x faster than `datatype(?o) IN (...)` in pyoxigraph 0.5
_SCAN = ("SELECT ?s ?p ?o WHERE { ?s ?p ?o BIND(datatype(?o) AS ?dt) FILTER("
         + " || ".join(f"?dt = <{d}>" for d in sorted(GEOMETRY_DATATYPES)) + ") }")


@dataclass
class GeometryEntries:
    """Geometry-literal triples with their parsed geometries (x=east order) and CRS IRIs, and the
    literals that could not be parsed: (subject, reason)."""

    subjects: list[str] = field(default_factory=list)
    predicates: list[str] = field(default_factory=list)
    literals: list[str] = field(default_factory=list)
    geoms: list = field(default_factory=list)
    crss: list[str] = field(default_factory=list)
    unparsed: list[tuple[str, str]] = field(default_factory=list)


def parse_quads(quads) -> GeometryEntries:
    """The geometry literals among pyoxigraph quads, parsed (the unparsable ones listed, not fatal)."""
    picked = [q for q in quads if isinstance(q.object, ox.Literal) and q.object.datatype.value in GEOMETRY_DATATYPES]
    return _entries([str(q.subject) for q in picked], [q.predicate.value for q in picked],
                    [str(q.object) for q in picked], [q.object.value for q in picked],
                    [q.object.datatype.value for q in picked])


def parse_text_triples(triples: list[tuple[str, str, str]]) -> GeometryEntries:
    """The geometry literals of (subject, <predicate>, literal) triples in N-Triples syntax, parsed."""
    values, datatypes = zip(*(split_literal(t[2]) for t in triples), strict=True) if triples else ((), ())
    predicates = {p: p[1:-1] for p in {t[1] for t in triples}}  # one string per predicate, not per triple
    return _entries([t[0] for t in triples], [predicates[t[1]] for t in triples], [t[2] for t in triples],
                    list(values), list(datatypes))


def _entries(subjects, predicates, literals, values, datatypes) -> GeometryEntries:
    geoms, crss, reasons = _parse_all(values, datatypes)
    if not any(reasons) and all(g is not None for g in geoms):  # all parsed (the usual case): lists as they are
        return GeometryEntries(subjects=list(subjects), predicates=list(predicates), literals=list(literals),
                               geoms=geoms, crss=crss)
    out = GeometryEntries()
    for i, geom in enumerate(geoms):
        if geom is None:
            out.unparsed.append((subjects[i], reasons[i]))
            continue
        out.subjects.append(subjects[i])
        out.predicates.append(predicates[i])
        out.literals.append(literals[i])
        out.geoms.append(geom)
        out.crss.append(crss[i])
    return out


@dataclass
class IndexData:
    """Parallel arrays of the indexed geometry triples plus the tree over them."""

    subjects: list[str] = field(default_factory=list)  # N-Triples term texts
    predicates: list[str] = field(default_factory=list)  # IRIs
    literals: list[str] = field(default_factory=list)  # N-Triples literal texts
    crs: str = CRS84
    geoms: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    tree: shapely.STRtree | None = None  # over entries [0, base)
    base: int = 0
    delta_tree: shapely.STRtree | None = None  # over entries [base, len): the ones added since
    unique_subjects: dict[str, bool] = field(default_factory=dict)
    by_predicate: dict[str, np.ndarray] = field(default_factory=dict)
    subject_sets: dict[str, set] = field(default_factory=dict)

    def query(self, geom: shapely.Geometry, predicate: str | None = None) -> np.ndarray:
        """Entries whose geometry satisfies the GEOS predicate with `geom` (bounding boxes when None)."""
        hits = [self.tree.query(geom, predicate=predicate)] if self.tree is not None else []
        if self.delta_tree is not None:
            hits.append(self.delta_tree.query(geom, predicate=predicate) + self.base)
        return np.concatenate(hits) if hits else np.empty(0, dtype=np.int64)

    @functools.cached_property
    def subject_array(self) -> np.ndarray:
        """`subjects` as an object array, for fancy indexing by many hits at once (built once)."""
        return np.asarray(self.subjects, dtype=object)

    @functools.cached_property
    def literal_array(self) -> np.ndarray:
        """`literals` as an object array, for fancy indexing by many hits at once (built once)."""
        return np.asarray(self.literals, dtype=object)


class SpatialIndex:
    """An R-tree (shapely STRtree) over the geometry literals of a pyoxigraph store."""

    def __init__(self, store: ox.Store, folder: Path | None = None, *, save_cache: bool = True) -> None:
        self.store = store
        self.folder = folder
        self.save_cache = save_cache  # False for read-only openers: the read-write one owns the cache
        self._data: IndexData | None = None
        self._lock = threading.Lock()
        self.builds = 0
        self.version = 0  # changes with the indexed content (planned queries are cached per version)
        self._memo: dict = {}  # this version's selections and subject maps, oldest first (`_remembered`)
        self._memo_version = 0

    def invalidate(self) -> None:
        """Forget the index (in memory and its on-disk cache); the next use rebuilds it from the store."""
        self.version += 1
        self._data = None
        self._delete_cache()

    def _delete_cache(self) -> None:
        if self.folder is not None:
            (self.folder / CACHE).unlink(missing_ok=True)
            (self.folder / DELTA_CACHE).unlink(missing_ok=True)

    def exists(self) -> bool:
        """Whether the index is built (in memory or saved): changes must keep it current; otherwise the
        first spatial query builds it from the store."""
        return self._data is not None or (self.folder is not None and (self.folder / CACHE).exists())

    def data(self) -> IndexData:
        """The current index (built now if the store changed since the last build)."""
        data = self._data
        if data is not None:
            return data
        with self._lock:
            if self._data is None:
                self._data = self._read_cache()
            if self._data is None:
                self._data = self._build()
                self.builds += 1
                self._write_cache(self._data)
            return self._data

    def _read_cache(self) -> IndexData | None:
        """The index saved by an earlier process (kept valid: every change updates or deletes it)."""
        saved = self._read_pickle(CACHE)
        if saved is None:
            return None
        data = IndexData(subjects=saved["subjects"], predicates=saved["predicates"], literals=saved["literals"],
                         crs=saved["crs"], geoms=np.asarray(shapely.from_wkb(saved["wkb"]), dtype=object))
        _finish(data)
        delta = self._read_pickle(DELTA_CACHE)
        if delta is not None and delta.get("base") == len(data.geoms):
            added = GeometryEntries(subjects=delta["subjects"], predicates=delta["predicates"],
                                    literals=delta["literals"], geoms=list(shapely.from_wkb(delta["wkb"])),
                                    crss=[data.crs] * len(delta["subjects"]))
            _append(data, added)
            _finish_delta(data)
        return data

    def _append_to_saved(self, added: GeometryEntries) -> bool:
        """Add entries to the saved delta of an index this process has not loaded (False: not possible)."""
        delta = self._read_pickle(DELTA_CACHE) if self.save_cache else None
        if delta is None or not (self.folder / CACHE).exists() or any(c != delta["crs"] for c in added.crss):
            return False
        delta["wkb"] = list(delta["wkb"]) + list(shapely.to_wkb(np.array(added.geoms + [None], dtype=object)[:-1]))
        for key in ("subjects", "predicates", "literals"):
            delta[key] = delta[key] + getattr(added, key)
        _write_pickle(self.folder / DELTA_CACHE, delta)
        return True

    def _read_pickle(self, name: str) -> dict | None:
        path = self.folder / name if self.folder is not None else None
        if path is None or not path.exists():
            return None
        try:
            with path.open("rb") as handle:
                return pickle.load(handle)  # noqa: S301 - our own cache file inside the store folder
        except (OSError, pickle.UnpicklingError, EOFError) as exc:
            log.warning("spatial index cache %s is unreadable (%s); rebuilding the index", path, exc)
            return None

    def _write_cache(self, data: IndexData, *, delta_only: bool = False) -> None:
        """Save the main part (unless `delta_only`) and the entries added since, for the next process."""
        if self.folder is None or not self.save_cache:
            return
        parts = {DELTA_CACHE: slice(data.base, None)} if delta_only else \
            {CACHE: slice(0, data.base), DELTA_CACHE: slice(data.base, None)}
        for name, part in parts.items():
            geoms = data.geoms[part]
            payload = {"subjects": data.subjects[part], "predicates": data.predicates[part],
                       "literals": data.literals[part], "crs": data.crs, "base": data.base,
                       "wkb": shapely.to_wkb(geoms) if len(geoms) else []}
            _write_pickle(self.folder / name, payload)

    def _build(self) -> IndexData:
        """Scan the geometry literals (serialised as TSV in Rust: no Python object per triple)."""
        out = io.BytesIO()
        self.store.query(_SCAN, use_default_graph_as_union=True).serialize(out, ox.QueryResultsFormat.TSV)
        lines = out.getvalue().decode("utf-8").split("\n")[1:]
        # sorting whole lines orders them as (s, p, o) tuples would (TSV escapes tabs), 3x faster
        entries = parse_text_triples([tuple(line.split("\t")) for line in sorted(set(lines)) if line])
        self.unparsed = len(entries.unparsed)
        distinct = set(entries.crss)
        data = IndexData(subjects=entries.subjects, predicates=entries.predicates, literals=entries.literals)
        data.crs = distinct.pop() if len(distinct) == 1 else CRS84
        data.geoms = np.array(_in_crs(entries, data.crs), dtype=object)
        return _finish(data)

    def apply(self, added: GeometryEntries, removed: GeometryEntries) -> None:
        """Bring the index up to date with added and removed geometry triples: the added ones go into a
        small second tree (merged into the main one when it grows), the cache is updated likewise; an
        index not yet built stays unbuilt (the next spatial query builds it)."""
        if not added.subjects and not removed.subjects and not removed.unparsed:
            return
        self.version += 1
        with self._lock:
            if self._data is None and not removed.subjects and self._append_to_saved(added):
                return  # not loaded in this process: the saved delta grows, the main cache stays as it is
            data = self._data if self._data is not None else self._read_cache()
            merge = data is not None and \
                len(data.geoms) + len(added.subjects) - data.base > max(MERGE_MIN, MERGE_FRACTION * data.base)
            if data is None or (removed.subjects and not _remove(data, removed)) \
                    or not _append(data, added, lookups=not (merge or removed.subjects)):
                self._data = None
                self._delete_cache()
                return
            self._data = data
            _finish(data) if merge or removed.subjects else _finish_delta(data)
            self._write_cache(data, delta_only=not (merge or removed.subjects))

    def candidates(self, predicate: str | None) -> np.ndarray:
        """Indices of the entries whose triple predicate is `predicate` (all when None)."""
        data = self.data()
        if predicate is None:
            return np.arange(len(data.geoms))
        return data.by_predicate.get(predicate, np.empty(0, dtype=np.int64))

    def _restrict(self, hits: np.ndarray, predicate: str | None) -> np.ndarray:
        if predicate is None:
            return hits
        mask = np.zeros(len(self.data().geoms), dtype=bool)
        mask[self.candidates(predicate)] = True
        return hits[mask[hits]]

    def _remembered(self, key: tuple, compute: Callable[[], object], *, alone: bool = False):
        """`compute()`, remembered for this version of the index: the plans a query is tried with (semijoin,
        bulk, planner) ask for the same results. `alone`: the only one of its kind kept (a big one)."""
        if self._memo_version != self.version:
            self._memo, self._memo_version = {}, self.version
        found = self._memo.get(key)
        if found is None:
            found = compute()
            kept = [k for k in self._memo if k[0] != key[0]] if alone else list(self._memo)[-(MEMO_KEPT - 1):]
            self._memo = {k: self._memo[k] for k in kept}
            self._memo[key] = found
        return found

    def select(self, relation: str, constant: Geo, predicate: str | None, var_first: bool) -> np.ndarray:
        """Entries e (with `predicate`) such that relation(e, constant) (or (constant, e)); remembered for
        this version of the index (read-only: the plans share it), as it costs tens of ms when it covers
        most geometries."""
        key = ("select", relation, constant.geom.wkb, constant.crs, predicate, var_first)
        return self._remembered(key, lambda: _read_only(self._select(relation, constant, predicate, var_first)))

    def entries_by_subject(self, predicate: str) -> dict[str, list[int]]:
        """The entries of `predicate` by their subject (N-Triples term); remembered for this version of the
        index, one predicate at a time (a few MB for a million geometries)."""
        def build() -> dict[str, list[int]]:
            entries = self.candidates(predicate)
            by_subject: dict[str, list[int]] = {}
            for i, subject in zip(entries.tolist(), self.data().subject_array[entries].tolist(), strict=True):
                by_subject.setdefault(subject, []).append(i)
            return by_subject
        return self._remembered(("by_subject", predicate), build, alone=True)

    def _select(self, relation: str, constant: Geo, predicate: str | None, var_first: bool) -> np.ndarray:
        data = self.data()
        if not len(data.geoms):
            return np.empty(0, dtype=int)
        query = constant.to(data.crs).geom
        geos_predicate = _GEOS_PREDICATE.get(_INVERSE.get(relation, relation) if var_first else relation)
        if geos_predicate is not None:
            return self._restrict(data.query(query, geos_predicate), predicate)
        hits = data.query(query) if relation not in _NO_BBOX else np.arange(len(data.geoms))
        hits = self._restrict(hits, predicate)
        keep = [i for i in hits if _holds(relation, data.geoms[i], query, var_first)]
        return np.array(keep, dtype=int)

    def join(self, relation: str, pred_a: str | None, pred_b: str | None, left: np.ndarray | None = None,
             right: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (i, j) of entries with relation(geom_i, geom_j), i under pred_a, j under pred_b (or
        among the given candidate entries `left`, `right`)."""
        data = self.data()
        left = self.candidates(pred_a) if left is None else left
        right = self.candidates(pred_b) if right is None else right
        if not len(data.geoms) or not len(left) or not len(right):
            return np.empty(0, dtype=int), np.empty(0, dtype=int)
        predicate = _GEOS_PREDICATE.get(relation)
        # query the tree with the smaller-count side's partner: tree over all, filter by predicate sets
        sub_tree = shapely.STRtree(data.geoms[right])
        if predicate is not None:
            a_idx, b_idx = sub_tree.query(data.geoms[left], predicate=predicate)
            return left[a_idx], right[b_idx]
        a_idx, b_idx = sub_tree.query(data.geoms[left])
        keep = [k for k in range(len(a_idx))
                if relation_holds(relation, data.geoms[left[a_idx[k]]], data.geoms[right[b_idx[k]]])]
        return left[a_idx[keep]], right[b_idx[keep]]


# GEOS predicates of STRtree.query(geometry, predicate): tree_geom is the 2nd argument, so
# predicate(p) over (input=a, tree=b) evaluates p(a, b). Not ehCovers/ehCoveredBy: GEOS's covers is OGC's,
# Egenhofer's (T*TFT*FF*) also needs the boundaries to meet; those go through relation_holds.
_GEOS_PREDICATE = {"sfIntersects": "intersects", "sfWithin": "within", "sfContains": "contains",
                   "sfOverlaps": "overlaps", "sfCrosses": "crosses", "sfTouches": "touches"}
CACHE = "spatial-index.pickle"
DELTA_CACHE = "spatial-index-delta.pickle"
MEMO_KEPT = 32  # results `_remembered` per version of the index
MERGE_MIN, MERGE_FRACTION = 50_000, 0.1  # the second tree is merged into the main one beyond this
log = logging.getLogger(__name__)
_INVERSE = {"sfWithin": "sfContains", "sfContains": "sfWithin", "ehCovers": "ehCoveredBy",
            "ehCoveredBy": "ehCovers"}
_NO_BBOX = {"sfDisjoint", "ehDisjoint", "rcc8dc"}


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _write_pickle(path: Path, payload: dict) -> None:
    """Write a cache file atomically (a temporary name in the folder, then a rename); core.io's
    atomic_path would import the raster stack, seconds for a small write."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as handle:  # streamed: no second copy of a large index in memory
            pickle.dump(payload, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _finish(data: IndexData) -> IndexData:
    """Build the tree and lookup tables over the parallel arrays (every entry in the main tree)."""
    data.tree = shapely.STRtree(data.geoms) if len(data.geoms) else None
    data.base, data.delta_tree = len(data.geoms), None
    data.by_predicate = _by_predicate(data.predicates)
    data.subject_sets = {}
    data.unique_subjects = {}
    _note_subjects(data, 0)
    _forget_arrays(data)
    return data


def _finish_delta(data: IndexData) -> None:
    """Rebuild only the second tree, over the entries added since the main tree was built."""
    added = data.geoms[data.base:]
    data.delta_tree = shapely.STRtree(added) if len(added) else None
    _forget_arrays(data)


def _forget_arrays(data: IndexData) -> None:
    for name in ("subject_array", "literal_array"):
        data.__dict__.pop(name, None)


def _in_crs(entries: GeometryEntries, crs: str) -> list:
    """The entries' geometries in one CRS."""
    return [g if c == crs else Geo(g, c).to(crs).geom for g, c in zip(entries.geoms, entries.crss, strict=True)]


def _append(data: IndexData, added: GeometryEntries, *, lookups: bool = True) -> bool:
    """Add entries to the arrays and (unless `lookups` is False: `_finish` rebuilds them) the lookup
    tables; False when their CRS forces a full rebuild."""
    if not added.subjects:
        return True
    if data.crs != CRS84 and any(c != data.crs for c in added.crss):
        return False  # a second CRS: the full build puts every geometry in CRS84
    start = len(data.geoms)
    data.subjects = data.subjects + added.subjects
    data.predicates = data.predicates + added.predicates
    data.literals = data.literals + added.literals
    data.geoms = np.concatenate([data.geoms, np.array(_in_crs(added, data.crs) + [None], dtype=object)[:-1]])
    if not lookups:
        return True
    fresh = _by_predicate(added.predicates)
    for predicate, idx in fresh.items():
        old = data.by_predicate.get(predicate, np.empty(0, dtype=np.int64))
        data.by_predicate[predicate] = np.concatenate([old, idx + start])
    _note_subjects(data, start)
    return True


def _remove(data: IndexData, removed: GeometryEntries) -> bool:
    """Drop the entries of removed triples; always succeeds (the caller rebuilds the trees)."""
    drop = set(zip(removed.subjects, removed.predicates, removed.literals, strict=True))
    keep = [i for i, key in enumerate(zip(data.subjects, data.predicates, data.literals, strict=True))
            if key not in drop]
    data.subjects = [data.subjects[i] for i in keep]
    data.predicates = [data.predicates[i] for i in keep]
    data.literals = [data.literals[i] for i in keep]
    data.geoms = data.geoms[np.asarray(keep, dtype=np.int64)] if keep else np.empty(0, dtype=object)
    return True


def _note_subjects(data: IndexData, start: int) -> None:
    """Per predicate: does each subject have exactly one geometry literal (and is an IRI)? (from `start` on)"""
    added: dict[str, list[str]] = {}
    for subject, predicate in zip(data.subjects[start:], data.predicates[start:], strict=True):
        group = added.get(predicate)
        if group is None:
            group = added[predicate] = []
        group.append(subject)
    for predicate, subjects in added.items():
        bucket = data.subject_sets.setdefault(predicate, set())
        before = len(bucket)
        bucket.update(subjects)
        data.unique_subjects[predicate] = (data.unique_subjects.get(predicate, True)
                                           and len(bucket) == before + len(subjects)
                                           and all(s.startswith("<") for s in subjects))


def split_literal(text: str) -> tuple[str, str]:
    """(lexical value, datatype IRI) of a typed literal in N-Triples/TSV syntax."""
    body, _, datatype = text.rpartition('"^^<')
    value = body[1:]
    if "\\" in value:
        value = value.encode("latin-1", "backslashreplace").decode("unicode_escape")
    return value, datatype[:-1]


def _by_predicate(predicates: list[str]) -> dict[str, np.ndarray]:
    groups: dict[str, list[int]] = {}
    for i, predicate in enumerate(predicates):
        groups.setdefault(predicate, []).append(i)
    return {k: np.array(v, dtype=np.int64) for k, v in groups.items()}


def _parse_all(values: list[str], datatypes: list[str]) -> tuple[list, list[str], list[str]]:
    """Geometries (x=east order), CRS IRIs and, for literals that are not geometries, the reason."""
    parsed = parse_literals(values, datatypes)
    geoms = [None if geo is None else geo.geom for geo in parsed]
    crss = [CRS84 if geo is None else geo.crs for geo in parsed]
    reasons = ["" if geo is not None else unparsed_reason(value, datatype)
               for geo, value, datatype in zip(parsed, values, datatypes, strict=True)]
    return geoms, crss, reasons


def _holds(relation: str, entry, constant, var_first: bool) -> bool:
    return relation_holds(relation, entry, constant) if var_first else relation_holds(relation, constant, entry)
