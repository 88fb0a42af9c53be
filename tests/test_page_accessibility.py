"""The findings of axe-core that issue 15 named, checked with axe itself (the ``axe``
fixture of conftest) in Debian's Chromium on the pages they were found on: the 404 page
of an unknown URL (the site's error page with layout and navigation, in the page
language, and so no ``landmark-one-main`` or ``region`` finding; a problem document for
clients that want JSON), the ontology documentation at /def, and the role matrix's source
links (WCAG 2.2 ``target-size``: at least 24 by 24 CSS pixels). tests/test_axe.py runs the
same audit on every other kind of page."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest


def _rules(found: list[dict[str, Any]]) -> list[str]:
    return sorted(v["rule"] for v in found)


def test_an_unknown_url_gets_the_sites_error_page(browser_page: Any, served: str, axe: Any) -> None:
    tab = browser_page
    reply = tab.goto(served + "/bestaat/niet")
    assert reply is not None and reply.status == 404
    assert tab.locator("html").get_attribute("lang") == "nl"
    assert tab.locator("main h1").inner_text() == "Niet gevonden"
    assert "deze URL bestaat niet" in tab.locator("main").inner_text()
    assert tab.locator("header nav a").count() >= 5  # the site's navigation
    assert axe(tab) == []
    tab.click("a.lang-switch")
    tab.wait_for_load_state()
    assert tab.locator("html").get_attribute("lang") == "en"
    assert tab.locator("main h1").inner_text() == "Not found"
    assert axe(tab) == []
    # clients that want JSON still get the problem document
    request = urllib.request.Request(served + "/bestaat/niet", headers={"Accept": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=30)
    assert caught.value.code == 404 and caught.value.headers.get_content_type() == "application/problem+json"
    assert json.loads(caught.value.read())["status"] == 404


def test_the_audit_finds_what_the_issue_found(browser_page: Any, served: str, axe: Any) -> None:
    """The audit is no rubber stamp: a bare page like the old 404 answer, and a source
    link 15 px high as the role matrix had, are found (by the rules the issue named)."""
    tab = browser_page
    tab.goto(served + "/rolmatrix")
    tab.evaluate("""() => {
      document.body.insertAdjacentHTML('afterbegin', '<p>Not Found: the requested URL was not found.</p>');
      for (const main of document.querySelectorAll('main')) main.outerHTML = '<div>' + main.innerHTML + '</div>';
      const style = document.createElement('style');
      style.textContent = '#rolmatrix a.src { min-height: 0; min-width: 0; display: inline; font-size: 11px; line-height: 1; }'
        + ' #rolmatrix .entries li { margin: 0; } #rolmatrix .entry__meta { line-height: 1; }';
      document.head.appendChild(style);
    }""")
    found = _rules(axe(tab))
    assert {"landmark-one-main", "region", "target-size"} <= set(found), found


def test_the_documentation_pages_keep_their_content_in_landmarks(browser_page: Any, served: str, axe: Any) -> None:
    tab = browser_page
    for path in ("/def/mag/begrip/Fasen", "/def/mag/bestaat-niet"):
        tab.goto(served + path)
        assert axe(tab) == [], path


def test_the_role_matrix_source_links_are_large_enough_to_hit(browser_page: Any, served: str, axe: Any) -> None:
    tab = browser_page
    tab.goto(served + "/rolmatrix")
    boxes = tab.evaluate("""() => Array.from(document.querySelectorAll('#rolmatrix a.src'))
        .map(a => a.getBoundingClientRect()).map(r => [r.width, r.height])""")
    assert len(boxes) > 20
    small = [box for box in boxes if box[0] < 24 or box[1] < 24]
    assert not small, small[:5]
    assert axe(tab) == []
