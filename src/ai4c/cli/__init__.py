"""Thin command-line layer: each module defines `COMMANDS` (parse, call one pipeline, nothing else)."""
