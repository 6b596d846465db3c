"""Deadlines in working time: weekends and the public holidays of the city's federal state do not count.

A category's deadline is given in hours; only hours that fall on working days (Monday to Friday,
not a public holiday in `STADTLOTSE["HOLIDAY_STATE"]`, counted in the city's time zone) run down.
48 hours are therefore two working days: forwarded on Friday 10:00, due on Tuesday 10:00.
While a ticket waits for the reporter the remaining working time is kept and resumes on the answer.
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from django.conf import settings
from django.utils import timezone

# Far enough for any real deadline; keeps a bad setting from looping for ever.
MAX_DAYS = 3 * 366


@lru_cache(maxsize=64)
def _holidays(state: str, year: int) -> holidays.HolidayBase:
    return holidays.Germany(subdiv=state, years=year)


def is_working_day(day: date, state: str | None = None) -> bool:
    state = state or settings.STADTLOTSE["HOLIDAY_STATE"]
    return day.weekday() < 5 and day not in _holidays(state, day.year)


def end_of_local_day(now: datetime) -> datetime:
    """Midnight after `now` in the city's time zone: "due today" means before this."""
    return _next_midnight(timezone.localtime(now))


def _next_midnight(moment: datetime) -> datetime:
    day = moment.date() + timedelta(days=1)
    return datetime.combine(day, time.min, tzinfo=moment.tzinfo)


def add_working_time(start: datetime, seconds: float, *, state: str | None = None) -> datetime:
    """The moment `seconds` of working time after `start` (an aware datetime)."""
    zone = timezone.get_current_timezone()
    moment = start.astimezone(zone)
    remaining = max(seconds, 0)
    for _ in range(MAX_DAYS):
        midnight = _next_midnight(moment)
        if is_working_day(moment.date(), state):
            available = (midnight - moment).total_seconds()
            if remaining <= available:
                return moment + timedelta(seconds=remaining)
            remaining -= available
        moment = midnight
    raise ValueError("deadline too far in the future")


def working_seconds_between(start: datetime, end: datetime, *, state: str | None = None) -> float:
    """Working time from `start` to `end` in seconds (0 when `end` is not after `start`)."""
    zone = timezone.get_current_timezone()
    moment, end = start.astimezone(zone), end.astimezone(zone)
    total = 0.0
    for _ in range(MAX_DAYS):
        if moment >= end:
            break
        stop = min(_next_midnight(moment), end)
        if is_working_day(moment.date(), state):
            total += (stop - moment).total_seconds()
        moment = stop
    return total


def due_at(start: datetime, hours: float | None, *, state: str | None = None) -> datetime | None:
    """The deadline `hours` working hours after `start`, or None when the category sets none."""
    if not hours:
        return None
    return add_working_time(start, hours * 3600, state=state)
