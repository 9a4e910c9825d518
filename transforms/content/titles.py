"""Headlines: the page's own declaration by a fixed precedence, without the site name."""
import re
import unicodedata

# Measured on metadata-dev (121 pages), after site names are stripped: this order picks the
# expected headline on 104 pages, JSON-LD first on 94, <h1> first on 86, a majority vote of
# all sources on 93. og:title is the headline the publisher declares for sharing.
PREFERENCE = ("og", "jsonld", "h1", "twitter", "feed", "title")
_SEPARATOR = re.compile(r"\s+[|\-–—·•»:]{1,2}\s+|\s*[｜：|]\s*|\s+::\s+")
_DATE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")


_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe",
                           "å": "aa"})


def _key(text):
    """Comparable form of a name: Börsen-Zeitung, boersen-zeitung and BOERSEN ZEITUNG agree."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_TRANSLIT)
    folded = "".join(c for c in unicodedata.normalize("NFKD", folded)
                     if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", "", folded)


def _is_site(segment, site_keys):
    """Whether a title segment is the site's name: equal to one of its names, or (at most four
    words) holding one or held by one ("NDR.de", "Metro News"). A longer segment that holds the
    name is a headline about the site ("The Guardian view on Hong Kong")."""
    key = _key(segment)
    if not key:
        return True
    if _DATE.match(segment.strip()):
        return True
    short = len(segment.split()) <= 4
    return any(key == k or (len(k) >= 3 and short and (k in key or key in k)) for k in site_keys)


def _site_keys(site_names):
    return {_key(n) for n in site_names if n and len(_key(n)) >= 2}


def strip_site_name(title, site_names):
    """Drop site-name segments at either end ("Headline | Site", "Site - Headline",
    "Headline – DW – 13.06.2023"); everything after the first trailing match goes too."""
    site_keys = _site_keys(site_names)
    parts = _SEPARATOR.split(title)
    seps = _SEPARATOR.findall(title)
    if len(parts) < 2 or not site_keys:
        return title
    for i in range(1, len(parts)):
        if _is_site(parts[i], site_keys):
            parts, seps = parts[:i], seps[:i - 1]
            break
    if len(parts) > 1 and _is_site(parts[0], site_keys):
        parts, seps = parts[1:], seps[1:]
    return _join(parts, seps)


def _join(parts, seps):
    out = parts[0]
    for sep, part in zip(seps, parts[1:]):
        out += sep + part
    return out


def _ends_with_label(title, plain, separators=_SEPARATOR, max_words=None):
    """Whether `title` is `plain` with a segment after it (of at most `max_words` words)."""
    parts, seps = separators.split(title), separators.findall(title)
    return bool(plain) and len(parts) > 1 and \
        (max_words is None or len(parts[-1].split()) <= max_words) and \
        _key(plain) == _key(_join(parts[:-1], seps[:-1]))


def _decorated(title, plain):
    """Whether `title` is `plain` with a label after it ("Headline - Samastipur News")."""
    return _ends_with_label(title, plain)


_LABEL = re.compile(r"\s+[|\-–—·•»]{1,2}\s+|\s*[｜|]\s*")     # _SEPARATOR without colons


def _labelled_copy(title, other):
    """Whether `title` is `other` with a short label after it, a section or site name the
    site-name rule did not know ("Headline | Editorial", "Headline | Börsen-Zeitung"), or a
    section before it behind a bar ("Opinion | Headline"). A colon is no label's separator:
    "Tariffs: what you need to know" is a headline of its own, "Climate change: ..." keeps
    its kicker."""
    if _ends_with_label(title, other, _LABEL, max_words=3):
        return True
    parts, seps = _LABEL.split(title), _LABEL.findall(title)
    return bool(other) and len(parts) > 1 and "|" in seps[0] and len(parts[0].split()) <= 3 \
        and _key(other) == _key(_join(parts[1:], seps[1:]))


_KICKER = re.compile(r"\s*:\s+|\s+[-–—|]\s+")


def _shared_headline(one, other):
    """The headline two sources share under different kickers ("Iranischer Angriff auf Israel:
    «X»" and "Eskalation im Nahen Osten - «X»" share «X»), or None. A kicker is shorter than
    the headline it leads, and two kickers share no word (else one headline was reworded)."""
    a, b = _KICKER.split(one or "", 1), _KICKER.split(other or "", 1)
    if len(a) == 2 and len(b) == 2 and _key(a[1]) == _key(b[1]) and \
            max(len(a[0]), len(b[0])) < len(a[1]) and \
            not {_key(w) for w in a[0].split()} & {_key(w) for w in b[0].split()}:
        return a[1]
    return None


def _cut_at_quote(text, others):
    """Whether `text` is another source's title cut where a quote begins: an unescaped `"`
    inside content="..." ends the attribute early ('Sieger und ' for 'Sieger und "royaler
    Besuch"')."""
    return any(len(other) > len(text) and other.startswith(text)
               and other[len(text):].lstrip()[:1] in "\"'“„«‘" for other in others)


def choose_title(candidates, site_names):
    """(title, source) from {source: raw title}: the first usable one by PREFERENCE. A title
    cut short by a stray quote, or that is only the site's name, is not usable; an og:title
    made from the document title's template (it carries the site name or another label) yields
    to the JSON-LD headline; a kicker the <h1> does not share is left out."""
    spaced = {source: re.sub(r"\s+", " ", candidates.get(source) or "").strip()
              for source in PREFERENCE}
    site_keys = _site_keys(site_names)
    clean, labelled, bare_names = {}, set(), []
    for source, text in spaced.items():
        if not text or len(text) > 400 or _cut_at_quote(text, spaced.values()):
            continue
        if _key(text) in site_keys:     # og:title left at the site's default, or a site
            bare_names.append((text, source))   # "name" that is really the headline (MSN)
            continue
        clean[source] = strip_site_name(text, site_names).strip() or text
        if clean[source] != text:
            labelled.add(source)
    if not clean:
        return bare_names[0] if bare_names else (None, "none")
    source = next(iter(clean))
    title = clean[source]
    jsonld = clean.get("jsonld")
    if source == "og" and jsonld and (_decorated(title, jsonld) or (
            "og" in labelled and not _key(title).startswith(_key(jsonld)))):
        return jsonld, "jsonld"      # (a JSON-LD headline cut to 110 characters does not win)
    bare = next((other for other in clean if other != source
                 and _labelled_copy(title, clean[other])), None)
    if bare:                         # "Headline | Editorial" beside the page's "Headline"
        return clean[bare], bare
    shared = _shared_headline(title, clean.get("h1")) if source != "h1" else None
    return (shared, source) if shared else (title, source)


def display_name(name):
    """A publisher name without its tagline: "The Verge - Front Pages" -> "The Verge",
    "Le Monde.fr : Actualités et Infos" -> "Le Monde.fr"."""
    if not name:
        return None
    text = re.sub(r"\s+", " ", name).strip()
    head = re.split(r"\s+[|\-–—:·•»]{1,2}\s+|\s*[｜：]\s*", text)[0].strip()
    return head or text


# What a page may declare as its site's name that names no site: an address, a host and port,
# a handle, a copyright line.
_NOT_A_NAME = re.compile(r"^(https?:|www\.|@)|^(copyright|©)|^[\d.:\[\]]+$|:\d+$", re.I)


def choose_source(declared, guessed, feed_title, domain):
    """The publisher's display name: the first usable of the page's declared names
    (og:site_name, application-name, JSON-LD publisher), trafilatura's guess when it resembles
    the domain or at least a name (four words at most, no digits), the feed's title; a name
    like the registered domain wins over one that is not ("Reuters" over og:site_name "U.S.").
    With none, the domain itself."""
    label = _key(domain.split(".")[0]) if domain else ""

    def like_domain(name):
        key = _key(name)
        return len(label) >= 2 and (key.startswith(label) or (
            min(len(key), len(label)) >= 3 and (label in key or key in label)))

    names = []
    plausible = guessed and (like_domain(guessed) or (
        len(guessed.split()) <= 4 and not any(c.isdigit() for c in guessed)))
    for name in [*declared, guessed if plausible else None, feed_title]:
        name = display_name(name)
        name = name.strip(" _-|·") if name else name
        # the guess title-cases a lower-case declared name (extract.trafilatura_metadata):
        # that is no second name
        if name and not _NOT_A_NAME.search(name) and _key(name) and \
                not any(name == n.title() for n in names):
            names.append(name)
    best = next((n for n in names if like_domain(n) and not n.islower()), None)
    return best or next(iter(names), None) or domain
