"""Plausible date windows for an accompaniment, relative to its request, its opening and its convention.

A typo (2099 for 2029, 1900 for 2019) is refused with a message that says which window applies,
rather than kept in the dossier forever.
"""

from datetime import date, timedelta

from django.utils import formats, timezone

CONVENTION_MAX_YEARS = 3  # a convention de partenariat runs a few months to three years
CONVENTION_START_MAX_AHEAD_DAYS = 365  # signed now, it may start within the year
CONVENTION_MAX_INTERVENTIONS = 100
OPENING_MAX_PAST_DAYS = 365  # an accompaniment recorded after the fact, at most a year back
MEETING_MAX_AHEAD_DAYS = 183  # a meeting may be planned half a year ahead
PLAN_MAX_YEARS_WITHOUT_CONVENTION = 3
PLAN_MAX_DAYS_AFTER_CONVENTION = 365
ANSWER_MAX_DAYS = 90  # answers expected within three months
IMPACT_MAX_AHEAD_DAYS = 2 * 365


def day(value: date) -> str:
    return formats.date_format(value, "j F Y")


def add_years(value: date, years: int) -> date:
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February
        return value.replace(year=value.year + years, day=28)


def request_day(accompaniment) -> date | None:
    request = accompaniment.request if accompaniment.request_id else None
    return timezone.localtime(request.submitted_at).date() if request is not None else None


def opened_on(accompaniment) -> date:
    """The first phase's start (the accompaniment's start), else the day it was recorded."""
    from accompaniment.models import Phase

    started = (
        Phase.objects.filter(accompaniment=accompaniment, position=1)
        .values_list("started_on", flat=True)
        .first()
    )
    if started:
        return started
    created = accompaniment.created_at or timezone.now()
    return timezone.localtime(created).date()


def convention_floor(accompaniment) -> date:
    """A convention cannot start (nor be signed) before the request it answers was made."""
    return request_day(accompaniment) or (opened_on(accompaniment) - timedelta(days=OPENING_MAX_PAST_DAYS))


def plan_ceiling(accompaniment) -> date:
    """The latest due date for an action: a year after the convention ends, or three years after the start."""
    if accompaniment.convention_end:
        return accompaniment.convention_end + timedelta(days=PLAN_MAX_DAYS_AFTER_CONVENTION)
    return add_years(opened_on(accompaniment), PLAN_MAX_YEARS_WITHOUT_CONVENTION)
