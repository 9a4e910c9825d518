"""Headlines and source names (transforms/content/titles.py)."""
import pytest

from transforms.content.titles import choose_source, choose_title, display_name, strip_site_name


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
    # a short label after the headline that another of the page's sources lacks is a section
    # or a site name the site-name rule did not know (article-body: The Guardian, a car site)
    guardian = "The Guardian view on Hong Kong: a city on the brink"
    assert choose_title({"og": guardian + " | Editorial", "h1": guardian,
                         "title": guardian + " | Editorial | Opinion"}, ["The Guardian"]) == (
        guardian, "h1")
    lexus = "Lexus wants you to go topless with 2020 LC500 Convertible"
    assert choose_title({"og": lexus + " - Auto News", "h1": lexus}, []) == (lexus, "h1")
    # ... or before it, behind a bar (The New York Times, The Wall Street Journal)
    assert choose_title({"og": "Opinion | Is Football Violence a Crime?",
                         "jsonld": "Is Football Violence a Crime?"}, []) == (
        "Is Football Violence a Crime?", "jsonld")
    # ... but a colon leads a headline's second part, not a label
    assert choose_title({"og": "Tariffs: what you need to know", "h1": "Tariffs"}, []) == (
        "Tariffs: what you need to know", "og")
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
    # a page that declares no name, on a loopback host: the feed's title, not host and port
    ([], "127.0.0.1:41773", "Live", "127.0.0.1", "Live"),
    (["127.0.0.1"], None, None, "127.0.0.1", "127.0.0.1"),
])
def test_source_is_a_name_like_the_domain_when_the_page_offers_one(declared, guessed,
                                                                    feed_title, domain, expected):
    assert choose_source(declared, guessed, feed_title, domain) == expected
