"""Uploaded files judged by their content, not their name: a text file renamed « .pdf » or an
executable renamed « .docx » is refused before anything is saved. Used by the directory's
resources and projects and by the events' documents (any app may import cops, not each other).
"""

import zipfile

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

MAX_RESOURCE_BYTES = 20 * 1024 * 1024

# Extension → the format its content must show. Office files are ZIP archives told apart by the
# part only their own format has.
OFFICE_MARKERS = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
ACCEPTED_EXTENSIONS = ("pdf", "odt", "docx", "xlsx", "pptx", "png", "jpg", "jpeg")
ACCEPTED_LABEL = gettext_lazy("PDF, ODT, DOCX, XLSX, PPTX, PNG ou JPEG")


def _head(upload, size: int = 16) -> bytes:
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def _zip_names(upload) -> tuple[set[str], bytes]:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return set(), b""
    finally:
        upload.seek(0)
    return names, mimetype


def _is_image(upload, expected: str) -> bool:
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            image_format = probe.format
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False
    finally:
        upload.seek(0)
    return image_format == expected


def detect_file_format(upload) -> str:
    """The file's format (its canonical extension) when its content matches its name; a French
    ValidationError otherwise."""
    if upload.size > MAX_RESOURCE_BYTES:
        raise ValidationError(
            _("Le fichier est trop lourd (%(size)s Mo) : 20 Mo au maximum.")
            % {"size": number_format(upload.size / 1048576, 1)}
        )
    if upload.size == 0:
        raise ValidationError(_("Le fichier est vide."))
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension not in ACCEPTED_EXTENSIONS:
        raise ValidationError(
            _("Format non accepté : envoyez un fichier %(formats)s.") % {"formats": ACCEPTED_LABEL}
        )
    head = _head(upload)
    if extension == "pdf":
        matches = head.startswith(b"%PDF-")
    elif extension == "png":
        matches = head.startswith(b"\x89PNG\r\n\x1a\n") and _is_image(upload, "PNG")
    elif extension in ("jpg", "jpeg"):
        extension = "jpg"
        matches = head.startswith(b"\xff\xd8\xff") and _is_image(upload, "JPEG")
    else:
        names, mimetype = _zip_names(upload) if head.startswith(b"PK\x03\x04") else (set(), b"")
        if extension == "odt":
            matches = mimetype.strip() == ODT_MIMETYPE
        else:
            matches = OFFICE_MARKERS[extension] in names
    if not matches:
        raise ValidationError(
            _(
                "Ce fichier n'est pas un vrai fichier %(extension)s : son contenu ne correspond pas à "
                "son nom. Envoyez le document d'origine (%(formats)s)."
            )
            % {"extension": extension.upper(), "formats": ACCEPTED_LABEL}
        )
    return extension


# The Content-Type a download of each accepted format is served with.
FILE_TYPES = {
    "pdf": "application/pdf",
    "odt": "application/vnd.oasis.opendocument.text",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "png": "image/png",
    "jpg": "image/jpeg",
}


def stored_file_response(
    field_file, *, filename: str, file_format: str, cache_control: str = "private, no-store"
):
    """A file from private storage, as an attachment named `filename`, with the type its checked
    format says (never what the browser might sniff); 404 when the file is gone."""
    from django.http import FileResponse, Http404

    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type=FILE_TYPES.get(file_format, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache_control
    return response
