"""The pipeline's Beam stages, one module each (feeds.py, fetch.py, extract.py, ...), over a
library without Beam: web/ (HTTP, politeness, URLs), content/ (feeds, pages, language, titles,
bylines, dates, the article row), dedup/ (text signatures, copy and story rules) and runtime/
(child processes, memory)."""
