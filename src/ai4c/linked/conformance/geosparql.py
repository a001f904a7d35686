"""Conformance runners: the GeoSPARQL compliance benchmark, Strabon's testsuite and Oxigraph's
GeoSPARQL tests, comparing results as those suites do (geometry literals compared as normalised
geometries, numbers with a relative tolerance, `-alternative-N` answers accepted)."""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import shapely

from ai4c.linked.geo.geometry import UnknownCrsError, is_geographic_safe, parse_literal
from ai4c.linked.geo.vocab import CRS84, XSD
from ai4c.linked.store.store import GeoStore

NUMERIC = {XSD + t for t in ("double", "float", "decimal", "integer", "int", "long", "short",
                             "nonNegativeInteger", "positiveInteger")}
REL_TOL = 1e-3
log = logging.getLogger(__name__)


@dataclass
class SuiteResult:
    """Pass/fail per test name, with failure details."""

    passed: dict[str, bool] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)

    @property
    def score(self) -> int:
        return sum(self.passed.values())

    @property
    def total(self) -> int:
        return len(self.passed)


def _norm_term(term):
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode",)
    datatype = term.datatype.value
    if datatype in NUMERIC:
        try:
            return ("num", float(term.value))
        except ValueError:
            return ("lit", term.value, datatype)
    if datatype == XSD + "boolean":
        return ("bool", term.value.strip() in ("true", "1"))
    try:
        geo = parse_literal(term.value, datatype)
    except UnknownCrsError as exc:
        log.warning("answer literal %r has an unknown CRS (%s); compared as text", term.value[:60], exc)
        geo = None
    if geo is not None:
        geom = geo.to(CRS84).geom if is_geographic_safe(geo.crs) else geo.geom
        return ("geom", shapely.normalize(geom))
    if datatype == XSD + "anyURI":
        return ("iri", term.value)
    return ("lit", term.value, datatype if not term.language else "@" + term.language)


def terms_match(a, b) -> bool:
    """Two normalised terms equal the way the suites compare them."""
    if a is None or b is None:
        return a is b
    if {a[0], b[0]} == {"iri", "lit"}:  # an IRI and a plain literal of the same text (getSRID)
        lit = a if a[0] == "lit" else b
        return lit[2] == XSD + "string" and lit[1] == (b if lit is a else a)[1]
    if a[0] != b[0]:
        return False
    if a[0] == "num":
        return math.isclose(a[1], b[1], rel_tol=REL_TOL, abs_tol=1e-9)
    if a[0] == "geom":
        ga, gb = a[1], b[1]
        if ga.is_empty or gb.is_empty:
            return ga.is_empty and gb.is_empty
        if shapely.equals_exact(ga, gb, tolerance=1e-6):
            return True
        try:
            return bool(shapely.equals(ga, gb)) or shapely.hausdorff_distance(ga, gb) < 1e-6
        except shapely.errors.GEOSException:
            return False
    if a[0] == "bnode":
        return True
    return a == b


def _rows(results, variables: list[str]) -> list[dict]:
    if isinstance(results, ExpectedResults):
        return [{n: _norm_term(row.get(n)) for n in variables} for row in results]
    return [{n: _norm_term(row[n]) for n in variables} for row in results]


def results_match(actual, expected) -> bool:
    """Compare pyoxigraph results with parsed expected results (multiset of rows, or a boolean)."""
    if expected.boolean is not None or isinstance(actual, ox.QueryBoolean):
        return isinstance(actual, ox.QueryBoolean) and bool(actual) == expected.boolean
    want_vars = [v.value for v in expected.variables]
    want = _rows(expected, want_vars)
    try:
        got = _rows(actual, want_vars)
    except (KeyError, TypeError):
        return False
    if len(got) != len(want):
        return False
    remaining = list(got)
    for row in want:
        for k, candidate in enumerate(remaining):
            if all(terms_match(candidate.get(v), row.get(v)) for v in want_vars):
                del remaining[k]
                break
        else:
            return False
    return True


class ExpectedResults:
    """Parsed SPARQL XML results (lxml, so CDATA sections are fine): variables and rows, or a boolean."""

    def __init__(self, path: Path) -> None:
        from lxml import etree

        ns = "{http://www.w3.org/2005/sparql-results#}"
        root = etree.parse(str(path)).getroot()
        boolean = root.find(f"{ns}boolean")
        self.boolean = None if boolean is None else boolean.text.strip() == "true"
        self.variables = [ox.Variable(v.get("name")) for v in root.iter(f"{ns}variable")]
        self.rows = []
        for result in root.iter(f"{ns}result"):
            row = {}
            for binding in result.iter(f"{ns}binding"):
                row[binding.get("name")] = _xml_term(binding[0], ns)
            self.rows.append(row)

    def __iter__(self):
        return iter(self.rows)


def _xml_term(node, ns: str):
    tag = node.tag.replace(ns, "")
    text = node.text or ""
    if tag == "uri":
        return ox.NamedNode(text.strip())
    if tag == "bnode":
        return ox.BlankNode()
    lang = node.get("{http://www.w3.org/XML/1998/namespace}lang")
    if lang:
        return ox.Literal(text, language=lang)
    datatype = node.get("datatype")
    return ox.Literal(text, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(text)


def load_expected(path: Path):
    """Expected results of a .srx file."""
    return ExpectedResults(path)


def _expected_variants(answers: Path, stem: str) -> list[Path]:
    main = answers / f"{stem}.srx"
    alternatives = sorted(answers.glob(f"{stem}-alternative-*.srx"))
    return [p for p in [main, *alternatives] if p.exists()]


EXTENSION_REQUIREMENTS = range(25, 31)  # RDFS entailment (R25-R27) and query rewrite (R28-R30)


def run_geosparql_benchmark(root: Path, *, single_configuration: bool = False) -> SuiteResult:
    """The 206 queries of the GeoSPARQL compliance benchmark against its dataset.

    Its expected answers for R1-R24 are those of a store without entailment and without query
    rewrite (e.g. Q04-1 `my:A geo:sfEquals ?f` expects the asserted triple only), while R25-R30
    expect them; like the benchmark's system adapters, the core requirements run on a store with
    both extensions off and R25-R30 on one with both on (`single_configuration` runs all on one).
    """
    base = root / "src" / "main" / "resources"
    full = GeoStore()
    full.load(base / "gsb_dataset" / "dataset.rdf")
    plain = full
    if not single_configuration:
        plain = GeoStore(entail=False, rewrite_topology=False)
        plain.load(base / "gsb_dataset" / "dataset.rdf")
    result = SuiteResult()
    for query_file in sorted((base / "gsb_queries").glob("query-r*.rq")):
        stem = query_file.stem
        store = full if int(requirement_of(stem)[1:]) in EXTENSION_REQUIREMENTS else plain
        ok, detail = False, ""
        for expected_file in _expected_variants(base / "gsb_answers", stem):
            try:
                actual = store.query(query_file.read_text())
                expected = load_expected(expected_file)
                if results_match(actual, expected):
                    ok = True
                    break
            except Exception as exc:  # a failing query is a failed test, with its message
                detail = f"{type(exc).__name__}: {exc}"
        result.passed[stem] = ok
        if not ok:
            result.details[stem] = detail or "wrong answer"
    return result


def requirement_of(stem: str) -> str:
    """'query-r19-4-2' -> 'R19'."""
    match = re.match(r"query-r(\d+)", stem)
    return f"R{int(match.group(1))}" if match else stem


def score_per_requirement(result: SuiteResult) -> dict[str, tuple[int, int]]:
    """Requirement -> (passed, total)."""
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for stem, ok in result.passed.items():
        entry = table[requirement_of(stem)]
        entry[0] += int(ok)
        entry[1] += 1
    return {k: (v[0], v[1]) for k, v in sorted(table.items(), key=lambda kv: int(kv[0][1:]))}


def run_strabon_testsuite(root: Path) -> SuiteResult:
    """Every .rq with a .srx in Strabon's testsuite, each folder's .nt/.nq loaded into a fresh store."""
    resources = root / "testsuite" / "src" / "test" / "resources"
    header = (resources / "prefixes").read_text()
    result = SuiteResult()
    for folder in sorted({p.parent for p in resources.rglob("*.rq")}):
        store = GeoStore()
        for data in sorted([*folder.glob("*.nt"), *folder.glob("*.nq"), *folder.glob("*.ttl")]):
            store.load(data)
        for query_file in sorted(folder.glob("*.rq")):
            expected_file = query_file.with_suffix(".srx")
            if not expected_file.exists():
                continue
            name = str(query_file.relative_to(resources).with_suffix(""))
            try:
                text = query_file.read_text()
                actual = store.query(header + "\n" + text if "PREFIX strdf" not in text else text)
                expected = load_expected(expected_file)
                ok = results_match(actual, expected)
                detail = "" if ok else "wrong answer"
            except Exception as exc:
                ok, detail = False, f"{type(exc).__name__}: {exc}"
            result.passed[name] = ok
            if detail:
                result.details[name] = detail
    return result


def run_oxigraph_tests(folder: Path) -> SuiteResult:
    """Oxigraph's GeoSPARQL tests: each .rq (no data) against its .srx."""
    result = SuiteResult()
    store = GeoStore()
    for query_file in sorted(folder.glob("*.rq")):
        expected_file = query_file.with_suffix(".srx")
        if not expected_file.exists():
            continue
        try:
            actual = store.query(query_file.read_text())
            expected = load_expected(expected_file)
            ok, detail = results_match(actual, expected), "wrong answer"
        except Exception as exc:
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        result.passed[query_file.stem] = ok
        if not ok:
            result.details[query_file.stem] = detail
    return result
