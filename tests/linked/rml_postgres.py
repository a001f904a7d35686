"""Fixture of the GeoTriples SQL tests: a throw-away PostgreSQL server on 127.0.0.1 (import it)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def postgres_dsn():
    """URL of a temporary PostgreSQL server (initdb in a temp folder, run as user postgres when root)."""
    from ai4c.linked.conformance.rml import temporary_postgres

    try:
        server = temporary_postgres()
        dsn = server.__enter__()
    except (RuntimeError, OSError) as exc:
        pytest.skip(f"PostgreSQL cannot start here ({exc}); install it with "
                    "`apt-get install -y postgresql` to run the SQL tests")
    yield dsn
    server.__exit__(None, None, None)
