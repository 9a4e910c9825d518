"""Stable reject reason codes. Users filter on these: never rename one."""

REASONS = {
    # feed level
    "feed_http_error": "The feed URL answered with an HTTP error status.",
    "not_a_feed": "The feed URL did not return RSS, Atom, RDF, a JSON Feed or a sitemap (or returned JSON that is no JSON Feed), or it is a home page that links no feed on a site whose robots.txt lists no sitemap.",
    "unsafe_xml": "A sitemap with a DOCTYPE, entity declarations or external entities: refused unread.",
    "too_many_urls": "A sitemap listing more than 50,000 URLs (the sitemap protocol's limit).",
    "parse_error": "The feed or page could not be parsed.",
    # entry level
    "no_link": "The feed entry has no link.",
    "source_loop": "A source that a sitemap index or home page names, not followed because it leads back to a source it was found from (rejected as the parent's entry).",
    "too_deep": "A source that a sitemap index names, not followed because it is more than 4 steps from the feed list's line (home page, robots.txt, sitemap index, index, sitemap).",
    "bad_url": "The entry link (or the URL of a source a sitemap index or home page names) is not an absolute http(s) URL.",
    # fetching (feeds and articles)
    "http_4xx": "Client error other than 404/410 (the status is in http_status).",
    "http_404": "Not found.",
    "http_410": "Gone.",
    "http_429": "Rate limited, and retries did not help.",
    "http_5xx": "Server error, and retries did not help.",
    "timeout": "Connect, read or total deadline exceeded.",
    "connection_error": "DNS, refused connection, reset or TLS failure.",
    "too_many_redirects": "Redirect limit exceeded or a redirect loop.",
    "too_large": "Body larger than --max_body_bytes, or a compressed sitemap that expands past 50 MB.",
    "private_address": "Host resolves to a loopback/private/link-local/reserved address "
                       "(allow with --allow_private_hosts).",
    "not_html": "The page is not HTML (PDF, image, binary).",
    "robots_disallowed": "The site's robots.txt disallows this URL for our User-Agent.",
    "host_backed_off": "The host failed --max_host_failures requests in a row (timeouts, "
                       "connection errors, 5xx); its remaining entries were not requested.",
    # extraction
    "no_text": "Extraction found no article text.",
    "extract_error": "The extractor raised an error on this page.",
    "extract_timeout": "Extraction ran past --extract_timeout (pathological HTML); the page was "
                       "given up, the run went on.",
    "extract_crash": "The extraction process died on this page (a crash in C code).",
    "offsite_link": "The entry links off the feed's own site and --same_site_links is on.",
    "normalise_error": "The extracted metadata could not be normalised (a bug: please report it).",
}

# Worth another try in a later run: not recorded in _state, so the next run fetches them again.
TRANSIENT_REASONS = frozenset({
    "http_429", "http_5xx", "timeout", "connection_error", "feed_http_error", "extract_error",
    "extract_crash", "host_backed_off",
})
