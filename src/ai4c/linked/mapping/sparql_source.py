"""RML-IO SPARQL sources: the `rml:iterator` is a SELECT query run over an RDF file (loaded in memory); each
solution is a record whose references are the query's variables. Under formats:SPARQL_Results_CSV / TSV the
values are the terms' lexical forms (strings, as the CSV/TSV results carry them); under the JSON / XML
results formulations numbers and booleans keep their datatype."""

from __future__ import annotations

from collections.abc import Iterator

from ai4c.core.errors import BadInputError
from ai4c.linked.mapping.source_base import ReferenceError_, Source

FORMATS_NS = "http://www.w3.org/ns/formats/"
SPARQL_FORMULATIONS = {FORMATS_NS + f"SPARQL_Results_{name}" for name in ("CSV", "TSV", "JSON", "XML")}
TYPED = {"integer": int, "int": int, "long": int, "decimal": float, "double": float, "float": float}


def typed_value(term):
    """A term's value with the type its datatype names (JSON/XML results): 33, 1.5, True, else text."""
    datatype = getattr(getattr(term, "datatype", None), "value", "")
    local = datatype.rsplit("#", 1)[-1]
    if local in TYPED:
        return TYPED[local](term.value)
    if local == "boolean":
        return term.value in ("true", "1")
    return term.value


class SparqlSource(Source):
    """Solutions of a SELECT query over an RDF file."""

    @property
    def natural(self) -> bool:
        return self.spec.natural

    def records(self) -> Iterator[dict]:
        import pyoxigraph as ox

        from ai4c.products.rdf_syntax import rdf_format

        self._require_file()
        store = ox.Store()
        try:
            store.bulk_load(path=str(self.spec.path), format=rdf_format(self.spec.path))
            solutions = store.query(self.spec.iterator or "")
        except (SyntaxError, ValueError, OSError) as exc:
            raise BadInputError(f"SPARQL logical source over {self.spec.path} failed ({exc}); fix the query "
                                "in rml:iterator or the file") from exc
        if not isinstance(solutions, ox.QuerySolutions):
            raise BadInputError("the rml:iterator of a SPARQL logical source must be a SELECT query")
        self.variables = [v.value for v in solutions.variables]
        convert = typed_value if self.natural else (lambda term: term.value)
        for solution in solutions:
            self.count += 1
            yield {name: (None if solution[name] is None else convert(solution[name])) for name in self.variables}

    def lookup(self, record: dict, reference: str) -> list:
        if reference not in record:
            raise ReferenceError_(f"reference {reference!r} (rml:reference / template) is not a variable of "
                                  f"the SPARQL query (variables: {', '.join(record)})")
        value = record[reference]
        return [] if value is None else [value]

    def check(self, references: set[str]) -> None:
        variables = getattr(self, "variables", None)
        missing = sorted(references - set(variables)) if variables is not None else []
        if missing:
            raise ReferenceError_(f"reference {missing[0]!r} (rml:reference / template) is not a variable of "
                                  f"the SPARQL query (variables: {', '.join(variables)})")
