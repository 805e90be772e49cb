"""Forms of the resource library: the search and its filters, a proposal, the staff's review.

An uploaded file is judged by its content, not its name: a text file renamed « .pdf » or an
executable renamed « .docx » is refused before anything is saved.
"""

import zipfile

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

from actors.models import Domain, Structure
from directory.models import Resource, ResourceAudience, ResourceKind

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


class ResourceSearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Mots-clés"), required=False, max_length=200)
    type = forms.ChoiceField(
        label=gettext_lazy("Type"),
        required=False,
        choices=[("", gettext_lazy("Tous les types")), *ResourceKind.choices],
    )
    public = forms.ChoiceField(
        label=gettext_lazy("Public"),
        required=False,
        choices=[("", gettext_lazy("Tous les publics")), *ResourceAudience.choices],
    )
    theme = forms.ModelChoiceField(
        label=gettext_lazy("Thème"),
        required=False,
        queryset=Domain.objects.filter(is_active=True),
        to_field_name="code",
        empty_label=gettext_lazy("Tous les thèmes"),
    )


class ResourceForm(forms.ModelForm):
    """A proposal (référents and staff) or the staff's edit: exactly one of a file and a link."""

    link = forms.URLField(
        label=gettext_lazy("Lien"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=gettext_lazy("Une vidéo, une page web : l'adresse complète, commençant par https://"),
    )

    class Meta:
        model = Resource
        fields = [
            "title",
            "kind",
            "summary",
            "file",
            "link",
            "audience",
            "themes",
            "author_structure",
            "licence",
            "published_on",
        ]
        labels = {"published_on": gettext_lazy("Date de parution")}
        help_texts = {
            "file": gettext_lazy("PDF, ODT, DOCX, XLSX, PPTX, PNG ou JPEG, 20 Mo au maximum."),
            "summary": gettext_lazy("En quelques phrases : à quoi sert la ressource, pour qui."),
            "published_on": gettext_lazy(
                "La date de parution du document (jj/mm/aaaa), si vous la connaissez."
            ),
        }
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 5}),
            "themes": forms.CheckboxSelectMultiple,
            "published_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "file": forms.ClearableFileInput(
                attrs={"accept": ",".join(f".{ext}" for ext in ACCEPTED_EXTENSIONS)}
            ),
        }

    def __init__(self, *args, structures=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = Domain.objects.filter(is_active=True)
        for name in ("kind", "audience", "licence"):
            self.fields[name].choices = [("", _("Choisissez…")), *self.fields[name].choices[1:]]
        self.fields["author_structure"].queryset = (
            structures if structures is not None else Structure.objects.none()
        )
        self.fields["author_structure"].empty_label = gettext_lazy("Aucune (le COPS)")
        self.file_format = self.instance.file_format if self.instance.pk else ""

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and hasattr(upload, "content_type"):  # a new upload (not the stored file)
            self.file_format = detect_file_format(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        has_file, has_link = bool(cleaned.get("file")), bool(cleaned.get("link"))
        if "file" in self.errors:
            return cleaned
        if has_file and has_link:
            raise ValidationError(_("Donnez soit un fichier, soit un lien, pas les deux."))
        if not has_file and not has_link and "link" not in self.errors:
            raise ValidationError(_("Joignez un fichier ou donnez un lien vers la ressource."))
        return cleaned

    def _post_clean(self):
        # The model's file-or-link constraint is checked in clean() with a message about the
        # form; the model's own check would repeat it.
        exclude = self._get_validation_exclusions()
        try:
            self.instance = forms.models.construct_instance(self, self.instance, self._meta.fields, exclude)
        except ValidationError as error:
            self._update_errors(error)
        try:
            self.instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            self._update_errors(error)


class ResourceReviewForm(ResourceForm):
    """The staff's review: the resource's fields (they may correct them) and the decision."""

    DECISIONS = [
        ("publish", gettext_lazy("Publier")),
        ("refuse", gettext_lazy("Refuser")),
        ("save", gettext_lazy("Enregistrer sans décider")),
    ]
    decision = forms.ChoiceField(label=gettext_lazy("Décision"), choices=DECISIONS, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=gettext_lazy("Motif du refus"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Envoyé à la personne qui a proposé la ressource."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "refuse" and not (cleaned.get("reason") or "").strip():
            self.add_error(
                "reason", _("Expliquez le refus : la personne qui a proposé la ressource le lira.")
            )
        return cleaned
