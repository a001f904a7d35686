"""Record sources for entity resolution: CSV/TSV (any separator, quoted fields), JSON (an array of
objects, or JSON lines) and RDF files (one record per subject), as ids + attribute dicts."""

from __future__ import annotations

import csv
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import TextIO

from ai4c.core.errors import InputNotFoundError, InvalidProductError
from ai4c.products.rdf_syntax import RDF_SUFFIXES, rdf_format


def read_records(path: Path | str, *, id_column: str = "id", separator: str | None = None
                 ) -> tuple[list[str], list[dict[str, str]]]:
    """(ids, records) of a file; records without an id get their row number."""
    path = Path(path)
    if not path.is_file():
        raise InputNotFoundError(f"{path} does not exist; give a CSV/TSV, JSON or RDF file")
    suffix = path.suffix.lower()
    if suffix in RDF_SUFFIXES:
        ids, records = _rdf(path)
    elif suffix in (".json", ".jsonl", ".ndjson"):
        ids, records = _json(path, id_column)
    else:
        ids, records = _csv(path, id_column, separator)
    if not ids:
        raise InvalidProductError(f"{path} holds no records; check the file and --separator")
    return ids, records


def read_pairs(path: Path | str, separator: str | None = None) -> list[tuple[str, str]]:
    """Id pairs of a ground-truth file (two columns; a header row is dropped by the caller's id check)."""
    path = Path(path)
    if not path.is_file():
        raise InputNotFoundError(f"ground truth {path} does not exist")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle, delimiter=file_separator(handle, separator)))
    pairs = [(r[0].strip(), r[1].strip()) for r in rows if len(r) >= 2]
    if not pairs:
        raise InvalidProductError(f"ground truth {path} has no two-column rows; give id1,id2 per line")
    return pairs


def sniff_separator(sample: str) -> str:
    """The separator of a delimited text's header line (`,` `;` tab `|` `%`)."""
    header = sample.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|", "%")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def file_separator(handle: TextIO, separator: str | None = None) -> str:
    """`separator`, else the one sniffed from the first 64 KiB of the open text file (rewound after)."""
    if separator:
        return separator
    sample = handle.read(65536)
    handle.seek(0)
    return sniff_separator(sample)


def _csv(path: Path, id_column: str, separator: str | None):
    csv.field_size_limit(sys.maxsize)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        sep = separator or ("\t" if path.suffix.lower() == ".tsv" else file_separator(handle))
        reader = csv.DictReader(handle, delimiter=sep)
        if reader.fieldnames is None:
            return [], []
        if id_column not in reader.fieldnames and id_column != "id":
            raise InvalidProductError(f"id column {id_column!r} is not in {path} "
                                      f"(columns: {', '.join(reader.fieldnames)})")
        ids, records = [], []
        for number, row in enumerate(reader):
            row.pop(None, None)  # surplus fields of a ragged row
            ids.append(str(row.pop(id_column, None) or number))
            records.append({k: (v or "").strip() for k, v in row.items() if k is not None})
    return ids, records


def _json(path: Path, id_column: str):
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise InvalidProductError(f"{path} is not JSON or JSON lines ({exc})") from None
    if isinstance(data, dict):
        data = next((v for v in data.values() if isinstance(v, list)), [data])
    ids, records = [], []
    for number, item in enumerate(data):
        if not isinstance(item, dict):
            raise InvalidProductError(f"{path}: record {number} is not an object")
        record = {str(k): _flat(v) for k, v in item.items()}
        ids.append(str(record.pop(id_column, None) or number))
        records.append(record)
    return ids, records


def _flat(value) -> str:
    if isinstance(value, list):
        return " ".join(_flat(v) for v in value)
    if isinstance(value, dict):
        return " ".join(_flat(v) for v in value.values())
    return "" if value is None else str(value)


def _rdf(path: Path):
    import pyoxigraph as ox

    fmt = rdf_format(path)
    records: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    try:
        for quad in ox.parse(path=str(path), format=fmt):
            if isinstance(quad.object, ox.Literal):
                records[quad.subject.value][quad.predicate.value].append(quad.object.value)
    except (SyntaxError, ValueError, OSError) as exc:
        raise InvalidProductError(f"{path} is not readable RDF ({exc})") from None
    ids = list(records)
    return ids, [{p: " ".join(v) for p, v in records[s].items()} for s in ids]
