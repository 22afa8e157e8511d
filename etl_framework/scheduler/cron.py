"""Glue's cron expressions: ``cron(Minutes Hours Day-of-month Month Day-of-week Year)``, in UTC.

Glue's grammar differs from Unix cron: six fields, day-of-week 1-7 = SUN-SAT, exactly one of the two
day fields is ``?``, ``L``, ``W``, ``LW`` and ``#``, a Year field, and no rate faster than every 5
minutes. ``parse`` checks an expression as Glue does and translates it to croniter's five fields,
which compute the fire times; the Year field and ``LW`` (which croniter lacks) are handled here.

>>> s = parse("cron(0 18 ? * MON-FRI *)")
>>> s.next_after(datetime(2026, 1, 30, 19, 0, tzinfo=timezone.utc)).isoformat()  # a Friday evening
'2026-02-02T18:00:00+00:00'
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from croniter import croniter
from croniter.croniter import CroniterBadDateError

from ..errors import ConfigError

FIELDS = ("Minutes", "Hours", "Day-of-month", "Month", "Day-of-week", "Year")
_BOUNDS = {"Minutes": (0, 59), "Hours": (0, 23), "Day-of-month": (1, 31), "Month": (1, 12)}
_BOUNDS |= {"Day-of-week": (1, 7), "Year": (1970, 2199)}
_NAMES = {
    "Month": {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m},
    "Day-of-week": {d: i + 1 for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))},
}
_FORM = "cron(Minutes Hours Day-of-month Month Day-of-week Year)"
MIN_INTERVAL_MINUTES = 5  # Glue: "Cron expressions that lead to rates faster than 5 minutes are not supported"


class CronError(ConfigError):
    """A cron expression Glue would refuse; the message names the field and why."""


_Error = Callable[[str, str], CronError]  # (field, reason) -> the error naming the expression


@dataclass(frozen=True)
class CronSchedule:
    """A parsed Glue cron expression: the sets of minutes, hours, months and years it fires in, and
    its two day fields in croniter's form (day-of-week numbered from Sunday = 0)."""

    expression: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: str
    months: tuple[int, ...]
    weekdays: str
    years: tuple[int, ...]

    @property
    def croniter_form(self) -> str:
        """The five fields croniter evaluates (the Year field is applied on top)."""
        fields = (_join(self.minutes, "Minutes"), _join(self.hours, "Hours"), self.days, _join(self.months, "Month"))
        return " ".join((*fields, self.weekdays))

    def next_after(self, instant: datetime) -> datetime | None:
        """The first fire time strictly after ``instant`` (naive means UTC), in UTC; None when the
        schedule never fires again (its years are past, or its days never occur)."""
        instant = instant.replace(tzinfo=timezone.utc) if instant.tzinfo is None else instant.astimezone(timezone.utc)
        if self.days == "LW":
            return self._next_last_weekday(instant)
        start = instant
        while True:
            try:
                found = croniter(self.croniter_form, start).get_next(datetime)
            except CroniterBadDateError:  # croniter searched its whole horizon: e.g. 30 FEB
                return None
            if found.year in self.years:
                return found
            later = [y for y in self.years if y > found.year]
            if not later:
                return None
            start = datetime(later[0], 1, 1, tzinfo=timezone.utc) - timedelta(seconds=1)

    def _next_last_weekday(self, instant: datetime) -> datetime | None:
        times = sorted(h * 60 + m for h in self.hours for m in self.minutes)
        for year in (y for y in self.years if y >= instant.year):
            for month in self.months:
                last = calendar.monthrange(year, month)[1]
                day = last - max(0, calendar.weekday(year, month, last) - 4)  # Saturday -> Friday, Sunday -> Friday
                midnight = datetime(year, month, day, tzinfo=timezone.utc)
                for t in times:
                    fire = midnight + timedelta(minutes=t)
                    if fire > instant:
                        return fire
        return None


def parse(expression: str) -> CronSchedule:
    """Check a Glue cron expression and return its schedule; what Glue refuses raises CronError.

    >>> parse("cron(0/15 * * * ? *)").minutes
    (0, 15, 30, 45)
    >>> parse("cron(0 12 * * MON *)")
    Traceback (most recent call last):
    ...
    etl_framework.scheduler.cron.CronError: cron(0 12 * * MON *): Day-of-month and Day-of-week are both set; ...
    """
    match = re.fullmatch(r"\s*cron\((.*)\)\s*", expression)
    if not match:
        raise CronError(f"{expression!r} is not a cron expression: write {_FORM}")
    fields = match.group(1).upper().split()
    if len(fields) != len(FIELDS):
        raise CronError(f"{expression}: has {len(fields)} fields, Glue's cron has 6: {_FORM}")
    text = dict(zip(FIELDS, fields, strict=True))

    def error(field: str, reason: str) -> CronError:
        return CronError(f"{expression}: {field} {text[field]!r}: {reason}")

    dom, dow = text["Day-of-month"], text["Day-of-week"]
    if dom == "?" and dow == "?":
        raise CronError(f"{expression}: Day-of-month and Day-of-week are both ?; exactly one of them must be ?")
    if dom != "?" and dow != "?":
        raise CronError(f"{expression}: Day-of-month and Day-of-week are both set; one of them must be ?")
    values = {f: _values(text[f], f, error) for f in ("Minutes", "Hours", "Month", "Year")}
    _check_rate(values["Minutes"], values["Hours"], expression)
    return CronSchedule(
        expression=expression.strip(),
        minutes=values["Minutes"],
        hours=values["Hours"],
        days="*" if dom == "?" else _day_of_month(dom, error),
        months=values["Month"],
        weekdays="*" if dow == "?" else _day_of_week(dow, error),
        years=values["Year"],
    )


def _day_of_month(text: str, error: _Error) -> str:
    if text in ("L", "LW"):
        return text
    if text.endswith("W"):  # nW: the weekday nearest day n (croniter's meaning is Glue's)
        return f"{_number(text[:-1], 'Day-of-month', error)}W"
    return _join(_values(text, "Day-of-month", error), "Day-of-month")


def _day_of_week(text: str, error: _Error) -> str:
    # croniter numbers days from Sunday = 0, Glue from Sunday = 1.
    if text == "L":  # the last day of the week alone: Saturday
        return "6"
    if text.endswith("L"):  # nL: the last such weekday of the month
        return f"L{_number(text[:-1], 'Day-of-week', error) - 1}"
    if "#" in text:  # n#k: the k-th such weekday of the month
        day, _, nth = text.partition("#")
        if not nth.isdigit() or not 1 <= int(nth) <= 5:
            raise error("Day-of-week", "the number after # must be 1-5 (the n-th such weekday of the month)")
        return f"{_number(day, 'Day-of-week', error) - 1}#{nth}"
    days = _values(text, "Day-of-week", error)
    return "*" if len(days) == 7 else ",".join(str(d - 1) for d in days)


def _values(text: str, field: str, error: _Error) -> tuple[int, ...]:
    """The numbers a field of ``, - * /`` terms stands for."""
    low, high = _BOUNDS[field]
    out: set[int] = set()
    for term in text.split(","):
        base, slash, step_text = term.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) < 1:
                raise error(field, f"the increment after / must be a whole number of at least 1, got {step_text!r}")
            step = int(step_text)
        if base == "*":
            first, last = low, high
        elif "-" in base:
            a, _, b = base.partition("-")
            first, last = _number(a, field, error), _number(b, field, error)
            if first > last:
                raise error(field, f"the range {base} runs backwards")
        else:
            first = _number(base, field, error)
            last = high if slash else first  # 1/10: from 1 to the end of the field
        out.update(range(first, last + 1, step))
    return tuple(sorted(out))


def _number(text: str, field: str, error: _Error) -> int:
    low, high = _BOUNDS[field]
    names = _NAMES.get(field, {})
    if text in names:
        return names[text]
    if not text.isdigit():
        wildcards = {"Day-of-month": ", - * ? / L W", "Day-of-week": ", - * ? / L #"}.get(field, ", - * /")
        named = f" or {next(iter(names))}-{list(names)[-1]}" if names else ""
        raise error(field, f"{text!r} is not a value of this field ({low}-{high}{named}; wildcards {wildcards})")
    if not low <= int(text) <= high:
        raise error(field, f"{text} is out of range {low}-{high}")
    return int(text)


def _check_rate(minutes: tuple[int, ...], hours: tuple[int, ...], expression: str) -> None:
    """Glue refuses a schedule two of whose fire times can be less than 5 minutes apart; the gap
    from the day's last time to the next day's first counts too."""
    times = sorted(h * 60 + m for h in hours for m in minutes)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)] + [times[0] + 24 * 60 - times[-1]]
    if min(gaps) < MIN_INTERVAL_MINUTES:
        raise CronError(
            f"{expression}: fires {min(gaps)} minute(s) apart; Glue does not support rates faster than every "
            f"{MIN_INTERVAL_MINUTES} minutes"
        )


def _join(values: tuple[int, ...], field: str) -> str:
    low, high = _BOUNDS[field]
    return "*" if len(values) == high - low + 1 else ",".join(map(str, values))
