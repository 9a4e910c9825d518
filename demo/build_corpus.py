"""Build the bundled demo corpus (pipeline/demo_corpus/). Run once; the output is committed.

    python demo/build_corpus.py --bodies DIR --seeds DIR

--bodies is the article-body folder of Zyte's article-extraction benchmark (real pages);
--seeds a folder holding the texts of the two seed reports (jns-blinken.txt,
timesofisrael-blinken.txt: two outlets' reports of one event, 1 August 2024).

Three fake outlets, each with its own feed format and page boilerplate:
  meridian   RSS 2.0   the JNS seed article, real pages, a 404 entry
  northwind  Atom      the Times of Israel seed article, real pages, a PDF entry
  harbor     RSS 1.0   a verbatim copy of the Times of Israel seed under another headline,
                       real pages, and a Meridian link with tracking parameters (a duplicate)
Real pages come from the article-body set (MIT, Scrapinghub; see pipeline/demo_corpus/LICENSE.txt).
"""
import argparse
import gzip
import html
import json
import shutil
from pathlib import Path

from trafilatura import bare_extraction

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "pipeline" / "demo_corpus"
BASE = "%%BASE%%"  # replaced by the server with the outlet's http://host:port

OUTLETS = {
    "meridian": {"name": "The Daily Meridian", "format": "rss20", "host": "127.0.0.11"},
    "northwind": {"name": "Northwind Post", "format": "atom", "host": "127.0.0.12"},
    "harbor": {"name": "Harbor Ledger", "format": "rss10", "host": "127.0.0.13"},
}
PAGES_PER_OUTLET = 11

TEMPLATES = {
    "meridian": """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | The Daily Meridian</title>
<link rel="canonical" href="{url}"><meta property="og:site_name" content="The Daily Meridian">
<meta property="og:title" content="{title}"><meta name="description" content="{dek}">
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle",
"headline":"{title}","datePublished":"{published}","author":{{"@type":"Person","name":"{author}"}}}}</script>
</head><body><header class="masthead"><a href="/">The Daily Meridian</a>
<nav><a href="/world">World</a> <a href="/politics">Politics</a> <a href="/business">Business</a></nav></header>
<main><article><h1>{title}</h1><p class="dek">{dek}</p><p class="byline">By {author}</p>
{paragraphs}</article>
<aside><h3>Most read</h3><ul><li><a href="/a">Council approves harbour budget</a></li>
<li><a href="/b">Weekend weather: rain clears by Sunday</a></li></ul></aside></main>
<footer><p>The Daily Meridian. All rights reserved. Subscribe to our morning newsletter.</p></footer>
</body></html>""",
    "northwind": """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} - Northwind Post</title><link rel="canonical" href="{url}">
<meta property="og:site_name" content="Northwind Post"><meta property="og:title" content="{title}">
<meta property="article:published_time" content="{published}"><meta name="author" content="{author}">
</head><body><div id="top-bar">Northwind Post | Independent news since 1921</div>
<div class="layout"><div class="story"><h1 class="headline">{title}</h1><h2 class="sub">{dek}</h2>
<div class="credit">{author}, Northwind Post</div><div class="story-body">{paragraphs}</div></div>
<div class="rail"><h4>Trending</h4><p><a href="/x">Markets close higher on tech rally</a></p>
<p><a href="/y">Opinion: Fix the ferry timetable</a></p></div></div>
<div id="footer">Copyright Northwind Post Ltd. Contact the newsroom. Privacy. Terms.</div></body></html>""",
    "harbor": """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} :: Harbor Ledger</title><link rel="canonical" href="{url}">
<meta property="og:site_name" content="Harbor Ledger"><meta property="og:title" content="{title}">
</head><body><table class="frame"><tr><td class="brand">HARBOR LEDGER - wire service edition</td></tr>
<tr><td><section class="entry"><h1>{title}</h1><span class="wire">{author}</span>
<div class="entry-content">{paragraphs}</div></section></td></tr>
<tr><td class="footer">Harbor Ledger republishes wire reports. Letters to the editor welcome.</td></tr>
</table></body></html>""",
}

SEEDS = [
    # outlet, seed file, slug, headline (None: the seed's first line), dek line, author, published
    ("meridian", "jns-blinken.txt", "blinken-urges-restraint", "Blinken urges all parties to stop "
     "escalatory actions", 1, "Mike Wagenheim", "2024-08-01T10:15:00-04:00"),
    ("northwind", "timesofisrael-blinken.txt", "blinken-calls-on-all-parties", None, 1,
     "Jacob Magid", "2024-08-01T09:30:00+03:00"),
    ("harbor", "timesofisrael-blinken.txt", "us-top-diplomat-ceasefire-call",
     "Top US diplomat presses for Gaza ceasefire as Mideast tensions climb", 1, "Wire staff",
     "2024-08-01T14:05:00+00:00"),
]


def seed_page(outlet, text, slug, headline, dek_line, author, published):
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    if lines[0] == "JNS":
        lines = lines[1:]
    title = headline or lines[0]
    body_start = 1 if headline is None else 0
    dek = lines[body_start + dek_line - 1] if headline is None else lines[0]
    body = lines[body_start + dek_line:] if headline is None else lines[1:]
    url = f"{BASE}/articles/{slug}.html"
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in body)
    page = TEMPLATES[outlet].format(title=html.escape(title), dek=html.escape(dek),
                                    author=author, published=published, url=url,
                                    paragraphs=paragraphs)
    return {"slug": slug, "title": title, "summary": dek, "author": author,
            "published": published, "file": f"articles/{slug}.html.gz", "html": page}


def real_pages(bodies, count):
    """Real article pages that extract to at least 150 words, in a fixed order."""
    truth = json.loads((bodies / "ground-truth.json").read_text())
    chosen = []
    for page_id in sorted(truth):
        raw = gzip.open(bodies / "html" / f"{page_id}.html.gz").read()
        doc = bare_extraction(raw.decode("utf-8"), with_metadata=True)
        if doc is None or len((doc.text or "").split()) < 150 or not doc.title:
            continue
        chosen.append({"id": page_id, "raw": raw, "title": doc.title, "author": doc.author,
                       "date": doc.date or "2019-11-20", "summary": doc.description})
        if len(chosen) == count:
            break
    return chosen


def rfc822(iso):
    from datetime import datetime
    from email.utils import format_datetime
    return format_datetime(datetime.fromisoformat(iso))


def feed_xml(outlet, items):
    name = OUTLETS[outlet]["name"]
    fmt = OUTLETS[outlet]["format"]
    esc = html.escape
    if fmt == "rss20":
        body = "".join(
            f"<item><title>{esc(i['title'])}</title><link>{esc(i['link'])}</link>"
            f"<guid>{esc(i['link'])}</guid><pubDate>{rfc822(i['published'])}</pubDate>"
            + (f"<dc:creator>{esc(i['author'])}</dc:creator>" if i.get("author") else "")
            + (f"<description>{esc(i['summary'])}</description>" if i.get("summary") else "")
            + "</item>\n" for i in items)
        return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
                f'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>{name}</title>'
                f"<link>{BASE}/</link><description>News from {name}</description>"
                f"<language>en</language>\n{body}</channel></rss>\n")
    if fmt == "atom":
        body = "".join(
            f"<entry><title>{esc(i['title'])}</title><link rel=\"alternate\" href=\"{esc(i['link'])}\"/>"
            f"<id>{esc(i['link'])}</id><published>{i['published']}</published>"
            f"<updated>{i['published']}</updated>"
            + (f"<author><name>{esc(i['author'])}</name></author>" if i.get("author") else "")
            + (f"<summary>{esc(i['summary'])}</summary>" if i.get("summary") else "")
            + "</entry>\n" for i in items)
        return (f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
                f"<title>{name}</title><id>{BASE}/</id><updated>2024-08-01T12:00:00Z</updated>"
                f'<link rel="self" href="{BASE}/feed.atom"/>\n{body}</feed>\n')
    seq = "".join(f'<rdf:li rdf:resource="{esc(i["link"])}"/>' for i in items)
    body = "".join(
        f"<item rdf:about=\"{esc(i['link'])}\"><title>{esc(i['title'])}</title>"
        f"<link>{esc(i['link'])}</link><dc:date>{i['published']}</dc:date>"
        + (f"<dc:creator>{esc(i['author'])}</dc:creator>" if i.get("author") else "")
        + (f"<description>{esc(i['summary'])}</description>" if i.get("summary") else "")
        + "</item>\n" for i in items)
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF '
            'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<channel rdf:about="{BASE}/feed.rdf"><title>{name}</title><link>{BASE}/</link>'
            f"<description>News from {name}</description><items><rdf:Seq>{seq}</rdf:Seq></items>"
            f"</channel>\n{body}</rdf:RDF>\n")


FEED_FILES = {"rss20": "feed.xml", "atom": "feed.atom", "rss10": "feed.rdf"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", required=True, type=Path,
                        help="the article-body folder (Zyte's article-extraction benchmark)")
    parser.add_argument("--seeds", required=True, type=Path,
                        help="the folder of the two seed reports' texts")
    args = parser.parse_args()
    bodies, seeds = args.bodies, args.seeds
    missing = [str(p) for p in [bodies / "ground-truth.json", *(seeds / f for f in
                                {s[1] for s in SEEDS})] if not p.exists()]
    if missing:
        parser.error("missing: " + ", ".join(missing))
    if OUT.exists():
        shutil.rmtree(OUT)
    items = {outlet: [] for outlet in OUTLETS}
    for outlet, seed_file, slug, headline, dek, author, published in SEEDS:
        page = seed_page(outlet, (seeds / seed_file).read_text(encoding="utf-8"), slug, headline,
                         dek, author, published)
        target = OUT / outlet / page["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(gzip.compress(page.pop("html").encode("utf-8"), mtime=0))
        items[outlet].append({**page, "link": f"{BASE}/articles/{slug}.html"})
    outlets = list(OUTLETS)
    for n, real in enumerate(real_pages(bodies, PAGES_PER_OUTLET * len(OUTLETS))):
        outlet = outlets[n % len(outlets)]
        slug = f"story-{real['id'][:12]}"
        target = OUT / outlet / "articles" / f"{slug}.html.gz"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(gzip.compress(real["raw"], mtime=0))
        items[outlet].append({"title": real["title"], "link": f"{BASE}/articles/{slug}.html",
                              "author": real["author"], "summary": real["summary"],
                              "published": f"{real['date']}T08:00:00+00:00"})
    # Entries that fail or repeat, so the demo shows rejects and skips.
    items["meridian"].append({"title": "Page that was taken down", "published":
                              "2024-08-01T12:00:00+00:00", "link": f"{BASE}/articles/removed.html"})
    items["northwind"].append({"title": "Annual report (PDF)", "published":
                               "2024-08-01T12:00:00+00:00", "link": f"{BASE}/files/report.pdf"})
    pdf = OUT / "northwind" / "files" / "report.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    meridian_first = items["meridian"][1]["link"].replace(BASE, "%%BASE:meridian%%")
    items["harbor"].append({**items["meridian"][1], "link": meridian_first + "?utm_source=rss"})
    for outlet, config in OUTLETS.items():
        (OUT / outlet / FEED_FILES[config["format"]]).write_text(feed_xml(outlet, items[outlet]),
                                                                 encoding="utf-8")
    sites = {outlet: {**config, "feed": FEED_FILES[config["format"]]}
             for outlet, config in OUTLETS.items()}
    (OUT / "sites.json").write_text(json.dumps(sites, indent=1) + "\n")
    shutil.copy(bodies / "LICENSE.txt", OUT / "LICENSE.txt")
    counts = {o: len(v) for o, v in items.items()}
    print(f"wrote {OUT}: entries per feed {counts}")


if __name__ == "__main__":
    main()
