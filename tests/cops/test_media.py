"""Public uploads are served by the site itself, DEBUG or not (`make run` has no other web server)."""

from pathlib import Path

from django.conf import settings


def test_a_public_upload_is_served_with_debug_off(client):
    assert settings.DEBUG is False
    folder = Path(settings.MEDIA_ROOT) / "logos"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a1b2c3.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")

    response = client.get("/media/logos/a1b2c3.png")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\x89PNG\r\n\x1a\nfake"
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=2592000"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_nothing_outside_the_public_uploads_is_reachable(client):
    private = Path(settings.PRIVATE_MEDIA_ROOT) / "reports"
    private.mkdir(parents=True, exist_ok=True)
    (private / "rapport.pdf").write_bytes(b"%PDF-1.7 secret")

    # Django's static file view refuses a path leaving MEDIA_ROOT as a suspicious operation (400).
    assert client.get("/media/../private/reports/rapport.pdf").status_code == 400
    assert client.get("/media/%2e%2e/private/reports/rapport.pdf").status_code == 400
    assert client.get("/media/").status_code == 404  # no directory listing
    assert client.post("/media/logos/a1b2c3.png").status_code == 405
