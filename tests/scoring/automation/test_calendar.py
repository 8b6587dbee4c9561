"""Business-hours arithmetic: across a weekend, in a rep's own time zone, and across a DST change."""

from datetime import UTC, datetime, time

import pytest

from scoring.automation.calendar import WorkingCalendar, business_deadline, business_hours_between

LONDON = WorkingCalendar.of(time_zone="Europe/London", days=[0, 1, 2, 3, 4], starts=time(9), ends=time(17))
NEW_YORK = WorkingCalendar.of(time_zone="America/New_York", days=[], starts=time(9), ends=time(17))


def test_an_hour_from_friday_afternoon_runs_into_monday_morning():
    # Friday 16 Jan 2026 16:30 in London (GMT = UTC): 30 minutes left on Friday, 30 more from 09:00 Monday.
    start = datetime(2026, 1, 16, 16, 30, tzinfo=UTC)
    assert business_deadline(start, 1, LONDON) == datetime(2026, 1, 19, 9, 30, tzinfo=UTC)


def test_a_saturday_start_waits_for_monday():
    start = datetime(2026, 1, 17, 11, 0, tzinfo=UTC)
    assert business_deadline(start, 2, LONDON) == datetime(2026, 1, 19, 11, 0, tzinfo=UTC)


def test_the_clock_runs_in_the_reps_time_zone():
    # 13:00 UTC on Wednesday 14 Jan 2026 is 08:00 in New York (EST, UTC-5): the day starts at 09:00 EST
    # (14:00 UTC), so one business hour ends at 10:00 EST = 15:00 UTC. In London it would end at 14:00 UTC.
    start = datetime(2026, 1, 14, 13, 0, tzinfo=UTC)
    assert business_deadline(start, 1, NEW_YORK) == datetime(2026, 1, 14, 15, 0, tzinfo=UTC)
    assert business_deadline(start, 1, LONDON) == datetime(2026, 1, 14, 14, 0, tzinfo=UTC)


def test_an_evening_in_new_york_is_after_hours_there_but_a_working_hour_in_london_was_spent():
    # Friday 16 Jan 21:00 UTC = 16:00 EST: one hour left on Friday in New York; a 2-hour SLA ends 10:00
    # EST Monday = 15:00 UTC.
    start = datetime(2026, 1, 16, 21, 0, tzinfo=UTC)
    assert business_deadline(start, 2, NEW_YORK) == datetime(2026, 1, 19, 15, 0, tzinfo=UTC)


def test_working_hours_stay_an_hour_long_across_a_clock_change():
    # London moves to BST on Sunday 29 Mar 2026: Friday's 16:30 GMT (16:30 UTC) + 1 h ends Monday at
    # 09:30 BST = 08:30 UTC.
    start = datetime(2026, 3, 27, 16, 30, tzinfo=UTC)
    assert business_deadline(start, 1, LONDON) == datetime(2026, 3, 30, 8, 30, tzinfo=UTC)


def test_hours_between_skip_nights_and_weekends():
    # Friday 16:00 to Monday 10:00 London: 1 h on Friday + 1 h on Monday.
    hours = business_hours_between(
        datetime(2026, 1, 16, 16, 0, tzinfo=UTC), datetime(2026, 1, 19, 10, 0, tzinfo=UTC), LONDON
    )
    assert hours == pytest.approx(2.0)


def test_a_calendar_without_working_days_falls_back_to_monday_to_friday():
    assert NEW_YORK.days == (0, 1, 2, 3, 4)
