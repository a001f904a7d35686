"""The web page at `/` of the features service (placeholder until the shared front-end lands)."""

from __future__ import annotations


def render(store) -> str:
    return "<html><body>ai4c OSM features</body></html>"
