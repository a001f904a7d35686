"""The choices and ranges of the optical algorithms' parameters, in a module light enough for the CLI to import
(no numpy): the resampling methods of SNAP's S2Resampling and the rules of CVA's confidence and classes."""

from __future__ import annotations

from ai4c.core.errors import InvalidParameterError

UPSAMPLING = ("Nearest", "Bilinear", "Bicubic")
DOWNSAMPLING = ("First", "Min", "Max", "Mean", "Median")
FLAG_DOWNSAMPLING = ("First", "FlagAnd", "FlagOr", "FlagMedianAnd", "FlagMedianOr")


def check_confidence(level: float) -> float:
    """A confidence level in percent, strictly between 0 and 100."""
    try:
        value = float(level)
    except (TypeError, ValueError) as err:
        raise InvalidParameterError(f"levelConfidence={level!r} is not a number; use e.g. 99.99") from err
    if not 0 < value < 100:
        raise InvalidParameterError(f"levelConfidence={level!r} must be > 0 and < 100 (percent), e.g. 99.99")
    return value


def check_classes(number: int) -> int:
    """At least one change class, at most 254 (255 is the no-data code)."""
    try:
        value = int(number)
    except (TypeError, ValueError) as err:
        raise InvalidParameterError(f"numberClasses={number!r} is not an integer; use e.g. 4") from err
    if value < 1 or value > 254 or value != float(number):
        raise InvalidParameterError(f"numberClasses={number!r} must be an integer in 1..254")
    return value
