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
# A numeric date with the year last: "01.06.2026", "01/06/2026 14:30", "1-6-26". Which of the
# first two numbers is the day depends on the writer's convention.
_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)(.*)$")
_HAS_TIME = re.compile(r"\d{1,2}[:.h]\d{2}")          # after the date: "14:30", "14.30", "14h30"
_NAMES_A_TIME = re.compile(r"\d{1,2}(?::|h)\d{2}|\d\s*[ap]\.?m\b|T\d{2}", re.I)
# Regions that write the month first (US English and its territories, the Philippines).
_MONTH_FIRST_REGIONS = {"us", "ph", "um", "as", "gu", "mp", "pr", "vi", "fm", "mh"}
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?:/|[^\d]|$)")


def parse_datetime(value, languages=None, day_first=None):
    """Parse a date string into (datetime, precision) or (None, None).

    precision: "time" (an instant: the string names its zone), "local" (a wall-clock time with no
    zone: returned naive, for the caller to place) or "day" (a bare date, returned as a naive
    midnight that must not be read as a time). languages: ISO 639-1 hints for names of months
    and days (a feed's declared language). day_first: how the writer orders a numeric date
    ("01/06/2026"), True, False or None when nothing says; an order that only the convention
    could decide is then refused rather than guessed (dotted dates are always day first).
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
    numeric = _NUMERIC_DATE.match(text)
    if numeric:
        return _numeric(numeric, day_first)
    dt = _iso(text) or _rfc822(text) or _dateutil(text) or _any_language(text, languages)
    if dt is None:
        return None, None
    if not dt.tzinfo and not _NAMES_A_TIME.search(text) and dt.time() == datetime.min.time():
        return dt, "day"                     # "2026/06/01", "1. Juni 2026": no time was given
    return dt, ("time" if dt.tzinfo else "local")


def numeric_orders(text):
    """The dates a numeric date can be read as, day first then month first: one, or two when
    both numbers could be the month ("01/06/2026"); [] when the text is no such date."""
    match = _NUMERIC_DATE.match(str(text or ""))
    return _readings(match) if match else []


def _readings(match):
    a, sep, b, year = int(match.group(1)), match.group(2), int(match.group(3)), int(match.group(4))
    year += 2000 if len(match.group(4)) == 2 else 0
    orders = [(a, b)] if sep == "." else [(a, b), (b, a)]
    readings = []
    for day, month in orders:
        try:
            readings.append(datetime(year, month, day).date())
        except ValueError:
            continue
    return list(dict.fromkeys(readings))


def _numeric(match, day_first):
    readings = _readings(match)
    if len(readings) == 2:
        if day_first is None:
            return None, None                 # 01/06: June or January? Nothing says
        readings = [readings[0] if day_first else readings[1]]
    if not readings:
        return None, None
    day = datetime.combine(readings[0], datetime.min.time())
    rest = match.group(5).strip(" ,T")
    if not _HAS_TIME.search(rest):
        return day, "day"
    dt = _dateutil(f"{day:%Y-%m-%d} {rest}")
    if dt is None:
        return None, None
    return dt, ("time" if dt.tzinfo else "local")


def day_first_from(languages, known_days=(), candidates=(), now=None):
    """How a page orders its numeric dates: from its declared locale (month first only in US
    English and a few regions like it; day first in every other language; a bare "en" says
    nothing), else from another date the page gives (the URL's, the feed's) that one reading
    matches, else from now (a reading in the future is no publication date). None when nothing
    decides."""
    for tag in languages or ():
        parts = re.split(r"[-_]", str(tag).strip().casefold())
        if not parts[0] or len(parts[0]) > 3:
            continue
        if parts[0] != "en":
            return True
        if len(parts) > 1 and parts[1]:
            return parts[1] not in _MONTH_FIRST_REGIONS
    for text in candidates:
        days = numeric_orders(text)
        if len(days) != 2:
            continue
        for known in known_days:
            close = [abs((day - known).days) <= 1 for day in days]
            if close[0] != close[1]:
                return close[0]
        if now is not None:
            future = [day > (now + FUTURE_SKEW).date() for day in days]
            if future[0] != future[1]:
                return not future[0]
    return None


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
