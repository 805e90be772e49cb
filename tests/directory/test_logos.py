"""Structure logos are served by the application (no media server needed in production)."""

import io

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from actors.enums import ModerationStatus
from tests.factories.directory import make_structure

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (20, 10), (200, 30, 30, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


def with_logo(structure):
    structure.logo.save("logo.png", ContentFile(png_bytes()), save=True)
    return structure


def test_structure_page_shows_the_logo_served_by_the_directory(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    structure = with_logo(make_structure(name="Maison des usagers du Tarn"))
    logo_path = reverse("directory:structure_logo", args=[structure.pk])

    page = client.get(reverse("directory:structure_detail", args=[structure.pk])).content.decode()
    response = client.get(logo_path)

    assert f'src="{logo_path}?v=' in page
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=86400"
    assert b"".join(response.streaming_content) == png_bytes()


def test_logo_of_an_unpublished_structure_is_shown_to_its_editor_only(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    structure = with_logo(make_structure(status=ModerationStatus.PENDING))
    logo_path = reverse("directory:structure_logo", args=[structure.pk])
    editor = Client()
    editor.force_login(structure.created_by)

    assert client.get(logo_path).status_code == 404
    assert editor.get(logo_path).status_code == 200


def test_structure_without_logo_answers_404(client):
    structure = make_structure()

    assert client.get(reverse("directory:structure_logo", args=[structure.pk])).status_code == 404
