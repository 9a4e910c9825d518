from datetime import date, datetime, timezone

import pytest

from schemas.records import FeedEntry
from transforms.dates import date_from_url, page_zone, parse_datetime, plausible
from transforms.language import (choose_language, declared_code, detect_language,
                                 identify_language)
from transforms.normalise import build_article, canonical_url_for, choose_published
from transforms.titles import choose_source, choose_title, display_name, strip_site_name

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


def test_published_precedence_and_source():
    # JSON-LD +02:00 wins over a Z in a meta tag (a known cause of wrong times elsewhere)
    candidates = {"jsonld": "2024-08-01T10:15:00+02:00", "meta": "2024-08-01T10:15:00Z",
                  "feed": datetime(2024, 8, 1, 15, tzinfo=timezone.utc)}
    assert choose_published(candidates, NOW) == (
        datetime(2024, 8, 1, 8, 15, tzinfo=timezone.utc), date(2024, 8, 1), "jsonld", "time")
    candidates["jsonld"] = "2031-01-01T00:00:00Z"        # future: the next source wins
    assert choose_published(candidates, NOW)[2] == "meta"
    assert choose_published({}, NOW) == (None, None, "none", None)


def test_a_time_beats_a_day_and_a_day_is_never_a_fake_midnight():
    assert choose_published({"jsonld": "2024-08-01", "feed": "Thu, 01 Aug 2024 09:00:00 +0200"},
                            NOW)[2:] == ("feed", "time")
    assert choose_published({"url": datetime(2024, 8, 1, tzinfo=timezone.utc).date().isoformat()},
                            NOW) == (None, date(2024, 8, 1), "url", "day")


def test_a_time_without_zone_takes_the_pages_zone():
    # n-tv writes JSON-LD datePublished without a zone but dateModified with one
    zone = page_zone(["2023-04-28T18:11:01", "2023-04-28T19:02:00+02:00"])
    published = choose_published({"jsonld": "2023-04-28T18:11:01"}, NOW, zone)
    assert published[0] == datetime(2023, 4, 28, 16, 11, 1, tzinfo=timezone.utc)
    assert published[3] == "time"
    unplaced = choose_published({"jsonld": "2023-04-28T18:11:01"}, NOW)
    assert unplaced[0] == datetime(2023, 4, 28, 18, 11, 1, tzinfo=timezone.utc)
    assert unplaced[3] == "local"


def test_date_from_url():
    assert date_from_url("https://x.example/2024/08/01/story.html") == \
        datetime(2024, 8, 1, tzinfo=timezone.utc)
    assert date_from_url("https://x.example/2024/13/01/story.html") is None


@pytest.mark.parametrize("title, sites, expected", [
    ("How RPA vendors aim to remain relevant in a world of AI agents | TechCrunch", ["TechCrunch"],
     "How RPA vendors aim to remain relevant in a world of AI agents"),
    ("Ukrainische Gegenoffensive: Ziele, Chancen, Risiken | DW | 28.04.2023", ["dw"],
     "Ukrainische Gegenoffensive: Ziele, Chancen, Risiken"),
    ("Steigende US-Zinsen setzen Dax zu | Börsen-Zeitung", ["boersen-zeitung"],
     "Steigende US-Zinsen setzen Dax zu"),
    ("南海トラフ、一時調査 巨大地震、基準達せず：中日新聞Web", ["中日新聞Web"],
     "南海トラフ、一時調査 巨大地震、基準達せず"),
    ("Climate change: Labor on track to hit 2030 target", ["The West Australian", "thewest"],
     "Climate change: Labor on track to hit 2030 target"),
    ("Nahost - Lage in Gaza - Die Tagesschau", ["tagesschau"], "Nahost - Lage in Gaza"),
    # article-body: a headline segment that holds the site's name is no site name
    ("The Guardian view on Hong Kong: a city on the brink | Editorial", ["The Guardian"],
     "The Guardian view on Hong Kong: a city on the brink | Editorial"),
    ("Take C.A.R.E. - comwrap auf der DMEXCO 2018", ["comwrap"],
     "Take C.A.R.E. - comwrap auf der DMEXCO 2018"),
    ("Sweden tells households how to survive | World News | Metro News", ["metro"],
     "Sweden tells households how to survive | World News"),
])
def test_site_names_are_stripped_but_kickers_and_dashes_stay(title, sites, expected):
    assert strip_site_name(title, sites) == expected


def test_title_precedence():
    assert choose_title({"title": "A story | Site", "h1": "A story", "og": "A story!"},
                        ["Site"]) == ("A story!", "og")
    assert choose_title({"title": "A story | Site"}, ["Site"]) == ("A story", "title")
    assert choose_title({}, []) == (None, "none")
    # a title that is only the site's name (an og:title left at its default) is no headline
    assert choose_title({"og": "The Daily Meridian", "h1": "Storm closes port"},
                        ["The Daily Meridian"]) == ("Storm closes port", "h1")
    # ... unless every source says it: then the "site name" is the headline (MSN's
    # application-name repeats the headline)
    assert choose_title({"og": "Storm closes port", "h1": "Storm closes port"},
                        ["MSN", "Storm closes port"]) == ("Storm closes port", "og")


def test_title_decorations_and_kickers_the_sources_do_not_share():
    # Dainik Bhaskar: og:title carries a section label the JSON-LD headline does not
    bhaskar = "समस्तीपुर पुलिस ने 2 बदमाशों को पकड़ा: दो दिनों के अंदर चोरी कांड का किया खुलासा"
    assert choose_title({"og": bhaskar + " - Samastipur News", "jsonld": bhaskar},
                        ["Dainik Bhaskar"]) == (bhaskar, "jsonld")
    # Nikkei: og:title is the document title's template (it ends in the site name) and words
    # the headline differently; the JSON-LD headline is the one the newsroom declared
    nikkei = "イオン銀行社長解任、金融庁処分で 持ち株社長も引責"
    og = "イオン銀行の小林裕明社長解任、金融庁処分で 持ち株社長も引責 - 日本経済新聞"
    assert choose_title({"og": og, "jsonld": nikkei, "h1": nikkei},
                        ["日本経済新聞"]) == (nikkei, "jsonld")
    # ... unless the JSON-LD headline is the same one cut short (Google's 110-character limit)
    long = "Sweden tells 5,000,000 households how to survive a war in a new pamphlet sent to " \
           "every home, the first since the Cold War"
    assert choose_title({"og": long + " | Metro News", "jsonld": long[:110] + "…"},
                        ["Metro News"]) == (long, "og")
    # ... and without a JSON-LD headline such an og:title is still the first choice
    assert choose_title({"og": "Steigende US-Zinsen setzen Dax zu | Börsen-Zeitung",
                         "h1": "Dax unter Druck"}, ["Börsen-Zeitung"]) == (
        "Steigende US-Zinsen setzen Dax zu", "og")
    # SRF: og and <h1> put different kickers over the same quote
    quote = "«Die israelische Zurückhaltung hat viel mit den USA zu tun»"
    assert choose_title({"og": "Iranischer Angriff auf Israel: " + quote,
                         "h1": "Eskalation im Nahen Osten - " + quote}, ["SRF"]) == (quote, "og")
    # Daily Star: the <h1> reworded the first part; that is no kicker
    star = "'I sell Disney World holidays - booking the right day could save you thousands'"
    assert choose_title({"og": star, "h1": star.replace("Disney", "Walt Disney")},
                        ["Daily Star"]) == (star, "og")
    # Tages-Anzeiger: JSON-LD adds a kicker og does not have; og stays
    assert choose_title({"og": "Chiesa ruft zum Widerstand auf",
                         "jsonld": "SVP-Sonderparteitag: Chiesa ruft zum Widerstand auf"},
                        []) == ("Chiesa ruft zum Widerstand auf", "og")


def test_title_cut_short_by_an_unescaped_quote_is_passed_over():
    # Hamburger Abendblatt: <meta property="og:title" content="... Sieger und "royaler Besuch"">
    h1 = 'Hamburg Marathon 2024: Überlegener Sieger und "royaler Besuch"'
    cut = "Hamburg Marathon 2024: Überlegener Sieger und "
    jsonld = "Kinder-Marathon am Sonnabend: Eltern bei Aufstellung unerwünscht"
    assert choose_title({"og": cut, "twitter": cut, "h1": h1}, []) == (h1, "h1")
    assert choose_title({"og": cut, "jsonld": jsonld, "h1": h1}, []) == (jsonld, "jsonld")
    # a shorter headline that merely starts like a longer one is no cut
    assert choose_title({"og": "Sieger", "h1": "Sieger und Besiegte"}, []) == ("Sieger", "og")


# Isolezwe (Zulu) and Dizindaba (Xhosa) both declare <html lang="en">; langdetect, which has
# no profile for either, calls them Swahili.
ZULU = ("LUSELUDE ukhalo ngempi yokuqedwa inkinga yemilutha yewunga enkabeni yeTheku. Lokhu kuza "
        "emva kokuvimbanisa kwayo emgwaqweni uChe Guevara - owawaziwa ngoMoore Road - ngemijondolo "
        "kaseyili noplastiki.")
XHOSA = ("Iindaba zakutshanje ezimnandi ngakulutsha oluthwaxwa yentswela ngqesho zezo zinge Sebe "
         "lezeKhaya nelazise okokuba ligaya isigaba sesibini senyathelo lokuheha amawaka angama "
         "4000 olutsha olungaphangeliyo.")


def test_a_language_langdetect_cannot_name_gets_a_second_opinion():
    assert detect_language(ZULU)[0] == "sw"
    assert identify_language(ZULU, ["en"])[::2] == ("zu", "py3langid")
    assert identify_language(XHOSA, ["en-US"])[::2] == ("xh", "py3langid")
    # no contradiction, no second opinion: langdetect's answer stands
    assert identify_language(ZULU, [])[::2] == ("sw", "detected")
    # a second opinion naming a language langdetect knows does not overrule it
    german = "Die Bundesregierung hat am Mittwoch in Berlin neue Regeln für den Handel beschlossen."
    assert identify_language(german, ["en"])[::2] == ("de", "detected")
    # the py3langid detector needs no second opinion
    assert identify_language(ZULU, ["en"], "py3langid")[::2] == ("zu", "detected")


def test_language_declared_codes_and_unsupported_languages():
    assert declared_code("de-DE") == "de" and declared_code("en_US") == "en"
    assert declared_code("nb") == "no" and declared_code("x") is None
    assert choose_language("da", 0.9, ["kl"]) == ("kl", None, "declared")   # Greenlandic
    assert choose_language("en", 0.99, ["de-DE"]) == ("en", 0.99, "detected")
    assert choose_language(None, None, ["fr"]) == ("fr", None, "declared")


def test_both_detectors_agree_on_plain_text():
    german = "Der Gemeinderat hat am Dienstag den neuen Haushalt für den Hafen beschlossen. " * 3
    assert detect_language(german)[0] == detect_language(german, detector="py3langid")[0] == "de"


def test_canonical_url_only_from_the_same_site():
    final = "https://www.example.com/news/1?utm_source=rss"
    assert canonical_url_for(final, "https://example.com/news/1") == "https://example.com/news/1"
    assert canonical_url_for(final, "https://aggregator.example.org/x") == \
        "https://www.example.com/news/1"


def test_build_article_combines_feed_and_page():
    entry = FeedEntry(feed_url="https://example.com/rss", link="https://example.com/a",
                      url_key="k", title="Feed title", summary="Feed summary",
                      authors=["By Jane Doe and AP"], feed_title="Example News - World",
                      published=datetime(2024, 8, 1, 12, tzinfo=timezone.utc), tags=["world"])
    page = {"text": "Body text of the story " * 10, "title": None, "byline": None,
            "sitename": "Example News", "description": None, "page_url": None, "day": None,
            "tags": ["politics"], "image": None, "dates": {}, "titles": {}, "people": {},
            "site_names": ["Example News"], "language": "en", "language_score": 0.99}
    row = build_article(entry, "https://example.com/a", NOW, page, "run1")
    assert (row["title"], row["title_source"]) == ("Feed title", "feed")
    assert row["source"] == "Example News" and row["source_domain"] == "example.com"
    assert row["authors"] == ["Jane Doe"] and row["agencies"] == ["AP"]
    assert (row["published_at"], row["date_source"]) == (entry.published, "feed")
    assert row["published_date"] == date(2024, 8, 1) and row["date_precision"] == "time"
    assert row["tags"] == ["politics", "world"] and row["word_count"] == 50
    assert row["dup_id"] == row["story_id"] == row["article_id"]



@pytest.mark.parametrize("name, expected", [
    ("The Verge -  Front Pages", "The Verge"), ("BBC News - World", "BBC News"),
    ("Le Monde.fr : Actualités et Infos en France", "Le Monde.fr"), ("20 Minuten", "20 Minuten"),
    ("Börsen-Zeitung", "Börsen-Zeitung"), (None, None),
])
def test_display_name_drops_taglines(name, expected):
    assert display_name(name) == expected


@pytest.mark.parametrize("declared, guessed, feed_title, domain, expected", [
    # article-body pages: what they declare, what trafilatura guessed, what we now show
    (["U.S."], "Reuters", None, "reuters.com", "Reuters"),         # a section as og:site_name
    (["usatoday", "USA TODAY"], "USA TODAY", None, "usatoday.com", "USA TODAY"),
    (["https://www.newsnation.in", "News Nation"], "News Nation", None, "newsnation.in",
     "News Nation"),
    (["https://www.hawaiinewsnow.com"], "https://www.hawaiinewsnow.com", None,
     "hawaiinewsnow.com", "hawaiinewsnow.com"),
    (["@politifact"], "Politifact", None, "politifact.com", "Politifact"),
    ([], "Copyright 2014", None, "jaraguadosul.com.br", "jaraguadosul.com.br"),
    ([], "потеря веса до 10 кг. Отзывы", None, "vse-diety.com", "vse-diety.com"),
    ([], "Wday_", None, "wday.ru", "Wday"),
    ([" The Jerusalem Post | JPost.com "], "jpost.com", None, "jpost.com", "The Jerusalem Post"),
    (["RT International", "RT"], "RT International", None, "rt.com", "RT International"),
    (["cleveland"], "Cleveland", None, "cleveland.com", "cleveland"),  # as declared
    ([], None, "The Verge -  Front Pages", "theverge.com", "The Verge"),
    ([], None, None, "example.com", "example.com"),
])
def test_source_is_a_name_like_the_domain_when_the_page_offers_one(declared, guessed,
                                                                    feed_title, domain, expected):
    assert choose_source(declared, guessed, feed_title, domain) == expected
