"""What axe-core's rules ``landmark-one-main``, ``region`` and WCAG 2.2 ``target-size``
ask, checked in Debian's Chromium on the pages they were found on: the 404 page of an
unknown URL (the site's error page with layout and navigation, in the page language; a
problem document for clients that want JSON), the ontology documentation at /def, and
the role matrix's source links (at least 24 by 24 CSS pixels)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

# Text outside every landmark (axe ``region``), the skip link excepted; and the number of
# main landmarks (axe ``landmark-one-main``).
LANDMARKS_JS = """() => {
  const landmarks = 'main, header, footer, nav, aside, [role=main], [role=banner], [role=contentinfo], [role=navigation], [role=region]';
  const outside = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!node.textContent.trim() || !element || element.closest('.skip-link')) continue;
    if (element.offsetParent === null && getComputedStyle(element).position !== 'fixed') continue;
    if (!element.closest(landmarks)) outside.push(node.textContent.trim());
  }
  return {outside, mains: document.querySelectorAll('main, [role=main]').length};
}"""


def _landmarks(tab: Any) -> dict[str, Any]:
    return tab.evaluate(LANDMARKS_JS)  # type: ignore[no-any-return]


def test_an_unknown_url_gets_the_sites_error_page(browser_page: Any, served: str) -> None:
    tab = browser_page
    reply = tab.goto(served + "/bestaat/niet")
    assert reply is not None and reply.status == 404
    assert tab.locator("html").get_attribute("lang") == "nl"
    assert tab.locator("main h1").inner_text() == "Niet gevonden"
    assert "deze URL bestaat niet" in tab.locator("main").inner_text()
    assert tab.locator("header nav a").count() >= 5  # the site's navigation
    found = _landmarks(tab)
    assert found == {"outside": [], "mains": 1}, found
    tab.click("a.lang-switch")
    tab.wait_for_load_state()
    assert tab.locator("html").get_attribute("lang") == "en"
    assert tab.locator("main h1").inner_text() == "Not found"
    # clients that want JSON still get the problem document
    request = urllib.request.Request(served + "/bestaat/niet", headers={"Accept": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=30)
    assert caught.value.code == 404 and caught.value.headers.get_content_type() == "application/problem+json"
    assert json.loads(caught.value.read())["status"] == 404


def test_the_documentation_pages_keep_their_content_in_landmarks(browser_page: Any, served: str) -> None:
    tab = browser_page
    for path in ("/def/mag", "/def/mag/begrip/Fasen", "/def/mag/bestaat-niet"):
        tab.goto(served + path)
        found = _landmarks(tab)
        assert found == {"outside": [], "mains": 1}, (path, found)


def test_the_role_matrix_source_links_are_large_enough_to_hit(browser_page: Any, served: str) -> None:
    tab = browser_page
    tab.goto(served + "/rolmatrix")
    boxes = tab.evaluate("""() => Array.from(document.querySelectorAll('#rolmatrix a.src'))
        .map(a => a.getBoundingClientRect()).map(r => [r.width, r.height])""")
    assert len(boxes) > 20
    small = [box for box in boxes if box[0] < 24 or box[1] < 24]
    assert not small, small[:5]
    assert _landmarks(tab)["mains"] == 1
