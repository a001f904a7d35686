"""Inspect a PostgreSQL/PostGIS table (postgresql://user@host:port/db?table=[schema.]name) for generation."""

from __future__ import annotations

from ai4c.core.errors import BadInputError
from ai4c.linked.mapping import vocab as v
from ai4c.linked.mapping.model import LogicalSource
from ai4c.linked.mapping.schema_model import Column, Schema
from ai4c.linked.mapping.sql import SqlSource, table_of

SQL_TYPES = {"integer": "integer", "bigint": "integer", "smallint": "integer", "numeric": "decimal",
             "real": "double", "double precision": "double", "boolean": "boolean", "date": "date",
             "timestamp without time zone": "dateTime", "timestamp with time zone": "dateTime",
             "bytea": "hexBinary"}


def inspect_table(url: str) -> Schema:
    """Columns (XSD types from information_schema), primary key, PostGIS geometry column and SRID."""
    table = table_of(url)
    if not table:
        raise BadInputError(f"{url} names no table; add ?table=NAME (or ?table=schema.name)")
    schema_name, _, name = table.rpartition(".")
    schema_name = schema_name or "public"
    source = SqlSource(LogicalSource(kind="sql", dsn=url, table=table))
    with source.connect() as conn:
        rows = conn.execute("SELECT column_name, data_type, udt_name FROM information_schema.columns "
                            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                            (schema_name, name)).fetchall()
        if not rows:
            raise BadInputError(f"table {table!r} does not exist in {url.split('?')[0]}; check ?table=")
        keys = conn.execute("SELECT k.column_name FROM information_schema.table_constraints t "
                            "JOIN information_schema.key_column_usage k USING (constraint_name, table_schema) "
                            "WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = %s "
                            "AND t.table_name = %s", (schema_name, name)).fetchall()
        out = Schema("sql", url, name, table=table)
        for column, data_type, udt in rows:
            if udt == "geometry":
                out.geometry = column
                srid = conn.execute("SELECT Find_SRID(%s, %s, %s)", (schema_name, name, column)).fetchone()
                out.epsg = str(srid[0]) if srid and srid[0] else None
                continue
            out.columns.append(Column(column, v.XSD + SQL_TYPES.get(data_type, "string")))
    if len(keys) == 1:
        out.key = keys[0][0]
    return out
