"""`ai4c jedai interlink`: read two geometry sources, link them (serial, progressive or on a dask
cluster), write N-Triples or CSV atomically, and return the run's figures."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from ai4c.core import progress
from ai4c.core.errors import BadInputError, InvalidParameterError, InvalidProductError, check_choice
from ai4c.core.io import atomic_path
from ai4c.linked.geo.geometry import GEOMETRY_LITERALS
from ai4c.linked.geo.vocab import WKT_LITERAL, XSD
from ai4c.linked.interlink import ALGORITHMS, Interlinker, progressive_interlink
from ai4c.linked.interlink.engine import check_relations
from ai4c.linked.interlink.rdf import csv_rows, iris, ntriples
from ai4c.pipelines.jedai_params import BATCH_SIZE, DEFAULT_ALGORITHM, SOURCE_BASE, TARGET_BASE
from ai4c.products.geometries import GeometryBatch, GeometryFile, clean_geometries, warn_counts


@dataclass
class InterlinkParams:
    """Everything `ai4c jedai interlink` takes (the CLI builds it; docs/jedai.md describes it)."""

    source: str
    target: str
    output: Path | None = None
    relations: str = "all"
    algorithm: str = DEFAULT_ALGORITHM
    id_field: str | None = None
    wkt_field: str | None = None
    separator: str | None = None
    source_base: str = SOURCE_BASE
    target_base: str = TARGET_BASE
    crs: str | None = None
    batch_size: int = BATCH_SIZE
    budget: int | None = None
    recall: bool = False          # progressive mode: verify the rest too, to report recall over time
    cell_size: float | None = None
    store: Path | None = None
    output_format: str | None = None

    def validate(self) -> None:
        self.algorithm = check_choice("algorithm", self.algorithm, list(ALGORITHMS))
        self.relation_names = check_relations(self.relations.split(","))
        if self.batch_size <= 0:
            raise InvalidParameterError(f"batch_size={self.batch_size} must be > 0")
        if self.output is not None:
            fmt = self.output_format or ("csv" if Path(self.output).suffix.lower() == ".csv" else "nt")
            self.output_format = check_choice("output format", fmt, ["nt", "csv"])


class _Side:
    """One side of the link: ids, geometries (streamed or whole) and CRS."""

    def __init__(self, spec: str, params: InterlinkParams) -> None:
        self.spec = spec
        self.params = params
        self.query_rows: GeometryBatch | None = None
        self.file: GeometryFile | None = None
        if params.store is not None and _is_query(spec):
            self.query_rows, self.crs = _query_store(params.store, spec)
        else:
            self.file = GeometryFile(Path(spec), id_field=params.id_field, wkt_field=params.wkt_field,
                                     separator=params.separator, literals=GEOMETRY_LITERALS)
            self.crs = None

    def batches(self) -> Iterator[GeometryBatch]:
        if self.query_rows is not None:
            yield self.query_rows
            return
        yield from self.file.batches(self.params.batch_size)
        self.crs = self.file.crs

    def current_crs(self) -> str | None:
        """The CRS known so far (a file's is known once its first batch is read)."""
        return self.file.crs if self.file is not None else self.crs

    def read(self) -> GeometryBatch:
        if self.query_rows is not None:
            return self.query_rows
        whole = self.file.read()
        self.crs = self.file.crs
        return whole


def run_interlink(params: InterlinkParams) -> dict:
    """Link source to target; write the links; return counts, filter precision and seconds per phase."""
    params.validate()
    start = time.perf_counter()
    source, target = _Side(params.source, params), _Side(params.target, params)
    target_set = target.read()
    client = _distributed_client()
    if params.budget or client is not None:
        source_set = source.read()
        to_crs = _common_crs(source.crs, target.crs, params.crs)
        source_set, target_set = _reproject(source_set, source.crs, to_crs), \
            _reproject(target_set, target.crs, to_crs)
        report = _in_memory(params, source_set, target_set, client)
    else:
        report = _streamed(params, source, target, target_set)
    report["seconds"]["total"] = round(time.perf_counter() - start, 4)
    return report


def _streamed(params: InterlinkParams, source: _Side, target: _Side, target_set: GeometryBatch) -> dict:
    """Source batches against the indexed target, written as they come."""
    batches = source.batches()
    head = next(batches)
    to_crs = _common_crs(source.current_crs(), target.crs, params.crs)
    target_geoms = _reproject(target_set, target.crs, to_crs).geoms
    linker = Interlinker(target_geoms, params.algorithm, relations=params.relation_names,
                         cell_size=params.cell_size)
    target_iris = iris(params.target_base, target_set.ids)

    def source_batches() -> Iterator[GeometryBatch]:
        yield head
        yield from batches

    project = _projector(source.current_crs(), to_crs)  # a file's CRS is known once its first batch is read
    with _Writer(params) as write:
        for batch in progress.track(source_batches(), "interlinking source batches"):
            batch = project(batch)
            links = linker.link_batch(batch.geoms)
            write(links, batch.ids, target_set.ids, iris(params.source_base, batch.ids), target_iris)
    return {**linker.stats.as_dict(), "mode": "streamed", "output": str(params.output)}


def _in_memory(params: InterlinkParams, source: GeometryBatch, target: GeometryBatch, client) -> dict:
    """Progressive (budgeted) or distributed run over whole geometry arrays."""
    started = time.perf_counter()
    if params.budget:
        links, curve = progressive_interlink(source.geoms, target.geoms, params.budget,
                                             algorithm=params.algorithm, relations=params.relation_names,
                                             cell_size=params.cell_size, measure_recall=params.recall)
        extra = {"mode": "progressive", "budget": params.budget, "progress": curve.as_dict()}
    else:
        from ai4c.linked.interlink.distributed import distributed_interlink

        links = distributed_interlink(client, source.geoms, target.geoms, params.algorithm,
                                      relations=params.relation_names)
        extra = {"mode": "distributed", "workers": len(client.scheduler_info()["workers"])}
    seconds = time.perf_counter() - started
    with _Writer(params) as write:
        write(links, source.ids, target.ids, iris(params.source_base, source.ids),
              iris(params.target_base, target.ids))
    counts = {r: int(links.holds[r].sum()) for r in params.relation_names}
    return {"algorithm": params.algorithm, "sources": len(source.ids), "targets": len(target.ids),
            "counts": counts, "seconds": {"link": round(seconds, 4)}, "output": str(params.output), **extra}


class _Writer:
    """Writes links batch by batch into a scratch file moved onto the output at the end."""

    def __init__(self, params: InterlinkParams) -> None:
        self.params = params
        self._atomic = atomic_path(params.output) if params.output is not None else None

    def __enter__(self):
        if self._atomic is None:
            return lambda *args: None
        self._handle = self._atomic.__enter__().open("w", encoding="utf-8")
        if self.params.output_format == "csv":
            self._handle.write("source,target,relation\n")
        return self._write

    def _write(self, links, source_ids, target_ids, source_iris, target_iris) -> None:
        if self.params.output_format == "csv":
            self._handle.writelines(csv_rows(links, source_ids, target_ids))
        else:
            self._handle.writelines(ntriples(links, source_iris, target_iris))

    def __exit__(self, *exc) -> None:
        if self._atomic is None:
            return
        self._handle.close()
        self._atomic.__exit__(*exc)


def _common_crs(source_crs: str | None, target_crs: str | None, declared: str | None) -> str | None:
    """The CRS both sides are compared in: the declared one, else theirs when they agree."""
    if declared:
        return declared
    if source_crs is None or target_crs is None or _same_crs(source_crs, target_crs):
        return None
    raise BadInputError(f"source CRS {_short(source_crs)} differs from target CRS {_short(target_crs)}; "
                        "declare the CRS to compare in with --crs (both sides are then reprojected)")


def _same_crs(a: str, b: str) -> bool:
    """Same CRS up to axis order (files are read in GIS x/y order: EPSG:4326 and CRS84 agree)."""
    from pyproj import CRS

    try:
        return CRS.from_user_input(a).equals(CRS.from_user_input(b), ignore_axis_order=True)
    except Exception:
        return a == b


def _short(crs: str) -> str:
    from pyproj import CRS

    try:
        return CRS.from_user_input(crs).to_string()
    except Exception:
        return crs[:60]


def _projector(from_crs: str | None, to_crs: str | None) -> Callable[[GeometryBatch], GeometryBatch]:
    """Reprojects batches between two CRSs (identity when they agree); CRSs parsed and transformer built once."""
    if to_crs is None or from_crs is None or _same_crs(from_crs, to_crs):
        return lambda batch: batch
    from pyproj import Transformer

    transformer = Transformer.from_crs(from_crs, to_crs, always_xy=True)

    def project(batch: GeometryBatch) -> GeometryBatch:
        geoms = shapely.transform(batch.geoms,
                                  lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
        return GeometryBatch(batch.ids, geoms)

    return project


def _reproject(batch: GeometryBatch, from_crs: str | None, to_crs: str | None) -> GeometryBatch:
    return _projector(from_crs, to_crs)(batch)


def _distributed_client():
    try:
        from distributed import get_client

        return get_client()
    except (ImportError, ValueError):
        return None


def _is_query(spec: str) -> bool:
    text = spec.lstrip().upper()
    return text.startswith(("SELECT", "PREFIX", "@")) or spec.endswith(".rq")


def _query_store(store_dir: Path, spec: str) -> tuple[GeometryBatch, str | None]:
    """Rows of a SELECT binding ?id and ?wkt (a geometry literal of any serialisation), run in the GeoSPARQL
    store; geometries in several CRSs are brought into the first one's."""
    from ai4c.linked.store import GeoStore

    text = Path(spec.lstrip("@")).read_text() if spec.startswith("@") or spec.endswith(".rq") else spec
    with GeoStore(store_dir) as store:
        rows = [(s["id"].value, s["wkt"]) for s in store.query(text)]
    if not rows:
        raise InvalidProductError("the store query returned no rows; it must bind ?id and ?wkt")
    geoms, crs = GEOMETRY_LITERALS.geometries([term.value for _, term in rows], [_datatype(t) for _, t in rows])
    batch, skipped, repaired = clean_geometries([i for i, _ in rows], geoms)
    warn_counts("store query", skipped, repaired)
    return batch, crs


def _datatype(term) -> str:
    """A bound term's datatype IRI; a plain string is read as WKT (as before literals were typed)."""
    datatype = getattr(term, "datatype", None)
    return WKT_LITERAL if datatype is None or datatype.value == XSD + "string" else datatype.value
