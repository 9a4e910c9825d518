"""Date parsing: keep the offset a source gives, convert to UTC, refuse the implausible."""
import email.utils
import re
from datetime import datetime, timedelta, timezone

from dateutil import parser as dateutil_parser

FUTURE_SKEW = timedelta(days=1)
OLDEST = datetime(1990, 1, 1, tzinfo=timezone.utc)

_DAY_ONLY = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?:/|[^\d]|$)")


def parse_datetime(value):
    """Parse a date string into (datetime, precision) or (None, None).

    precision: "time" (an instant: the string names its zone), "local" (a wall-clock time with no
    zone: returned naive, for the caller to place) or "day" (a bare date, returned as a naive
    midnight that must not be read as a time).
    """
    if value is None:
        return None, None
    if isinstance(value, datetime):
        return value, ("time" if value.tzinfo else "local")
    text = str(value).strip()
    if not text or len(text) > 100:
        return None, None
    if _DAY_ONLY.match(text):
        try:
            return datetime.fromisoformat(text), "day"
        except ValueError:
            return None, None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            dt = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            try:
                dt = dateutil_parser.parse(text)
            except (ValueError, OverflowError, TypeError):
                return None, None
    return dt, ("time" if dt.tzinfo else "local")


def page_zone(values):
    """The UTC offset a page writes its dates in, from any of them that names one."""
    for value in values:
        dt, precision = parse_datetime(value)
        if precision == "time":
            return dt.tzinfo
    return None


def to_utc(dt):
    return dt.astimezone(timezone.utc) if dt is not None else None


def plausible(dt, now):
    """Not before 1990 and not in the future beyond a day of clock skew."""
    return dt is not None and OLDEST <= dt <= now + FUTURE_SKEW


def date_from_url(url):
    """A date written into the URL path (/2024/08/01/...), day precision."""
    match = _URL_DATE.search(url or "")
    if not match:
        return None
    try:
        return datetime(int(match.group(1)), int(match.group(2)), int(match.group(3)),
                        tzinfo=timezone.utc)
    except ValueError:
        return None
