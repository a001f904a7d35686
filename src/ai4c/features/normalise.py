"""Tag value normalisation: OSM's free-text values ("110 kV", "450 MW;20 MW", "Yes") into typed values."""

from __future__ import annotations

import re

# SI prefixes OSM values use, and the bare units each attribute may be declared in.
_PREFIX = {"": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "m": 1e-3}
_NUMBER = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)\s*([kMGm]?)\s*([A-Za-z]*)\s*$")
CASES = ("lower", "upper", "title", "keep")
TYPES = ("string", "int", "float", "bool")
_TRUE = {"yes", "true", "1"}
_FALSE = {"no", "false", "0"}


class UnparsableValue(ValueError):
    """A tag value that does not fit its attribute's declared type or unit (counted, not fatal)."""


def parse_quantity(text: str, unit: str | None) -> float:
    """The largest of the `;`-separated values of `text` in `unit` ("110 kV;20 kV" in V -> 110000.0).

    A value without a unit is taken to be in `unit` already; a different unit is an error."""
    values = []
    for part in str(text).split(";"):
        if not part.strip():
            continue
        match = _NUMBER.match(part)
        if not match:
            raise UnparsableValue(f"{part.strip()!r} is not a number")
        number, prefix, symbol = match.groups()
        number = float(number.replace(",", "."))
        if not symbol and prefix:  # "110 k" is not meaningful; "20m" could be metres: refuse
            raise UnparsableValue(f"{part.strip()!r} has a prefix without a unit")
        if symbol:
            if unit is None or symbol.lower() != unit.lower():
                raise UnparsableValue(f"{part.strip()!r} is not in {unit or 'a plain number'}")
            number *= _PREFIX[prefix]
        values.append(number)
    if not values:
        raise UnparsableValue(f"{text!r} is empty")
    return max(values)


def parse_bool(text: str) -> bool:
    """OSM yes/no values as booleans."""
    value = str(text).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise UnparsableValue(f"{text!r} is not yes/no")


def normalise_case(text: str, case: str) -> str:
    """Trim and fold the case of a string value (`keep` leaves the case alone)."""
    value = " ".join(str(text).split())
    if case == "lower":
        return value.lower()
    if case == "upper":
        return value.upper()
    if case == "title":
        return value.title()
    return value


def convert(text: str, kind: str, unit: str | None = None, case: str = "keep") -> object:
    """Convert one tag value to an attribute of type `kind` (string, int, float, bool)."""
    if kind == "string":
        return normalise_case(text, case)
    if kind == "bool":
        return parse_bool(text)
    number = parse_quantity(text, unit)
    if kind == "int":
        if number != int(number) and unit is None:
            raise UnparsableValue(f"{text!r} is not a whole number")
        return int(round(number))
    return number
