"""One error hierarchy: classes named for what the user can fix, each with its CLI exit status."""

from __future__ import annotations


class Ai4cError(Exception):
    """Base of every ai4c error; `exit_code` is what the CLI returns for it."""

    exit_code = 1


class InternalError(Ai4cError):
    """A bug or an unexpected state inside ai4c (exit status 1)."""

    exit_code = 1


class BadInputError(Ai4cError):
    """Anything the user can fix by changing the command line or the input files (exit status 2)."""

    exit_code = 2


class InputNotFoundError(BadInputError, FileNotFoundError):
    """An input path that does not exist."""


class InvalidProductError(BadInputError, ValueError):
    """A file or folder that is not the product it should be (corrupt, truncated, wrong type)."""


class InvalidParameterError(BadInputError, ValueError):
    """A parameter value outside its allowed set or range."""


class IncompatiblePairError(BadInputError, ValueError):
    """Two products that cannot be processed as a pair (mode, swaths, track, footprint or dates differ)."""


class AoIError(BadInputError, ValueError):
    """An area of interest that cannot be parsed or does not meet the data."""


class OutputError(BadInputError, OSError):
    """An output location that cannot be written."""


class DependencyMissingError(BadInputError):
    """An optional external input the user must provide (a DEM, an orbit file, a server)."""


def check_choice(name: str, value: str, allowed: list[str] | tuple[str, ...]) -> str:
    """Return the allowed spelling of `value` (case-insensitive match) or raise naming the choices."""
    for candidate in allowed:
        if candidate.lower() == str(value).lower():
            return candidate
    raise InvalidParameterError(f"{name}={value!r} is not allowed; use one of: {', '.join(allowed)}")


def check_positive(name: str, value: float) -> float:
    """Return `value` when it is a finite number > 0, else raise."""
    try:
        number = float(value)
    except (TypeError, ValueError) as err:
        raise InvalidParameterError(f"{name}={value!r} must be a number > 0") from err
    if not number > 0 or number == float("inf"):
        raise InvalidParameterError(f"{name}={value!r} must be a number > 0")
    return number


def first_line(err: BaseException) -> str:
    """The first line of an exception's message (libraries' messages can run over many lines), else its type."""
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
