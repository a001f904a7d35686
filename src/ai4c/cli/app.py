"""The command frame shared by every entry point: common options, error-to-exit-code mapping, groups.

Each command module exports `COMMANDS = [Command(...)]`; `ai4c` discovers them, and the seed's own
script names (`S2-preprocess`, `train_lstm`, ...) call `Command.main` directly.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class Command:
    """One command: `ai4c [group] name ...` and, when `script` is set, the seed's script of that name."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int | None]
    group: str | None = None
    script: str | None = None
    aliases: list[str] = field(default_factory=list)

    def main(self, argv: Sequence[str] | None = None) -> int:
        """Entry point of the standalone script: parse, run, exit with the mapped status."""
        parser = Parser(prog=self.script or self.name, description=self.help)
        self.add_arguments(parser)
        add_common_options(parser)
        try:
            args = parser.parse_args(argv)
        except UsageError as err:
            code = err.report()
        else:
            code = run_guarded(self.run, args)
        if argv is None:
            sys.exit(code)
        return code


class UsageError(Exception):
    """A command line argparse cannot parse (unknown flag, value not among the choices, missing flag)."""

    def report(self) -> int:
        """One line on stderr, exit status 2 (like every other bad input)."""
        print(f"error: {self}", file=sys.stderr)
        return 2


class Parser(argparse.ArgumentParser):
    """argparse with ai4c's error contract: one line `error: ...` and exit status 2, no usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see {self.prog} --help)")


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """Options every command takes: --debug, --quiet, --scheduler."""
    common = parser.add_argument_group("common options")
    common.add_argument("--debug", action="store_true", help="show the traceback of errors")
    common.add_argument("--quiet", action="store_true", help="no progress bars or warnings")
    common.add_argument("--overwrite", action="store_true", help="replace outputs that already exist")
    common.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="dask.distributed scheduler address (or local:N); default: local threads")


def run_guarded(func: Callable[[argparse.Namespace], int | None], args: argparse.Namespace) -> int:
    """Run a command body; map ai4c errors to their exit status with one line on stderr."""
    from ai4c.core import log, progress
    from ai4c.core.errors import Ai4cError, first_line

    debug = bool(getattr(args, "debug", False))
    quiet = bool(getattr(args, "quiet", False))
    log.configure(quiet=quiet, debug=debug)
    progress.set_enabled(not quiet)
    try:
        from ai4c.core.outputs import overwriting
        from ai4c.core.parallel import scheduler

        with scheduler(getattr(args, "scheduler", None)), overwriting(bool(getattr(args, "overwrite", False))):
            return int(func(args) or 0)
    except Ai4cError as exc:
        if debug:
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # an internal failure: one line unless --debug
        if debug:
            traceback.print_exc()
        print(f"internal error: {type(exc).__name__}: {first_line(exc)} (rerun with --debug for the traceback)",
              file=sys.stderr)
        return 1


def csv_list(text: str) -> list[str]:
    """Parse a comma-separated flag value (`B2,B3,B4`) into a list of stripped items."""
    return [item.strip() for item in str(text).split(",") if item.strip()]
