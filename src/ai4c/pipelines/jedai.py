"""`ai4c jedai resolve`: read one or two record sources (files or a store query), run the default,
given or tuned ER workflow, write matches (CSV + owl:sameAs N-Triples) atomically and record the run
in the workbench history."""

from __future__ import annotations

import csv
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ai4c.core import log
from ai4c.core.errors import BadInputError, InvalidParameterError, InvalidProductError, first_line
from ai4c.core.io import atomic_path, write_text_atomic
from ai4c.linked.er.data import Entities, Task, truth_from_ids
from ai4c.linked.er.evaluate import pair_scores
from ai4c.linked.er.tune import tune
from ai4c.linked.er.workflow import Result, default_workflow, run_workflow
from ai4c.linked.interlink.rdf import iris
from ai4c.pipelines.jedai_params import ER_BASE1, ER_BASE2, TUNE_BUDGET
from ai4c.products.records import read_pairs, read_records

OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
EXPLORER_SAMPLE = 100
"""Found and missed matches kept per run for the workbench's data explorer."""


def default_history() -> Path:
    """The local run history (AI4C_JEDAI_HISTORY, else ~/.local/share/ai4c/jedai-history.jsonl)."""
    env = os.environ.get("AI4C_JEDAI_HISTORY")
    if env:
        return Path(env)
    data = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return data / "ai4c" / "jedai-history.jsonl"


@dataclass
class ResolveParams:
    """Everything `ai4c jedai resolve` takes."""

    source1: str
    output: Path
    source2: str | None = None
    separator: str | None = None
    id_column: str = "id"
    config: Path | None = None
    ground_truth: Path | None = None
    tune: str | None = None
    budget: int = TUNE_BUDGET
    ntriples: Path | None = None
    base1: str = ER_BASE1
    base2: str = ER_BASE2
    store: Path | str | None = None   # a store folder or a SPARQL endpoint URL, for query sources
    history: Path | None = None
    name: str | None = None


def run_resolve(params: ResolveParams) -> dict:
    """Resolve, write, record; returns the run's report (configuration, steps, figures)."""
    task = _task(params)
    config = _config(params.config) if params.config else None
    tuning = None
    if params.tune:
        start = time.perf_counter()
        config, trials = tune(task, params.tune, params.budget)
        tuning = {"strategy": params.tune, "budget": params.budget, "trials": len(trials),
                  "best_f1": trials[0].f1, "seconds": round(time.perf_counter() - start, 3)}
    result = run_workflow(task, config or default_workflow(task.clean_clean))
    _write_matches(params, task, result)
    report = {"name": params.name or _run_name(params), "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "sources": [params.source1, params.source2], "clean_clean": task.clean_clean,
              "entities": [task.n1, task.size - task.n1], "config": result.config, "steps": result.steps,
              "matches": len(result.i), "seconds": round(result.seconds, 4), "tuning": tuning,
              "output": str(params.output)}
    if task.truth:
        report["scores"] = pair_scores(result.i, result.j, task.truth_arrays(), task.size)
    append_history(params.history or default_history(), {**report, "explorer": _explorer(task, result)})
    return report


def _run_name(params: ResolveParams) -> str:
    names = [Path(s).stem for s in (params.source1, params.source2) if s]
    return " x ".join(names)


def _entities(spec: str, params: ResolveParams, name: str) -> Entities:
    if params.store is not None and spec.lstrip().upper().startswith(("SELECT", "PREFIX")):
        if str(params.store).startswith(("http://", "https://")):
            return _records_from_rows(*_endpoint_rows(str(params.store), spec), name)
        return _records_from_rows(*_store_rows(Path(params.store), spec), name)
    ids, records = read_records(spec, id_column=params.id_column, separator=params.separator)
    if len(set(ids)) != len(ids):
        log.warn(f"{spec}: {len(ids) - len(set(ids))} repeated ids; matches name them ambiguously")
    return Entities(ids, records, name)


def _store_rows(store_dir: Path, query: str) -> tuple[list[str], list[dict[str, str]]]:
    """Variables and rows (variable -> lexical value) of a SELECT on a local store."""
    from ai4c.linked.store import GeoStore

    with GeoStore(store_dir) as store:
        solutions = store.query(query)
        variables = [v.value for v in solutions.variables]
        rows = [{v: row[v].value for v in variables if row[v] is not None} for row in solutions]
    return variables, rows


def _endpoint_rows(url: str, query: str) -> tuple[list[str], list[dict[str, str]]]:
    """Variables and rows of a SELECT sent to a SPARQL 1.1 endpoint (SPARQL JSON results)."""
    import httpx

    from ai4c.core.errors import DependencyMissingError

    try:
        response = httpx.post(url, data={"query": query}, timeout=300,
                              headers={"Accept": "application/sparql-results+json"})
    except httpx.HTTPError as err:
        raise DependencyMissingError(f"SPARQL endpoint {url} is unreachable ({type(err).__name__}); "
                                     "check --store") from err
    if response.status_code != 200:
        raise InvalidProductError(f"SPARQL endpoint {url} answered HTTP {response.status_code}: "
                                  f"{response.text[:200]!r}")
    try:
        body = response.json()
        variables = list(body["head"]["vars"])
        rows = [{v: b["value"] for v, b in binding.items()} for binding in body["results"]["bindings"]]
    except (ValueError, KeyError, TypeError) as err:
        raise InvalidProductError(f"SPARQL endpoint {url} did not answer SPARQL JSON results") from err
    return variables, rows


def _records_from_rows(variables: list[str], rows: list[dict[str, str]], name: str) -> Entities:
    """Records from a SELECT binding ?id and any other variables (the attributes; repeated values joined)."""
    if "id" not in variables:
        raise InvalidProductError("the query must bind ?id (and attributes as other variables)")
    records: dict[str, dict[str, str]] = {}
    for row in rows:
        record = records.setdefault(row["id"], {})
        for var, value in row.items():
            if var != "id":
                record[var] = (record.get(var, "") + " " + value).strip()
    if not records:
        raise InvalidProductError("the query returned no rows")
    return Entities(list(records), list(records.values()), name)


def _task(params: ResolveParams) -> Task:
    first = _entities(params.source1, params, "source1")
    second = _entities(params.source2, params, "source2") if params.source2 else None
    task = Task(first, second)
    if params.ground_truth:
        pairs = read_pairs(params.ground_truth)
        task.truth, unknown = truth_from_ids(task, pairs)
        if not task.truth:
            raise BadInputError(f"no pair of ground truth {params.ground_truth} names known ids "
                                f"(first row: {pairs[0]}); check --id-column and the id order id1,id2")
        if unknown > 1:  # one unknown row is the header
            log.warn(f"{params.ground_truth}: {unknown} pairs name unknown ids and were skipped")
    elif params.tune:
        raise InvalidParameterError("--tune needs labelled pairs; give --ground-truth")
    return task


def _config(path: Path) -> dict:
    import yaml

    if not Path(path).is_file():
        raise BadInputError(f"workflow configuration {path} does not exist")
    try:
        config = yaml.safe_load(Path(path).read_text())
    except yaml.YAMLError as exc:
        raise BadInputError(f"{path} is not valid YAML/JSON ({first_line(exc)})") from None
    if not isinstance(config, dict):
        raise BadInputError(f"{path} must map workflow steps to components (see `ai4c jedai components`)")
    return config


def _write_matches(params: ResolveParams, task: Task, result: Result) -> None:
    """matches.csv (id1,id2, in source order) and the owl:sameAs N-Triples beside it, both atomically."""
    order = np.lexsort((result.j, result.i))
    ids = task.pair_ids(result.i[order], result.j[order])
    with atomic_path(params.output) as tmp:
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id1", "id2"])
            writer.writerows(ids)
    nt_path = params.ntriples or Path(params.output).with_suffix(".nt")
    base2 = params.base2 if task.clean_clean else params.base1
    left = iris(params.base1, np.array([a for a, _ in ids], dtype=object))
    right = iris(base2, np.array([b for _, b in ids], dtype=object))
    lines = "".join(f"{s} <{OWL_SAME_AS}> {o} .\n" for s, o in zip(left, right, strict=True))
    write_text_atomic(nt_path, lines)


def _explorer(task: Task, result: Result) -> dict:
    """Side-by-side records of found matches and, with truth, of false and missed ones."""
    found = set(zip(result.i.tolist(), result.j.tolist(), strict=True))

    def show(pairs) -> list[dict]:
        return [{"id1": task.entity_id(a), "id2": task.entity_id(b), "left": task.record(a), "right": task.record(b)}
                for a, b in sorted(pairs)[:EXPLORER_SAMPLE]]

    if not task.truth:
        return {"found": show(found)}
    return {"true_positives": show(found & task.truth), "false_positives": show(found - task.truth),
            "missed": show(task.truth - found)}


def append_history(path: Path, entry: dict) -> None:
    """Add one run to the JSON-lines history (created with its folder when absent)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, default=str) + "\n")


def read_history(path: Path) -> list[dict]:
    """Every recorded run, oldest first (unreadable lines skipped with a warning)."""
    path = Path(path)
    if not path.is_file():
        return []
    runs, bad = [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                runs.append(json.loads(line))
            except json.JSONDecodeError:
                bad += 1
    if bad:
        log.warn(f"{path}: {bad} unreadable history lines skipped")
    return runs
