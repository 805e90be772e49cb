"""Uploaded images (photos, logos, news images): checked with Pillow, then re-encoded so that only
clean pixels are kept (no metadata such as GPS coordinates, no crafted file reaches the disk)."""

from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
# Longest side kept, per kind: a directory photo or logo, a news item's illustration.
MAX_SIDE = {"photo": 800, "logo": 800, "news": 1600}


def reencode_image(upload, *, kind: str) -> ContentFile:
    """Validate an uploaded image and return it re-encoded: PNG for logos, JPEG otherwise (a
    transparent image on white, as the pages show it)."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("L'image est trop lourde (%(size)s Mo) : 5 Mo au maximum.")
            % {"size": number_format(upload.size / 1048576, 1)}  # « 5,2 Mo » in French
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("Ce fichier n'est pas une image lisible : envoyez un fichier JPEG, PNG ou WebP.")
        ) from None
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(_("Format d'image non accepté : envoyez un fichier JPEG, PNG ou WebP."))
    if width * height > MAX_PIXELS:
        raise ValidationError(_("L'image est trop grande (plus de 40 millions de pixels)."))
    upload.seek(0)
    with Image.open(upload) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail((MAX_SIDE[kind], MAX_SIDE[kind]))
        # Only the pixels go on: Pillow would otherwise write back the JPEG comment, ICC profile
        # and the like that the upload carried (a street address in a comment, a payload in a profile).
        image.info = {}
        buffer = BytesIO()
        if kind == "logo":
            image = image.convert("RGBA")
            image.save(buffer, format="PNG", optimize=True)
            name = "logo.png"
        else:
            if image.mode in ("RGBA", "LA", "P"):
                image = image.convert("RGBA")
                background = Image.new("RGB", image.size, (255, 255, 255))
                background.paste(image, mask=image.split()[-1])
                image = background
            image = image.convert("RGB")
            image.save(buffer, format="JPEG", quality=85, optimize=True)
            name = "actualite.jpg" if kind == "news" else "photo.jpg"
    return ContentFile(buffer.getvalue(), name=name)
