"""SQL logical sources on PostgreSQL/PostGIS through psycopg, streamed with a server-side cursor."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

from ai4c.core.errors import BadInputError, DependencyMissingError, first_line
from ai4c.linked.mapping.source_base import BATCH, ReferenceError_, Source

JDBC = re.compile(r"^jdbc:postgresql://")


def connection_string(dsn: str) -> str:
    """A libpq URL from a JDBC DSN (jdbc:postgresql://host:port/db) or a postgresql:// URL (minus ?table=)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(JDBC.sub("postgresql://", dsn.strip()))
    query = urlencode([(k, val) for k, val in parse_qsl(parts.query) if k != "table"])
    return urlunsplit(parts._replace(query=query))


def table_of(dsn: str) -> str | None:
    """The ?table= parameter of a postgresql:// URL (GeoTriples' way to name the table)."""
    from urllib.parse import parse_qs, urlsplit

    return (parse_qs(urlsplit(dsn).query).get("table") or [None])[0]


def unquote_identifier(name: str) -> str:
    """`"Name"` -> Name; a reference may be written as a delimited SQL identifier."""
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return name[1:-1].replace('""', '"')
    return name


class SqlSource(Source):
    """Rows of a table or query; values keep their SQL types (natural RDF literals)."""

    natural = True

    def __init__(self, spec) -> None:
        super().__init__(spec)
        self.columns: list[str] = []
        self.geometry_columns: set[str] = set()
        self.names: dict[str, str | None] = {}

    def describe(self) -> str:
        return f"SQL {self.query()!r}"

    def query(self) -> str:
        if self.spec.query:
            return self.spec.query.strip().rstrip(";")
        if self.spec.table:
            return f"SELECT * FROM {self.spec.table}"
        raise BadInputError("an SQL logical source needs rr:tableName or rml:query / rr:sqlQuery")

    def connect(self):
        """Open the database connection, naming the DSN in the error when it fails."""
        import psycopg

        if not self.spec.dsn:
            raise DependencyMissingError("the mapping reads a database but names none; give "
                                         "-sh postgresql://user@host:port/db")
        kwargs = {}
        if self.spec.user:
            kwargs["user"] = self.spec.user
        if self.spec.password:
            kwargs["password"] = self.spec.password
        try:
            return psycopg.connect(connection_string(self.spec.dsn), autocommit=False, **kwargs)
        except psycopg.Error as exc:
            raise DependencyMissingError(f"cannot connect to {self.spec.dsn}: {first_line(exc)}; check the server "
                                         "and the d2rq:jdbcDSN / -sh URL") from exc

    def records(self) -> Iterator[dict]:
        import psycopg

        with self.connect() as conn:
            try:
                with conn.cursor(name="ai4c_rml") as cur:
                    cur.itersize = BATCH
                    cur.execute(self.query())
                    rows = iter(cur)
                    first = next(rows, None)
                    self._describe(cur)
                    for row in itertools.chain([first] if first is not None else [], rows):
                        self.count += 1
                        yield dict(zip(self.columns, row, strict=True))
            except psycopg.Error as exc:
                raise BadInputError(f"SQL of the logical source failed: {first_line(exc)}; fix the query or table name") from exc

    def _describe(self, cur) -> None:
        """Column names (duplicates are an error: references would be ambiguous) and geometry columns."""
        self.columns = [d.name for d in cur.description]
        dupes = sorted({c for c in self.columns if self.columns.count(c) > 1})
        if dupes:
            raise BadInputError(f"the logical table has duplicate column {dupes[0]!r}; alias it in the query")
        self.geometry_columns = {d.name for d in cur.description if d.type_code not in _builtin_oids()}

    def column(self, reference: str) -> str | None:
        """The column a reference names: delimited identifiers exactly, regular ones also case-folded."""
        name = unquote_identifier(reference)
        if name in self.columns:
            return name
        if name == reference and name.lower() in self.columns:
            return name.lower()
        return None

    def lookup(self, record: dict, reference: str) -> list:
        name = self.names.get(reference)
        if name is None:
            name = self.names[reference] = self.column(reference)
        if name is None:
            raise ReferenceError_(f"column {reference!r} is not in {self.describe()} "
                                  f"(columns: {', '.join(self.columns)})")
        value = record[name]
        if value is None:
            return []
        if name in self.geometry_columns and isinstance(value, str):
            value = _ewkb_geometry(value)
        return [value]

    def check(self, references: set[str]) -> None:
        if not self.columns:
            return
        missing = sorted(r for r in references if self.column(r) is None)
        if missing:
            raise ReferenceError_(f"column {missing[0]!r} is not in {self.describe()} "
                                  f"(columns: {', '.join(self.columns)})")


def _builtin_oids() -> set[int]:
    """Type OIDs of PostgreSQL's built-in types (PostGIS geometry has an extension OID)."""
    from psycopg.postgres import types

    return {t.oid for t in types}


def _ewkb_geometry(text: str) -> Any:
    """PostGIS sends geometry as hex EWKB text; return a shapely geometry (text unchanged if not)."""
    import shapely

    try:
        return shapely.from_wkb(bytes.fromhex(text))
    except (ValueError, shapely.errors.GEOSException):
        return text
