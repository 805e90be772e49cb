import io
import socket

import pypdf
import pytest

from cops.charts import Series, bar_chart
from cops.pdf import LocalOnlyFetcher, render_pdf, render_pdf_html, static_file_for


@pytest.fixture
def no_network(monkeypatch):
    """Record (and block) any outgoing connection attempt made while rendering."""
    attempts = []
    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(address)
            raise OSError("network disabled in this test")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: attempts.append(address))
    return attempts


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def sample_chart():
    return bar_chart(
        title="Acteurs par côté",
        categories=["Hérault", "Lot"],
        series=[Series("Professionnels", [12, 4]), Series("Usagers", [10.5, 6])],
    )


def test_render_pdf_produces_a_pdf_with_french_text(test_templates, no_network):
    fetcher = LocalOnlyFetcher()

    content = render_pdf(
        "tests_cops/pdf_sample.html",
        {"count": 1234, "chart": sample_chart(), "generated_by": "Camille Dupont"},
        url_fetcher=fetcher,
    )

    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    assert "Rapport d'essai des acteurs engagés" in text
    assert "Centre Opérationnel du Partenariat en Santé" in text
    assert "Acteurs engagés en Occitanie : 1234" in text
    assert "à la demande de Camille Dupont" in text
    assert "Hérault 12 10,5" in text  # the chart's numbers table
    assert "Page 1 / 1" in text
    assert "« Les savoirs de chacun, le bien-être de tous »" in text
    assert pypdf.PdfReader(io.BytesIO(content)).metadata.title == "Rapport d'essai des acteurs engagés"


def test_render_pdf_refuses_every_external_fetch(test_templates, no_network):
    fetcher = LocalOnlyFetcher()

    render_pdf("tests_cops/pdf_sample.html", {"count": 1, "chart": sample_chart()}, url_fetcher=fetcher)

    assert fetcher.refused == [
        "https://example.org/pixel.png",
        "http://tracker.invalid/p.gif",
        "file:///etc/hostname",
    ]
    assert no_network == []


def test_render_pdf_serves_our_stylesheet_and_local_fonts(test_templates, no_network):
    fetcher = LocalOnlyFetcher()

    render_pdf("tests_cops/pdf_sample.html", {"count": 1, "chart": sample_chart()}, url_fetcher=fetcher)

    assert fetcher.served[0] == "http://testserver/static/css/print.css"
    assert (
        "http://testserver/static/vendor/atkinson-hyperlegible-5.3.0/atkinson-hyperlegible-latin-400-normal.woff2"
        in (fetcher.served)
    )


def test_pdf_chart_table_is_shown_without_details(test_templates):
    html = render_pdf_html("tests_cops/pdf_sample.html", {"count": 1, "chart": sample_chart()})

    assert "<details" not in html
    assert '<h1 class="pdf-title">Rapport d\'essai des acteurs engagés</h1>' in html
    assert '<tr><th scope="row">Lot</th><td>4</td><td>6</td></tr>' in html


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/static/css/print.css",  # our path on another host
        "http://testserver/media/report.pdf",  # not a static file
        "http://testserver/static/../cops/settings.py",
        "http://testserver/static/css/missing.css",
        "file:///work/main/static/css/print.css",
    ],
)
def test_static_file_for_refuses_anything_but_our_static_files(url):
    assert static_file_for(url) is None


def test_static_file_for_finds_a_static_file():
    assert static_file_for("http://testserver/static/css/print.css").name == "print.css"
