from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

CONVENTION_MAX_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"


def validate_convention_pdf(upload) -> None:
    """A signed convention must really be a PDF (by its first bytes, not its name) of at most 10 Mo."""
    if upload.size > CONVENTION_MAX_BYTES:
        raise ValidationError(
            _("Le fichier pèse %(size)s : la limite est de %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(CONVENTION_MAX_BYTES)}
        )
    if upload.size == 0:
        raise ValidationError(_("Le fichier est vide."))
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    # Judged by its first bytes, not its name or the browser's declared type, which anyone can set.
    if head != PDF_MAGIC:
        raise ValidationError(_("Ce fichier n'est pas un PDF : déposez la convention signée au format PDF."))
