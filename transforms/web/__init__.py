"""Talking to the web, without Beam: the one HTTP layer (http.py), politeness and robots.txt
(politeness.py), and URLs and the ids derived from them (urls.py)."""
