"""What feeds and pages say, without Beam: the feed list and feeds (feedlist.py, feed.py), a
page's text and metadata (page.py), its language (language.py), and the rules that choose
titles, bylines, dates and the source to build one article row (titles.py, bylines.py,
dates.py, article.py)."""
