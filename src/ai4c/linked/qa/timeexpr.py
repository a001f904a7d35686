"""Time expressions of questions -> a UTC period [start, end): absolute dates, months, seasons, years,
ranges, and expressions relative to a reference date ('last summer', 'in the past 10 days').

Each rule consumes the text it understood (blanked out of the question) so the caller can report what was
left over. Event-relative phrases ('after the 2023 earthquake') are recognised as such and reported as
not understood, never guessed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

from ai4c.core.errors import InvalidParameterError

MONTHS = {name: i for i, names in enumerate(
    [(), ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
     ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
     ("november", "nov"), ("december", "dec")]) for name in names}
_M = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b\.?"
_D = r"(\d{1,2})(?:st|nd|rd|th)?"
_Y = r"(\d{4})\b"
SEASONS = {"spring": (3, 3), "summer": (6, 3), "autumn": (9, 3), "fall": (9, 3), "winter": (12, 3)}
_SEASON = "(spring|summer|autumn|fall|winter)"
UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "month": 30, "months": 30, "year": 365, "years": 365}
EVENTS = (r"earthquakes?|quakes?|eruptions?|floods?|flooding|fires?|wildfires?|storms?|hurricanes?|typhoons?|"
          r"cyclones?|tsunamis?|landslides?|explosions?|olympics|war|disaster|blast|drought|heatwave|"
          r"oil spill|spill|event")
MIN_YEAR, MAX_YEAR = 1957, 2100


@dataclass
class Period:
    """What the time rules understood: the period, the words they used, what they assumed or could not read."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None
    phrase: str = ""
    assumptions: list[str] = field(default_factory=list)
    not_understood: list[str] = field(default_factory=list)


def _utc(year: int, month: int = 1, day: int = 1) -> dt.datetime:
    check_year(year)
    try:
        return dt.datetime(year, month, day, tzinfo=dt.UTC)
    except ValueError:
        raise InvalidParameterError(f"{day} {calendar.month_name[month]} {year} is not a date") from None


def check_year(year: int) -> None:
    """Reject years no Earth observation product can have (absurd dates)."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidParameterError(f"the year {year} is outside {MIN_YEAR}-{MAX_YEAR}; "
                                    f"no satellite product has that date")


def _month_span(year: int, month: int, months: int = 1) -> tuple[dt.datetime, dt.datetime]:
    start = _utc(year, month)
    total = year * 12 + month - 1 + months
    return start, _utc(total // 12, total % 12 + 1)


def _day_span(year: int, month: int, day: int) -> tuple[dt.datetime, dt.datetime]:
    start = _utc(year, month, day)
    return start, start + dt.timedelta(days=1)


def _season(name: str, year: int) -> tuple[dt.datetime, dt.datetime]:
    month, length = SEASONS[name]
    return _month_span(year, month, length)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _last_season(name: str, today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The most recent such season that has ended before `today`."""
    for year in (today.year, today.year - 1, today.year - 2):
        span = _season(name, year)
        if span[1] <= _midnight(today):
            return span
    raise InternalRuleError(name)


class InternalRuleError(RuntimeError):
    """A rule that cannot happen (kept explicit rather than silent)."""


def _iso(text: str) -> tuple[dt.datetime, dt.datetime]:
    year, month, day = (int(v) for v in text.split("-"))
    return _day_span(year, month, day)


def _relative(text: str, today: dt.date) -> tuple[dt.datetime, dt.datetime, str]:
    """'last 10 days', 'past 3 months', 'last week/month/year', 'this month/year', today, yesterday."""
    end = _midnight(today) + dt.timedelta(days=1)
    words = text.split()
    if words[-1] == "today":
        return end - dt.timedelta(days=1), end, ""
    if words[-1] == "yesterday":
        return end - dt.timedelta(days=2), end - dt.timedelta(days=1), ""
    if words[0] == "this":
        if words[1] == "year":
            return _utc(today.year), end, ""
        if words[1] == "month":
            return _utc(today.year, today.month), end, ""
        return _midnight(today - dt.timedelta(days=today.weekday())), end, ""
    count = int(words[-2]) if words[-2].isdigit() else 1
    unit = words[-1]
    if count == 1 and words[0] in ("last", "previous") and len(words) == 2:  # calendar unit before this one
        if unit == "year":
            return _utc(today.year - 1), _utc(today.year), ""
        if unit == "month":
            first = _utc(today.year, today.month)
            return _month_span(*((today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)))[0], first, ""
        monday = _midnight(today - dt.timedelta(days=today.weekday()))
        return monday - dt.timedelta(days=7), monday, ""
    days = count * UNITS[unit]
    note = f"'{text}' taken as the {days} days up to {today.isoformat()}" if unit in ("month", "months", "year",
                                                                                       "years") else ""
    return end - dt.timedelta(days=days), end, note


def parse_period(text: str, today: dt.date) -> tuple[Period, str]:
    """Find the question's time expression in normalised `text`; returns it and the text with it blanked."""
    period = Period()
    event = re.search(rf"\b(after|before|since|during|following|prior to|around)\s+(the\s+)?(\w+\s+){{0,3}}?"
                      rf"({EVENTS})\b(\s+(of|in)\s+\d{{4}})?", text)
    if event:
        period.not_understood.append(f"'{event.group(0)}': times relative to an event are not supported; "
                                     f"give dates instead (e.g. 'in March 2018')")
        text = _blank(text, event)
    for rule in RULES:
        match = re.search(rule.pattern, text)
        if match:
            start, end, note = rule.read(match, today)
            period.start, period.end, period.phrase = start, end, match.group(0).strip()
            if note:
                period.assumptions.append(note)
            text = _open_bounds(_blank(text, match), period, today, match.start())
            break
    if period.start is not None and period.end is not None and period.end <= period.start:
        raise InvalidParameterError(f"the period '{period.phrase}' ends before it starts; give the earlier date first")
    return period, text


def _open_bounds(text: str, period: Period, today: dt.date, at: int) -> str:
    """'since X', 'after X', 'before X', 'until X' right before an understood period make it open-ended."""
    bound = re.search(r"\b(since|after|starting|starting from|before|until|till|prior to|up to)\s*$", text[:at])
    if bound is None:
        return text
    word = bound.group(1)
    if word in ("since", "after", "starting", "starting from"):
        period.start = period.end if word == "after" else period.start
        period.end = _midnight(today) + dt.timedelta(days=1)
        period.assumptions.append(f"'{word} {period.phrase}' taken up to the reference date {today.isoformat()}")
    else:
        period.end = period.start
        period.start = _utc(2014, 4, 3)
        period.assumptions.append(f"'{word} {period.phrase}' taken from the first Sentinel product (2014-04-03)")
    return _blank(text, bound)


def _blank(text: str, match: re.Match) -> str:
    return text[:match.start()] + " " * (match.end() - match.start()) + text[match.end():]


@dataclass(frozen=True)
class Rule:
    """One time pattern and how to read it into (start, end, assumption)."""

    pattern: str
    read: object


def _r(pattern: str):
    def wrap(func):
        RULES.append(Rule(r"(?<![\w-])" + pattern, func))
        return func
    return wrap


RULES: list[Rule] = []


@_r(r"(?:between|from)?\s*(\d{4}-\d{2}-\d{2})\s+(?:and|to|until|till|-)\s+(\d{4}-\d{2}-\d{2})\b")
def _iso_range(m, today):
    return _iso(m.group(1))[0], _iso(m.group(2))[1], ""


@_r(rf"(?:between|from)?\s*{_D}\s+{_M}\s+(?:{_Y}\s+)?(?:and|to|until|till|-)\s+{_D}\s+{_M}\s+{_Y}")
def _day_month_range(m, today):
    y2 = int(m.group(6))
    y1 = int(m.group(3)) if m.group(3) else y2
    return (_day_span(y1, MONTHS[m.group(2)], int(m.group(1)))[0],
            _day_span(y2, MONTHS[m.group(5)], int(m.group(4)))[1], "")


@_r(rf"(?:between|from)?\s*{_D}\s*(?:and|to|until|till|-)\s*{_D}\s+{_M}\s+{_Y}")
def _days_of_month(m, today):
    year, month = int(m.group(4)), MONTHS[m.group(3)]
    return _day_span(year, month, int(m.group(1)))[0], _day_span(year, month, int(m.group(2)))[1], ""


@_r(rf"(?:between|from)?\s*{_M}\s+(?:{_Y}\s+)?(?:and|to|until|till|-)\s+{_M}\s+{_Y}")
def _month_range(m, today):
    y2 = int(m.group(4))
    y1 = int(m.group(2)) if m.group(2) else y2
    return _month_span(y1, MONTHS[m.group(1)])[0], _month_span(y2, MONTHS[m.group(3)])[1], ""


@_r(rf"(?:between|from)\s+{_Y}\s+(?:and|to|until|till|-)\s+{_Y}")
def _year_range(m, today):
    return _utc(int(m.group(1))), _utc(int(m.group(2)) + 1), ""


@_r(r"(\d{4}-\d{2}-\d{2})\b")
def _iso_day(m, today):
    return (*_iso(m.group(1)), "")


@_r(rf"{_D}\s+(?:of\s+)?{_M}\s*,?\s*{_Y}")
def _day(m, today):
    return (*_day_span(int(m.group(3)), MONTHS[m.group(2)], int(m.group(1))), "")


@_r(rf"{_M}\s+{_D}\s*,?\s*{_Y}")
def _us_day(m, today):
    return (*_day_span(int(m.group(3)), MONTHS[m.group(1)], int(m.group(2))), "")


@_r(r"(\d{1,2})/(\d{1,2})/(\d{4})\b")
def _slash_day(m, today):
    return (*_day_span(int(m.group(3)), int(m.group(2)), int(m.group(1))),
            f"'{m.group(0)}' read as day/month/year")


@_r(rf"(?:early|beginning of)\s+{_M}\s+{_Y}")
def _early_month(m, today):
    year, month = int(m.group(2)), MONTHS[m.group(1)]
    return _utc(year, month), _utc(year, month, 11), f"'{m.group(0)}' taken as days 1-10"


@_r(rf"(?:late|end of)\s+{_M}\s+{_Y}")
def _late_month(m, today):
    year, month = int(m.group(2)), MONTHS[m.group(1)]
    return _utc(year, month, 21), _month_span(year, month)[1], f"'{m.group(0)}' taken as day 21 to the month's end"


@_r(rf"{_M}\s*(?:of\s+)?,?\s*{_Y}")
def _month(m, today):
    return (*_month_span(int(m.group(2)), MONTHS[m.group(1)]), "")


@_r(r"(?:q([1-4])|(first|second|third|fourth) quarter(?: of)?)\s+(\d{4})\b")
def _quarter(m, today):
    index = int(m.group(1)) if m.group(1) else ["first", "second", "third", "fourth"].index(m.group(2)) + 1
    return (*_month_span(int(m.group(3)), 3 * index - 2, 3), "")


@_r(rf"{_SEASON}\s+(?:of\s+)?{_Y}")
def _season_of_year(m, today):
    note = f"'{m.group(1)}' taken as the meteorological season ({_season_months(m.group(1))})"
    return (*_season(m.group(1), int(m.group(2))), note)


@_r(rf"(?:last|previous|past)\s+{_SEASON}")
def _last_season_rule(m, today):
    start, end = _last_season(m.group(1), today)
    return start, end, (f"'{m.group(0)}' taken as {m.group(1)} {start.year} ({_season_months(m.group(1))}), "
                        f"the last one before {today.isoformat()}")


@_r(rf"this\s+{_SEASON}")
def _this_season(m, today):
    start, end = _season(m.group(1), today.year if m.group(1) != "winter" or today.month == 12 else today.year - 1)
    return start, end, f"'{m.group(0)}' taken as {m.group(1)} {start.year} ({_season_months(m.group(1))})"


@_r(rf"(?:last|previous)\s+{_M}(?!\s*\d)")
def _last_month_name(m, today):
    month = MONTHS[m.group(1)]
    year = today.year if month < today.month else today.year - 1
    return (*_month_span(year, month), f"'{m.group(0)}' taken as {calendar.month_name[month]} {year}")


@_r(rf"(?:in|during|for)\s+{_M}(?!\s*,?\s*\d)")
def _bare_month(m, today):
    month = MONTHS[m.group(1)]
    year = today.year if month <= today.month else today.year - 1
    return (*_month_span(year, month), f"'{m.group(0)}' without a year taken as {calendar.month_name[month]} "
                                       f"{year}, the latest one up to {today.isoformat()}")


@_r(rf"(?:in|during)\s+(?:the\s+)?{_SEASON}(?!\s*(?:of\s+)?\d)")
def _bare_season(m, today):
    start, end = _last_season(m.group(1), today)
    return start, end, (f"'{m.group(0)}' without a year taken as {m.group(1)} {start.year} "
                        f"({_season_months(m.group(1))}), the last one before {today.isoformat()}")


@_r(r"(?:(?:in\s+the\s+)?(?:last|past|previous)\s+(?:\d+\s+)?(?:days?|weeks?|months?|years?)|"
    r"this\s+(?:week|month|year)|today|yesterday)\b")
def _relative_rule(m, today):
    return _relative(re.sub(r"^in\s+the\s+", "", m.group(0)), today)


@_r(r"(\d+)\s+(days?|weeks?|months?|years?)\s+ago\b")
def _ago(m, today):
    days = int(m.group(1)) * UNITS[m.group(2)]
    day = today - dt.timedelta(days=days)
    return _midnight(day), _midnight(day) + dt.timedelta(days=1), f"'{m.group(0)}' taken as the day {day.isoformat()}"


@_r(r"(?<!most\s)(?:recent|recently|lately)\b")
def _recent(m, today):
    end = _midnight(today) + dt.timedelta(days=1)
    return end - dt.timedelta(days=30), end, f"'{m.group(0)}' taken as the last 30 days before {today.isoformat()}"


@_r(r"(\d{4})\b")
def _year(m, today):
    year = int(m.group(1))
    return _utc(year), _utc(year + 1), ""


def _season_months(name: str) -> str:
    month, length = SEASONS[name]
    names = [calendar.month_abbr[(month - 1 + i) % 12 + 1] for i in range(length)]
    return "-".join((names[0], names[-1]))
