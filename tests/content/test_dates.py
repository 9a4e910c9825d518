"""Date parsing: offsets kept, precision said, the implausible refused
(transforms/content/dates.py)."""
from datetime import date, datetime, timezone

from transforms.content.dates import (date_from_url, day_first_from, numeric_orders,
                                      parse_datetime, plausible)


NOW = datetime(2024, 8, 2, tzinfo=timezone.utc)


def test_parse_datetime_keeps_the_offset_and_says_what_it_knows():
    dt, precision = parse_datetime("2024-08-01T10:15:00-04:00")
    assert dt.utcoffset().total_seconds() == -4 * 3600 and precision == "time"
    assert parse_datetime("Thu, 01 Aug 2024 14:15:00 +0000") == (
        datetime(2024, 8, 1, 14, 15, tzinfo=timezone.utc), "time")
    assert parse_datetime("2024-08-01") == (datetime(2024, 8, 1), "day")
    assert parse_datetime("2023-04-28T18:11:01") == (datetime(2023, 4, 28, 18, 11, 1), "local")
    assert parse_datetime("not a date") == (None, None)
    # zone abbreviations that mean one offset
    assert parse_datetime("Jan 6, 2017 7:18 PM EST")[0] == datetime(2017, 1, 7, 0, 18,
                                                                     tzinfo=timezone.utc)


def test_implausible_dates_are_refused():
    assert not plausible(datetime(2030, 1, 1, tzinfo=timezone.utc), NOW)
    assert not plausible(datetime(1970, 1, 1, tzinfo=timezone.utc), NOW)
    assert plausible(datetime(2024, 8, 1, tzinfo=timezone.utc), NOW)


def test_date_from_url():
    assert date_from_url("https://x.example/2024/08/01/story.html") == \
        datetime(2024, 8, 1, tzinfo=timezone.utc)
    assert date_from_url("https://x.example/2024/13/01/story.html") is None


def test_a_date_written_without_a_time_is_a_day_not_a_midnight():
    assert parse_datetime("November 19, 2019") == (datetime(2019, 11, 19), "day")  # PFT JSON-LD
    assert parse_datetime("1. Juni 2026") == (datetime(2026, 6, 1), "day")
    assert parse_datetime("2026/06/01") == (datetime(2026, 6, 1), "day")
    assert parse_datetime("June 1, 2026 0:00")[1] == "local"                # a time, if midnight


def test_numeric_dates_are_read_in_the_writers_order_or_not_at_all():
    assert parse_datetime("01.06.2026") == (datetime(2026, 6, 1), "day")     # dots: day first
    assert parse_datetime("01.06.2026 14:30") == (datetime(2026, 6, 1, 14, 30), "local")
    assert parse_datetime("13/06/2026") == (datetime(2026, 6, 13), "day")    # only one reading
    assert parse_datetime("06/13/2026 10:00 AM")[0] == datetime(2026, 6, 13, 10, 0)
    assert parse_datetime("06/06/2026") == (datetime(2026, 6, 6), "day")     # both the same
    assert parse_datetime("01/06/2026") == (None, None)                      # June or January?
    assert parse_datetime("01/06/2026", day_first=True) == (datetime(2026, 6, 1), "day")
    assert parse_datetime("01/06/2026", day_first=False) == (datetime(2026, 1, 6), "day")
    assert parse_datetime("31.02.2026") == (None, None)
    assert numeric_orders("01/06/2026") == [date(2026, 6, 1), date(2026, 1, 6)]
    assert numeric_orders("2026-06-01") == []


def test_the_order_comes_from_the_locale_then_the_pages_other_dates_then_now():
    assert day_first_from(["de-DE"]) is True
    assert day_first_from(["fr"]) is True
    assert day_first_from(["en_GB"]) is True
    assert day_first_from(["en-US"]) is False
    assert day_first_from(["en"]) is None                                    # says nothing
    assert day_first_from(["en"], [date(2026, 6, 1)], ["01/06/2026"]) is True   # the URL's day
    assert day_first_from([], [date(2026, 1, 6)], ["01/06/2026"]) is False
    now = datetime(2026, 6, 2, tzinfo=timezone.utc)
    assert day_first_from([], [], ["01/12/2026"], now) is False              # 1 Dec is ahead
    assert day_first_from([], [], ["01/06/2026"], now) is None               # both are past
