"""Date parsing: offsets kept, precision said, the implausible refused
(transforms/content/dates.py)."""
from datetime import datetime, timezone

from transforms.content.dates import date_from_url, parse_datetime, plausible


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
