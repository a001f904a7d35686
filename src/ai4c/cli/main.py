"""`ai4c`: the unified front end; discovers every command module in `ai4c.cli`."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from ai4c import __version__
from ai4c.cli.app import Command, Parser, UsageError, add_common_options, run_guarded

SKIP = {"app", "main", "options"}


def discover_commands() -> list[Command]:
    """Every `COMMANDS` entry of the modules in ai4c.cli (modules import nothing heavy at top level)."""
    import ai4c.cli as package

    commands: list[Command] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name in SKIP or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"ai4c.cli.{info.name}")
        commands.extend(getattr(module, "COMMANDS", []))
    return commands


def build_parser() -> argparse.ArgumentParser:
    """The `ai4c` parser: top-level commands plus groups (graph, simulate, store, ...)."""
    parser = Parser(prog="ai4c", description="AI4Copernicus services without SNAP.")
    parser.add_argument("--version", action="version", version=f"ai4c {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction] = {}
    for command in discover_commands():
        target = subparsers
        if command.group:
            if command.group not in groups:
                group_parser = subparsers.add_parser(command.group, help=f"{command.group} commands")
                groups[command.group] = group_parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND",
                                                                    required=True)
            target = groups[command.group]
        sub = target.add_parser(command.name, help=command.help, description=command.help,
                                aliases=command.aliases)
        command.add_arguments(sub)
        add_common_options(sub)
        sub.set_defaults(_run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `ai4c ...` and run the chosen command."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as err:
        code = err.report()
        if argv is None:
            sys.exit(code)
        return code
    if not getattr(args, "_run", None):
        parser.print_help()
        code = 2
    else:
        code = run_guarded(args._run, args)
    if argv is None:
        sys.exit(code)
    return code
