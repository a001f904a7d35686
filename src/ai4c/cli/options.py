"""Options shared by several commands, defined once (service parameters come from ai4c.pipelines.parameters)."""

from __future__ import annotations

import argparse


def add_output_path(parser: argparse.ArgumentParser, *, required: bool = True, folder: bool = False) -> None:
    """--output_path: a file, or a folder (an existing one, or any path ending with a separator)."""
    help = ("output folder (created when missing)" if folder else
            "output file, or a folder (existing, or ending with /: created) named after the product")
    parser.add_argument("--output_path", required=required, metavar="DIR" if folder else "PATH", help=help)
