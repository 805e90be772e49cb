"""Render a Django template to PDF with WeasyPrint.

Templates extend `pdf/base.html` and fill the blocks `title` and `content` (optionally
`subtitle`). Rendering never touches the network: the URL fetcher serves our own static
files (stylesheet, fonts, images) and data: URIs, and refuses everything else, so a report
cannot leak who reads it to a third party nor hang on a slow server.
"""

import logging
import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# pdf/base.html puts the document title both in <title> (PDF metadata) and in the first
# page's heading; a Django block can only appear once, so the heading gets a copy here.
TITLE_SLOT = "<!--cops-pdf-title-->"
TITLE_RE = re.compile(r"<title>(.*?)</title>", re.S)


class ExternalFetchRefused(ValueError):
    """Raised for any resource that is neither one of our static files nor a data: URI."""


class LocalOnlyFetcher(URLFetcher):
    """Serve static files from disk and data: URIs; refuse every other URL (and record it)."""

    def __init__(self) -> None:
        super().__init__(timeout=2, allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=False)
        self.served: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = static_file_for(url)
        if path is None:
            self.refused.append(url)
            logger.info("PDF: refused to fetch %s", url)
            raise ExternalFetchRefused(f"external resource not allowed in PDFs: {url}")
        self.served.append(url)
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime_type})


def pdf_base_url() -> str:
    return settings.SITE_URL.rstrip("/") + "/"


def static_file_for(url: str) -> Path | None:
    """The local file behind one of our static URLs, or None for anything else."""
    parts = urlsplit(url)
    base = urlsplit(pdf_base_url())
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    path = unquote(parts.path)
    if not path.startswith(settings.STATIC_URL):
        return None
    name = path[len(settings.STATIC_URL) :]
    try:
        found = finders.find(name)
        if found is None and settings.STATIC_ROOT:
            candidate = (Path(settings.STATIC_ROOT) / name).resolve()
            if candidate.is_relative_to(Path(settings.STATIC_ROOT).resolve()) and candidate.is_file():
                found = str(candidate)
    except SuspiciousFileOperation:
        return None
    return Path(found) if found else None


def render_pdf_html(template_name: str, context: dict) -> str:
    context = {"pdf": True, "generated_at": timezone.now(), **context}
    html = render_to_string(template_name, context)
    match = TITLE_RE.search(html)
    return html.replace(TITLE_SLOT, match.group(1).strip() if match else "", 1)


def render_pdf(template_name: str, context: dict, *, url_fetcher: LocalOnlyFetcher | None = None) -> bytes:
    """Render `template_name` (extending pdf/base.html) to PDF bytes, in French by default."""
    fetcher = url_fetcher or LocalOnlyFetcher()
    language = translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        html = render_pdf_html(template_name, context)
    document = HTML(string=html, base_url=pdf_base_url(), url_fetcher=fetcher)
    return document.write_pdf(font_config=FontConfiguration(), uncompressed_pdf=False)
