"""Bylines: person names from whatever the page and feed declare, agencies kept apart."""
import re
import unicodedata

# Wire agencies: they go to `agencies`, never to `authors`. Keys are casefolded.
AGENCIES = {name.casefold(): name for name in (
    "AP", "Associated Press", "The Associated Press", "Reuters", "AFP", "Agence France-Presse",
    "dpa", "Deutsche Presse-Agentur", "SDA", "Keystone-SDA", "APA", "KNA", "epd", "EFE",
    "Europa Press", "ANSA", "ANP", "Belga", "PA", "PA Media", "Press Association", "Kyodo",
    "Yonhap", "Xinhua", "TASS", "RIA Novosti", "UPI", "AAP", "CP", "The Canadian Press",
    "NTB", "TT", "Ritzau", "STT", "CTK", "PAP", "MTI", "Anadolu", "IANS", "PTI", "ANI",
    "EP", "ACN",
)}

_PREFIX = re.compile(r"^\s*(by|von|par|por|przez|autor|autorin|author|text|texte|текст|автор|"
                     r"reporting by|written by|about|more from|more by|posts by|articles by)"
                     r"\s*:?\s+", re.I)
# A label before the prefix ("Capital Von Jemima Kelly": a section name, title-cased by the
# extractor); at least two words must follow, none of them a name particle ("Von Der Leyen").
_LABELLED_PREFIX = re.compile(r"^.{1,40}?\s(?:by|von|par|por|przez)\s+"
                              r"(?!(?:der|dem|den|und|zu)\b)(?=\S+\s+\S)", re.I)
# Also surname particles (Di Maio, Af Klint): stripped only when a full name remains.
_AMBIGUOUS_PREFIX = re.compile(r"^\s*(di|door|av|af|od)\s+(?=\S+\s+\S)", re.I)
_SPLIT = re.compile(r"\s*(?:[,;|/]|\s(?:and|und|et|y|og|och|e|i|&)\s)\s*", re.I)
_EMAIL = re.compile(r"\S+@\S+")
_AGENCY_DATELINE = re.compile(r"\s+in\s+\S.*$")
# A dateline after a name: "Sam Jones in Madrid and Stephen Burgen in Barcelona", "Ashifa Kassam
# in Stanstead, Quebec" (the place's own comma is not a second name).
_PLACE = r"[A-ZÀ-ÖØ-Þ][\w'.-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w'.-]*)*"
_DATELINE = re.compile(rf"\s+in\s+{_PLACE}(?:,\s*{_PLACE}(?=\s*(?:$|[;|]|\s(?:and|&)\s)))?")
_DOMAIN_TOKEN = re.compile(r"\(?(https?://\S*|www\.\S+|\b[\w-]+\.[a-z]{2,6}\b)\)?", re.I)
_DOMAIN = re.compile(r"(https?://|www\.|\b[\w-]+\.(com|de|org|net|fr|es|it|nl|at|ch|co\.uk|"
                     r"uk|no|se|dk|fi|jp|in|au|ca|us|io|news|ie|be|pl|pt|br|ru|cz|gr|nz|za|"
                     r"mx|ar|cl|tv|info|eu)\b)", re.I)
_HANDLE = re.compile(r"(^|\s)@\w+")
# One word that no name is: camel case (a capital after small letters, other than a surname's
# Mc, Mac, De, Di, La, Le, Van, Von, Du prefix) or five capitals and more
_HANDLE_WORD = re.compile(r"^(?!(?:Mc|Mac|De|Di|Da|La|Le|Van|Von|Du|O)[A-Z])[A-Z]?[a-z]+[A-Z]\w*$"
                          r"|^[A-Z]{5,}$")
_ROLE = re.compile(r"\s*[,(-]?\s*\b(staff writer|staff reporter|reporter|correspondent|editor|"
                   r"senior writer|contributor|columnist|journalist|journalistin|redakteur|"
                   r"redakteurin|photographer|fotograf)\b\)?\s*$", re.I)
_GENERIC = re.compile(r"^(staff|editor|editors|newsroom|admin|redaktion|rédaction|redacción|"
                      r"editorial|web desk|news desk|desk|reporter|correspondent|contributor|"
                      r"guest|journalist|author|authors|anonymous|unknown|none|agencias|"
                      r"agències|agencies|agences|agenzie|agenturen)$|"
                      r"redaktion|newsroom|\bstaff\b", re.I)
# Link texts of author boxes ("View author archive", "Get author RSS feed", "View More Articles")
_INTERFACE = re.compile(r"\b(view|see|read|get|browse|follow)\b.*\b(articles?|archive|posts?|"
                        r"stories|rss|feed|profile|bio|more)\b", re.I)
# A group in brackets after a name: the author's initials ("Jane Doe (jdo)", German papers'
# Kürzel), an agency ("(dpa)"), a place or a role. Never part of the name itself.
_TRAILING_GROUP = re.compile(r"\s*[(\[]([^()\[\]]{0,40})[)\]]?\s*$")
_PHOTO = re.compile(r"\b(photos?|foto|fotos|фото|bild|bilder|image|images|illustration|grafik|"
                    r"video|kamera|camera)\b", re.I)
# Photo credits, post-nominal credentials ("Ilana Muhlstein, MS, RDN"), user names ("Jdadmin")
_NOT_A_PERSON = re.compile(r"^(photos?|foto|fotos|фото|bild|image|images|credits?|"
                           r"photo credit|bildnachweis|quelle|source)\b|"
                           r"^(md|phd|ms|ma|msc|mba|mph|rd|rdn|rn|do|jd|cfa|cpa|dds|lcsw)$|"
                           r"admin", re.I)
# A byline's date ("Malcolm Owen Monday, November 18, 2019" split at its commas): after a name,
# a weekday, or a month that is no first name, ends it; a part that is only a date is no name.
# Before a name the same word is a name ("Sunday Alamba").
_WEEKDAY = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_MONTH = r"january|february|march|july|september|october|november|december"
_DATE_TAIL = re.compile(rf"\s+\b({_WEEKDAY}|{_MONTH}|(?:april|may|june|august)(?=\s+\d))\b.*$",
                        re.I)
_DATE_ONLY = re.compile(rf"^({_WEEKDAY}|{_MONTH}|april|may|june|august)\b[\s\d,.:]*$", re.I)
# Lower-case words a name may hold ("Ursula von der Leyen", "Luiz Inácio Lula da Silva")
_PARTICLES = {"von", "van", "der", "den", "de", "da", "del", "della", "di", "du", "la", "le", "dos",
              "das", "bin", "ibn", "al", "el", "ter", "ten", "zu", "af", "av", "y", "e"}
_ROLE_WORD = re.compile(r"\b(writer|editor|editor-at-large|correspondent|reporter|columnist|"
                        r"contributor|producer|photographer|critic)s?$", re.I)
_CORPORATE = re.compile(r"\b(inc|gmbh|ltd|llc|ag|plc|s\.a|media group|verlag|nachrichten|"
                        r"news|online|zeitung|digital)\.?$", re.I)


def _key(text):
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


def _single_name(part):
    words = part.split()
    return len(words) == 1 or (len(words) == 2 and words[0].casefold() in _PARTICLES)


def last_first_pairs(text):
    """A feed's "Last, First" pairs in one value ("Scappaticci, Elena, Sasportas, Valérie",
    "de Rochebouët, Béatrice", "agence, AFP") as "First Last" names (an agency alone), or
    None when the value is not such a list (any other separator, a part of several words, an
    odd count)."""
    if re.search(r"[;|&/]|\s(?:and|und|et|y|og|och|e|i)\s", text, re.I):
        return None
    parts = [p.strip() for p in text.split(",")]
    if len(parts) < 2 or len(parts) % 2 or not all(p and _single_name(p) for p in parts):
        return None
    names = []
    for last, first in zip(parts[::2], parts[1::2]):
        agency = next((AGENCIES[p.casefold()] for p in (first, last)
                       if p.casefold() in AGENCIES), None)
        names.append(agency or f"{first} {last}")
    return names


def _credit_line(part, publisher_keys):
    """The agency of a credit line that is no person ("AP Sports Writer", "CNN Editor-at-large",
    "CNN Business": an agency's or the publisher's name, then a desk or a role) as
    (True, agency or None); (False, None) for anything else."""
    words = part.split()
    for n in (3, 2, 1):
        head = " ".join(words[:n])
        if len(words) > n and (head.casefold() in AGENCIES or _key(head) in publisher_keys):
            if head.casefold() in AGENCIES and not _ROLE_WORD.search(part):
                return False, None       # "AP" then a name is someone else's, not a desk
            return True, AGENCIES.get(head.casefold())
    return False, None


def _trailing_agency(part):
    """(name, agency) of "ERIC TUCKER Associated Press", else (part, None)."""
    words = part.split()
    for n in (3, 2, 1):
        tail = " ".join(words[-n:])
        if len(words) >= n + 2 and tail.casefold() in AGENCIES:
            return " ".join(words[:-n]), AGENCIES[tail.casefold()]
    return part, None


def _looks_like_prose(part):
    """Words of a sentence, not a name: "The Russian", "Syrian defense ministries"."""
    words = part.split()
    lower = [w for w in words if w.islower() and w.isalpha() and w not in _PARTICLES]
    return (len(words) > 1 and words[0].casefold() == "the") or len(lower) >= 2


def _split(raw):
    """(text, parts) of a raw byline value: e-mails blanked, split into names."""
    text = _EMAIL.sub(" ", unicodedata.normalize("NFC", str(raw or "")))
    text = _DATELINE.sub("", text)
    pairs = last_first_pairs(text)
    return text, pairs if pairs else [p for p in _SPLIT.split(text) if p.strip()]


def publisher_named(raw, parts=None):
    """The publisher a byline value names when it is led by a web address ("hessenschau.de,
    Frankfurt", "Deutsche Welle (www.dw.com)"), else None: such a name must not pass as a
    person in this value or in any other of the page."""
    parts = _split(raw)[1] if parts is None else parts
    if parts and _DOMAIN.search(parts[0]):
        return _DOMAIN_TOKEN.sub(" ", parts[0]).strip()
    return None


def clean_bylines(raw_names, publishers=()):
    """(authors, agencies) from raw byline strings.

    Splits "A, B and C" / "A & B" / "A; B" / "By A | B" (and reads "Last, First, Last, First");
    strips prefixes (By, Von, Par, Por, Di, Door, Av, Af, Od, Przez, Текст), roles, datelines,
    the byline's date, e-mails, handles and URLs; drops generic words, desk credits, author-box
    link texts, credentials, the publisher's own names, company names and words of a sentence;
    keeps the source's spelling and diacritics. Agencies, wherever they stand, go to agencies.
    """
    publisher_keys = {_key(p) for p in publishers if p and len(_key(p)) >= 2}
    authors, agencies, seen = [], [], set()

    def credit(agency):
        if agency and agency not in agencies:
            agencies.append(agency)

    for raw in raw_names or []:
        if not raw:
            continue
        text, parts = _split(raw)
        publisher = publisher_named(raw, parts)
        if publisher is not None:
            if len(_key(publisher)) >= 4:
                publisher_keys.add(_key(publisher))
            continue
        # "hessenschau.de; Frankfurt; Germany": the publisher with its place; only an agency
        # named beside it ("Le Figaro et AFP") is still a credit
        lead = re.split(r"[,;]", text, maxsplit=1)
        led_by_publisher = len(lead) > 1 and _key(_PREFIX.sub("", lead[0])) in publisher_keys
        for part in parts:
            if _DOMAIN.search(part):
                continue
            bracketed = _TRAILING_GROUP.search(part)
            if bracketed and bracketed.start() > 0:
                inner = bracketed.group(1).strip()
                if _PHOTO.search(inner):
                    continue                          # "Max Muster (Fotos)": a photo credit
                credit(AGENCIES.get(inner.casefold()))
                part = part[:bracketed.start()]
            part = re.sub(r"\s+", " ", _HANDLE.sub(" ", part)).strip(" .,:-–—\t*()")
            if _GENERIC.search(part) or _INTERFACE.search(part) or _NOT_A_PERSON.search(part) \
                    or _DATE_ONLY.match(part):
                continue
            is_credit, credited = _credit_line(part, publisher_keys)
            if is_credit:
                credit(credited)
                continue
            part = _PREFIX.sub("", part)
            part = _ROLE.sub("", _AMBIGUOUS_PREFIX.sub("", _LABELLED_PREFIX.sub("", part)))
            part, trailing = _trailing_agency(_DATE_TAIL.sub("", part).strip(" .,:-–—\t*()"))
            credit(trailing)
            part = part.strip(" .,:-–—\t*()")
            key = _key(part)
            if not key or key in seen or len(part) > 60 or not any(c.isalpha() for c in part) \
                    or any(c.isdigit() for c in part):
                continue
            seen.add(key)
            agency = _AGENCY_DATELINE.sub("", part)       # "Associated Press in Valencia"
            if key in publisher_keys:
                continue                                  # AP on apnews.com is the publisher
            if agency.casefold() in AGENCIES:
                credit(agency)
            elif _looks_like_prose(part) or _NOT_A_PERSON.search(part):
                continue
            elif (led_by_publisher or _CORPORATE.search(part)
                  or (part.islower() and " " not in part)      # a handle or a slug
                  or _HANDLE_WORD.match(part)                  # "AesirEdge", "KWCHCIK"
                  or any(k in key or (len(key) >= 5 and key in k)
                         for k in publisher_keys if len(k) >= 4)):
                continue
            else:
                authors.append(part)
    return authors, agencies


def first_last(name):
    """Dublin Core and citation tags write "Last, First": make it "First Last"."""
    parts = [p.strip() for p in name.split(",")]
    if len(parts) == 2 and all(parts) and all(len(p.split()) <= 3 for p in parts):
        return f"{parts[1]} {parts[0]}"
    return name


def choose_bylines(people, byline, feed_authors, publishers):
    """(authors, agencies, source): the first source that names a person or an agency.

    people: {"jsonld": [(type, name)], "meta": [(key, value)]} from the page; byline: what
    trafilatura found in the page text; feed_authors: the feed entry's names. When JSON-LD
    credits only an organisation, the meta tags say the same (or name no one), so they and a
    byline copied from them are set aside; a person who signs the text itself still counts
    (n-tv, Mainichi credit the newsroom in JSON-LD and the reporter on the page).
    """
    declared = people.get("jsonld", [])
    persons = [n for t, n in declared if "organization" not in t.lower()
               or n.strip().casefold() in AGENCIES]
    meta = [first_last(v) if k in ("dc.creator", "dcterms.creator", "citation_author") else v
            for k, v in people.get("meta", [])]
    # a publisher named in one place ("Deutsche Welle (www.dw.com)" in meta) is the publisher
    # in the others too (trafilatura's byline "Deutsche Welle")
    named = [publisher_named(n) for n in [*meta, *(n for _, n in declared), byline,
                                          *(feed_authors or [])] if n]
    publishers = list(publishers) + [p for p in named if p]
    candidates = [
        ("jsonld", persons),
        ("meta", meta),
        ("page", [byline] if byline else []),
        ("feed", feed_authors or []),
        ("links", people.get("links", [])),
        ("labelled", people.get("labelled", [])),
    ]
    for source, names in candidates:
        authors, agencies = clean_bylines(names, publishers)
        if authors or agencies:
            # structured data sometimes names only the first of the byline block's authors
            linked, _ = clean_bylines(people.get("links", []), publishers)
            keys = {_key(a) for a in authors}
            if keys < {_key(a) for a in linked}:
                return linked, agencies, source
            return authors, agencies, source
    return [], [], "none"
