"""Typed parameter objects: one dataclass per service, the single source of defaults, choices and help.

A field made with `param()` carries its help text, its choices and its command-line spellings. The CLI builds
its flags from the class (`add_arguments`, argparse shows the choices), a graph's YAML is validated against it
(`validate`), and `ai4c graph show` prints it (`describe`). A value is checked once, here.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ai4c.core.errors import InvalidParameterError, check_choice

KEY = "ai4c"


@dataclasses.dataclass(frozen=True)
class Spec:
    """What a parameter field knows besides its default."""

    help: str
    kind: type = str
    choices: tuple[str, ...] | None = None
    flags: tuple[str, ...] = ()            # command-line spellings, the first one shown; () = --<name>
    metavar: str | None = None
    check: Callable[[str, Any], Any] | None = None   # extra rule: (name, value) -> value or raise
    cli: bool = True                       # False: a graph parameter only, no command-line flag


def param(default: Any, help: str, *, kind: type | None = None, choices: Iterable[str] | None = None,
          flags: Iterable[str] = (), metavar: str | None = None, check: Callable[[str, Any], Any] | None = None,
          cli: bool = True) -> Any:
    """A dataclass field with its help, type (from the default unless given), choices and flag spellings."""
    spec = Spec(help, kind or (str if default is None else type(default)), tuple(choices) if choices else None,
                tuple(flags), metavar, check, cli)
    return dataclasses.field(default=default, metadata={KEY: spec})


def specs(cls: type) -> dict[str, tuple[dataclasses.Field, Spec]]:
    """{name: (field, spec)} of a parameter class, in declaration order."""
    return {f.name: (f, f.metadata[KEY]) for f in dataclasses.fields(cls) if KEY in f.metadata}


def shown_name(name: str, spec: Spec) -> str:
    """The name a user knows a parameter by in messages: its first flag (`numberClasses`, `AoI`) or its own."""
    return spec.flags[0].lstrip("-") if spec.flags and not spec.flags[0].startswith("--no") else name


def coerce(name: str, spec: Spec, default: Any, value: Any) -> Any:
    """`value` as the parameter's type, checked against its choices and rule (None only when the default is)."""
    name = shown_name(name, spec)
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "null") and default is None):
        if default is None:
            return None
        raise InvalidParameterError(f"{name} needs a value (default {default!r})")
    try:
        if spec.kind is bool:
            value = _boolean(value)
        elif spec.kind is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            value = int(value)
        elif spec.kind is float:
            if isinstance(value, bool):
                raise ValueError(value)
            value = float(value)
        else:
            value = spec.kind(value)
    except (TypeError, ValueError) as err:
        raise InvalidParameterError(f"{name}={value!r} is not a{'n' if spec.kind is int else ''} "
                                    f"{spec.kind.__name__}; {spec.help}") from err
    if spec.choices:
        value = check_choice(name, value, spec.choices)
    return spec.check(name, value) if spec.check else value


def _boolean(value: Any) -> bool:
    """true/false, yes/no, 1/0 (YAML gives real booleans already)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off"):
        return False
    raise ValueError(value)


def validate(cls: type, values: Mapping[str, Any], *, base: Any = None, where: str = "") -> Any:
    """An instance of `cls` from `base` (or the defaults) updated with `values`; unknown names are errors."""
    known = specs(cls)
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise InvalidParameterError(f"{where or cls.__name__} has no parameter {', '.join(unknown)}; "
                                    f"it takes: {', '.join(known) or 'none'}")
    checked = {name: coerce(name, known[name][1], known[name][0].default, value) for name, value in values.items()}
    return dataclasses.replace(base if base is not None else cls(), **checked)


def as_dict(obj: Any) -> dict[str, Any]:
    """The parameter values of an instance (for STAC Items and YAML)."""
    return {name: getattr(obj, name) for name in specs(type(obj))}


def flag_names(name: str, spec: Spec) -> list[str]:
    """The command-line spellings of a parameter: its declared flags, else --name."""
    return list(spec.flags) or [f"--{name}"]


def add_arguments(parser: argparse.ArgumentParser, cls: type, *, skip: Iterable[str] = (),
                  only: Iterable[str] | None = None, required: Iterable[str] = (),
                  defaults: Mapping[str, Any] | None = None) -> None:
    """One flag per command-line parameter of `cls` (or of `only`, which may name graph-only ones): its
    spellings, type, choices and help with the default; the `required` ones have no default on the command line."""
    skip, required = set(skip), set(required)
    chosen = None if only is None else set(only)
    for name, (fld, spec) in specs(cls).items():
        if name in skip or (chosen is None and not spec.cli) or (chosen is not None and name not in chosen):
            continue
        if name in required:
            parser.add_argument(*flag_names(name, spec), dest=name, required=True, metavar=spec.metavar,
                                type=_argparse_type(name, spec), choices=spec.choices, help=spec.help)
            continue
        default = (defaults or {}).get(name, fld.default)
        shown = "" if default is None else f" (default {default})"
        if spec.kind is bool:
            if default:   # a flag that turns it off: the declared --no... spellings, else --no_name (--no-name)
                off = [f for f in spec.flags if f.startswith("--no")] or [f"--no_{name}", f"--no-{name}".replace("_", "-")]
                parser.add_argument(*dict.fromkeys(off), dest=name, action="store_false",
                                    help=f"do not {spec.help[0].lower()}{spec.help[1:]}")
            else:
                parser.add_argument(*flag_names(name, spec), dest=name, action="store_true", help=spec.help)
            continue
        parser.add_argument(*flag_names(name, spec), dest=name, default=default, metavar=spec.metavar,
                            type=_argparse_type(name, spec), choices=spec.choices, help=spec.help + shown)


def _argparse_type(name: str, spec: Spec) -> Callable[[str], Any]:
    """A converter argparse calls on the text: the type only (ranges are checked once, by `validate`)."""

    def convert(text: str) -> Any:
        if spec.choices:   # the allowed spelling, case-insensitively; argparse then checks the choices
            return next((c for c in spec.choices if c.lower() == text.lower()), text)
        try:
            return coerce(name, dataclasses.replace(spec, choices=None, check=None), None, text)
        except InvalidParameterError as err:
            raise argparse.ArgumentTypeError(str(err)) from err

    convert.__name__ = spec.kind.__name__
    return convert


def from_namespace(cls: type, args: argparse.Namespace) -> Any:
    """The parameter object of a parsed command line (the fields it has flags for; defaults for the others)."""
    return validate(cls, {name: getattr(args, name) for name in specs(cls) if hasattr(args, name)})


def describe(cls: type) -> list[str]:
    """One line per parameter: name, type, default, choices and help (for `ai4c graph show`)."""
    lines = []
    for name, (fld, spec) in specs(cls).items():
        choices = f" one of {', '.join(spec.choices)};" if spec.choices else ""
        flags = "" if not spec.cli else f" [{' '.join(flag_names(name, spec))}]"
        lines.append(f"{name} ({spec.kind.__name__}, default {fld.default!r}){flags}:{choices} {spec.help}")
    return lines


def odd(name: str, value: int) -> int:
    """A window size: an odd number >= 1."""
    if value < 1 or value % 2 == 0:
        raise InvalidParameterError(f"{name}={value} must be an odd number >= 1")
    return value


def positive(name: str, value: float) -> float:
    """A finite number > 0."""
    if not 0 < value < float("inf"):
        raise InvalidParameterError(f"{name}={value!r} must be a number > 0")
    return value


def at_least(minimum: float) -> Callable[[str, Any], Any]:
    """A rule: value >= minimum."""

    def check(name: str, value: Any) -> Any:
        if value < minimum:
            raise InvalidParameterError(f"{name}={value} must be >= {minimum}")
        return value

    return check


def within(low: float, high: float, unit: str = "") -> Callable[[str, Any], Any]:
    """A rule: low <= value <= high (`unit` named in the message)."""

    def check(name: str, value: Any) -> Any:
        if not low <= value <= high:
            raise InvalidParameterError(f"{name}={value}{' ' + unit if unit else ''} must be in {low}..{high}")
        return value

    return check
