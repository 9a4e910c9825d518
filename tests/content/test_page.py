"""A page's text and metadata candidates (transforms/content/page.py)."""
from lxml import html as lxml_html

from tests.conftest import demo_page
from transforms.content.page import extract_page, structured_dates


def test_extract_seed_page_keeps_body_and_metadata():
    page = extract_page(demo_page("meridian", "blinken-urges-restraint"),
                        "http://127.0.0.11/articles/blinken-urges-restraint.html")
    assert page.text.startswith("The U.S. diplomat continues to press for a ceasefire")
    assert "Most read" not in page.text and "newsletter" not in page.text
    assert page.title == "Blinken urges all parties to stop escalatory actions"
    assert page.sitename == "The Daily Meridian"
    assert page.dates["jsonld"][0] == "2024-08-01T10:15:00-04:00"
    assert page.declared_language[0] == "en"


def test_extract_returns_none_without_text():
    assert extract_page("<html><body><nav>Home</nav></body></html>", "http://x.example/") is None


def test_structured_dates_from_graph_and_meta():
    tree = lxml_html.fromstring("""<html><head>
      <script type="application/ld+json">{"@graph": [{"@type": "WebSite"},
        {"@type": ["NewsArticle"], "datePublished": "2024-03-01T08:00:00+01:00",
         "dateModified": "2024-03-01T09:00:00+01:00"}]}</script>
      <meta property="article:published_time" content="2024-03-01T07:00:00Z">
      </head><body><time datetime="2024-03-01">1 March</time></body></html>""")
    dates = structured_dates(tree)
    assert dates["jsonld"] == ("2024-03-01T08:00:00+01:00", "2024-03-01T09:00:00+01:00")
    assert dates["meta"] == ("2024-03-01T07:00:00Z", None)
    assert dates["text"] == ("2024-03-01", None)


def test_an_article_that_is_the_main_entity_of_a_web_page():
    # Frankfurter Rundschau (fundus test data, tests/fixtures/metadata/README.md): the
    # NewsArticle is the WebPage's mainEntity; the <time> has no zone
    tree = lxml_html.fromstring("""<html><head><script type="application/ld+json">
      {"@context": "http://schema.org", "@type": "WebPage", "mainEntity": {
        "@type": "NewsArticle", "headline": "Warum Ambrosia in deutschen G\u00e4rten",
        "datePublished": "2024-04-26T20:44:00+0200"}}</script></head>
      <body><time datetime="2024-04-26 20:44">26.04.2024, 20:44 Uhr</time></body></html>""")
    assert structured_dates(tree)["jsonld"] == ("2024-04-26T20:44:00+0200", None)


def test_meta_names_are_read_whatever_their_separators():
    # Börsen-Zeitung writes article:published:time (fundus test data)
    tree = lxml_html.fromstring('<html><head><meta name="article:published:time" '
                                'content="2024-10-23T15:48:15+00:00"><meta name="Last-Mod" '
                                'content="2024-10-24"></head><body></body></html>')
    assert structured_dates(tree)["meta"] == ("2024-10-23T15:48:15+00:00", "2024-10-24")


def test_broken_jsonld_is_ignored():
    tree = lxml_html.fromstring('<html><head><script type="application/ld+json">{oops'
                                '</script></head><body></body></html>')
    assert structured_dates(tree) == {}


def test_author_links_read_the_byline_block_not_the_teasers():
    from trafilatura.utils import load_html

    from transforms.content.page import author_links
    # Dagbladet's byline block (two rel=author links), then El País-style teasers
    page = load_html("""<html><body><div class="bylines">
      <div class="byline"><div class="content"><address class="name">
        <a rel="author" href="mailto:i@db.no"><span>Ingrid</span> <span>Treborg</span></a>
      </address></div></div>
      <div class="byline"><div class="content"><address class="name">
        <a rel="author" href="mailto:m@db.no">Marlene Lundberg Holm</a>
      </address></div></div></div>
      <p>Text of the article, long enough.</p>
      <div class="related"><a href="/2024/other-story.html">Another story</a>
        <a href="https://elpais.com/autor/inigo-dominguez/">Íñigo Domínguez</a></div>
      </body></html>""")
    assert author_links(page) == ["Ingrid Treborg", "Marlene Lundberg Holm"]
    assert author_links(load_html("<html><body><p>No links at all here.</p></body></html>")) \
        == []


def test_an_author_field_of_a_fact_box_names_the_author():
    from trafilatura.utils import load_html

    from transforms.content.page import labelled_authors
    # Deutsche Welle's fact box (fundus test data, tests/fixtures/metadata/README.md)
    dw = load_html("""<html><body><p>Text of the article.</p><div class="group">
      <ul class="smallList"><li><strong>Datum</strong> 28.04.2023</li>
      <li><strong>Autorin/Autor</strong> Roman Goncharenko</li>
      <li><strong>Themenseiten</strong> <a href="/de/ukraine/t-17292877">Ukraine</a></li>
      </ul></div></body></html>""")
    assert labelled_authors(dw) == ["Roman Goncharenko"]
    dl = load_html("<html><body><dl><dt>Author:</dt><dd>Jane Doe</dd></dl>"
                   "<p><b>Authors</b> of other stories</p></body></html>")
    assert labelled_authors(dl) == ["Jane Doe"]
    # a label word inside a sentence, or with markup inside, is no field
    assert labelled_authors(load_html("<html><body><p><span>The author of the book</span> "
                                      "Max Muster</p><b><i>Autor</i></b> X</body></html>")) == []


def test_jsonld_headline_is_unescaped():
    from trafilatura.utils import load_html

    from transforms.content.page import page_metadata
    page = load_html("""<html><head><script type="application/ld+json">
      {"@type": "NewsArticle", "headline": "T&#039;rkiye: &quot;son durum&quot;"}
      </script></head><body><p>x</p></body></html>""")
    assert page_metadata(page)["titles"]["jsonld"] == 'T\'rkiye: "son durum"'


def test_an_h1_that_links_home_is_the_site_name_not_the_headline():
    from trafilatura.utils import load_html

    from transforms.content.page import page_metadata
    # Entermedia (article-body): the header's <h1> is the site's name, linked to the home page
    page = load_html("""<html><body><a href="/"><h1>엔터 미디어</h1></a>
      <p>text</p></body></html>""")
    assert page_metadata(page)["titles"]["h1"] is None
    page = load_html("""<html><body><h1><a href="https://x.example/">X News</a></h1>
      <h1>Storm closes the port</h1></body></html>""")
    assert page_metadata(page)["titles"]["h1"] == "Storm closes the port"
    # a headline linked to its own article stays (AppleInsider)
    page = load_html("""<html><body><a href="//x.example/articles/19/11/18/story">
      <h1>Apple to name favorite apps</h1></a></body></html>""")
    assert page_metadata(page)["titles"]["h1"] == "Apple to name favorite apps"


CHROME_ONLY = "".join([   # the shape of a consent wall over a story page, one line a paragraph
    '<html lang="en"><head><title>Daily Meridian</title></head><body>',
    '<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>',
    '<div class="content"><div class="consent">',
    '<p>We and our partners use cookies to store and access information on your device, to '
    'personalise content and ads, and to analyse our traffic. By clicking "Accept" you agree to '
    'this. You can manage your preferences at any time in the cookie settings.</p>',
    '<p><button>Accept all cookies</button> <button>Manage preferences</button></p></div>',
    '<div class="newsletter"><p>Sign up for our daily newsletter: the day\'s top stories '
    'delivered to your inbox every morning, free of charge.</p></div>',
    '<p>Already a subscriber? Log in to continue reading the stories our readers love most.</p>',
    '</div><footer>© Daily Meridian</footer></body></html>'])


def test_a_page_that_is_only_site_chrome_has_no_text():
    assert extract_page(CHROME_ONLY, "https://meridian.example/story") is None


def test_reporting_about_cookies_is_body_text():
    report = ("<html><body><article><h1>Regulator fines publisher</h1>" + "".join(
        f"<p>{p}</p>" for p in [
            "The regulator said on Tuesday that the publisher's banner, which read \"we use "
            "cookies to improve your experience\", did not let readers refuse tracking as "
            "easily as they could accept it, and fined the company 2 million euros.",
            "The publisher said it would appeal. Its chief executive told reporters that the "
            "banner had been designed with the help of outside lawyers and met the rules in "
            "force when it was introduced, and that other sites used the same wording.",
            "Consumer groups welcomed the decision and called for the rules to be applied to "
            "every site that sells advertising on the basis of its readers' browsing."]) +
        "</article></body></html>")
    page = extract_page(report, "https://news.example/fine")
    assert page is not None and "we use cookies to improve" in page.text
    assert len(page.text.split("\n")) == 3
