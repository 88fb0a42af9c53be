"""A validation report as PDF: the printable HTML page laid out by WeasyPrint.

WeasyPrint (PyPI, 68 or later for its ``URLFetcher``) draws with Pango, which Debian
ships as ``libpango-1.0-0`` (installed by ``scripts/ensure-system-deps.sh`` when
missing). The page's stylesheets are put inline and the fetcher allows no protocol at
all, so laying out a report reaches no network and no file, whatever names and texts
the graph or an upload put in it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

__all__ = ["html_to_pdf", "pdf_styles"]

STATIC = Path(__file__).resolve().parent / "static"


@lru_cache(maxsize=1)
def pdf_styles() -> str:
    """The site's and the report's stylesheets, for inlining."""
    return "\n".join((STATIC / name).read_text(encoding="utf-8") for name in ("site.css", "report.css"))


def html_to_pdf(html: str) -> bytes:
    """The PDF of an HTML document (its print media rules apply)."""
    import weasyprint  # imported when first needed: it takes a moment to load

    fetcher = weasyprint.URLFetcher(allowed_protocols=())
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()  # type: ignore[no-any-return]
