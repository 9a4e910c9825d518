"""Date parsing: keep the offset a source gives, convert to UTC, refuse the implausible."""
import email.utils
import re
import warnings
from datetime import datetime, timedelta, timezone

from dateutil import parser as dateutil_parser

FUTURE_SKEW = timedelta(days=1)
OLDEST = datetime(1990, 1, 1, tzinfo=timezone.utc)

_RFC822 = re.compile(r"^\s*(?:[A-Za-z]{3},?\s+)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}")
_DAY_ONLY = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?:/|[^\d]|$)")


def parse_datetime(value, languages=None):
    """Parse a date string into (datetime, precision) or (None, None).

    precision: "time" (an instant: the string names its zone), "local" (a wall-clock time with no
    zone: returned naive, for the caller to place) or "day" (a bare date, returned as a naive
    midnight that must not be read as a time). languages: ISO 639-1 hints for names of months
    and days (a feed's declared language).
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
    dt = _iso(text) or _rfc822(text) or _dateutil(text) or _any_language(text, languages)
    if dt is None:
        return None, None
    return dt, ("time" if dt.tzinfo else "local")


def _iso(text):
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def _rfc822(text):
    # email.utils is lenient to a fault: it reads "Dec 16 2023 02:02:33 PM" as 02:02, so it only
    # sees strings shaped like RFC 822 ("Sat, 16 Dec 2023 14:02:33 +0000")
    if not _RFC822.match(text):
        return None
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


# Zone abbreviations that mean one offset wherever they are used (IST, CST... are ambiguous).
_ZONES = {name: hours * 3600 for name, hours in {
    "UTC": 0, "UT": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CDT": -5, "MST": -7, "MDT": -6,
    "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10, "BST": 1, "CET": 1, "CEST": 2,
    "MEZ": 1, "MESZ": 2, "EET": 2, "EEST": 3, "WET": 0, "WEST": 1, "MSK": 3, "JST": 9,
    "KST": 9, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13}.items()}


def _dateutil(text):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", dateutil_parser.UnknownTimezoneWarning)
            return dateutil_parser.parse(text, tzinfos=_ZONES)
    except (ValueError, OverflowError, TypeError):
        return None


def _any_language(text, languages):
    """Month and day names in other languages ("Seg, 24 Set 2018", "mer, 16 nov 2022"), with
    dateparser: slow (ms, and a second for its first unhinted call), so tried last."""
    import dateparser
    try:
        return dateparser.parse(text, languages=languages or None,
                                settings={"PREFER_DAY_OF_MONTH": "first"})
    except (ValueError, TypeError, OverflowError, LookupError):
        return None


def page_zone(values):
    """The UTC offset a page writes its dates in, from any of them that names one."""
    for value in values:
        dt, precision = parse_datetime(value)
        if precision == "time":
            return dt.tzinfo
    return None


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
