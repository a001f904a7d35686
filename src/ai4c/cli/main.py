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


def named_command(argv: Sequence[str]) -> Command | None:
    """The top-level command `argv` starts with when its module is `ai4c.cli.<name>` (s2-pre, s1-grd, ...):
    only that module is imported, so a command starts without loading every other one."""
    import importlib.util

    name = argv[0] if argv else ""
    module = name.replace("-", "_")
    if not module.isidentifier() or module in SKIP or importlib.util.find_spec(f"ai4c.cli.{module}") is None:
        return None
    commands = getattr(importlib.import_module(f"ai4c.cli.{module}"), "COMMANDS", [])
    hits = [c for c in commands if name in (c.name, *c.aliases)]
    if len(hits) == 1 and hits[0].group is None and not any(c.group == name for c in commands):
        return hits[0]
    return None


def build_parser(commands: list[Command] | None = None) -> argparse.ArgumentParser:
    """The `ai4c` parser: top-level commands plus groups (graph, simulate, store, ...); `commands` limits
    it to those."""
    parser = Parser(prog="ai4c", description="AI4Copernicus services without SNAP.")
    parser.add_argument("--version", action="version", version=f"ai4c {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction] = {}
    for command in commands if commands is not None else discover_commands():
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
    named = named_command(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser([named] if named else None)
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
