"""Read the operator's feed list: plain text or OPML. Bad lines fail before the pipeline starts."""
import re
import xml.etree.ElementTree as ET  # entities and DOCTYPEs are refused before parsing

from apache_beam.io.filesystems import FileSystems

from schemas.records import FeedSpec
from transforms.web.urls import UrlError, canonicalize_url


class FeedListError(ValueError):
    """The feed list is unusable; the message names the file and line."""


def parse_feed_list(text: str, origin: str = "--feeds") -> list:
    """Parse a feed list and return FeedSpecs, refusing the whole list on any bad line.

    Plain text: one URL per line, an optional source name after whitespace, `#` comments.
    OPML: every <outline> with an xmlUrl; its title/text is the source name.
    """
    if text.lstrip("\ufeff \t\r\n").startswith("<"):
        specs = _parse_opml(text, origin)
    else:
        specs = _parse_text(text, origin)
    if not specs:
        raise FeedListError(f"{origin}: the feed list has no feeds")
    seen, unique = set(), []
    for spec in specs:
        if spec.url not in seen:
            seen.add(spec.url)
            unique.append(spec)
    return unique


def _parse_text(text, origin):
    specs, errors = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = "" if raw.lstrip().startswith("#") else re.split(r"\s#", raw, maxsplit=1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 1)
        try:
            url = canonicalize_url(parts[0])
        except UrlError as exc:
            errors.append(f"{origin}:{number}: {exc}: {raw.strip()!r}")
            continue
        name = parts[1].strip() if len(parts) > 1 else None
        specs.append(FeedSpec(url=url, name=name or None, line=number))
    if errors:
        raise FeedListError("bad feed list lines:\n  " + "\n  ".join(errors))
    return specs


def _parse_opml(text, origin):
    if "<!DOCTYPE" in text.upper()[:2000] or "<!ENTITY" in text.upper():
        raise FeedListError(f"{origin}: OPML with a DOCTYPE or entities is refused")
    try:
        root = ET.fromstring(text.lstrip("\ufeff"))
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else "?"
        raise FeedListError(f"{origin}:{line}: not valid OPML: {exc}") from None
    if root.tag.lower() != "opml":
        raise FeedListError(f"{origin}: root element is <{root.tag}>, expected <opml>")
    specs, errors = [], []
    for number, outline in enumerate(root.iter("outline"), start=1):
        url = outline.get("xmlUrl") or outline.get("xmlurl")
        if not url:
            continue  # a folder outline
        try:
            url = canonicalize_url(url)
        except UrlError as exc:
            errors.append(f"{origin}: outline {number} ({url!r}): {exc}")
            continue
        name = (outline.get("title") or outline.get("text") or "").strip() or None
        specs.append(FeedSpec(url=url, name=name, line=number))
    if errors:
        raise FeedListError("bad OPML outlines:\n  " + "\n  ".join(errors))
    return specs


def read_feed_list(path: str) -> list:
    """The feed list at path (a local path or any Beam filesystem URI), parsed."""
    with FileSystems.open(path) as fh:
        text = fh.read().decode("utf-8-sig", errors="replace")
    return parse_feed_list(text, origin=path)
