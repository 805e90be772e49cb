"""Forms of the resource library: the search and its filters, a proposal, the staff's review.

An uploaded file is judged by its content, not its name: a text file renamed « .pdf » or an
executable renamed « .docx » is refused before anything is saved.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actors.models import Domain, Structure
from cops.uploads import (  # noqa: F401 — re-exported: the directory's forms import them from here
    ACCEPTED_EXTENSIONS,
    ACCEPTED_LABEL,
    MAX_RESOURCE_BYTES,
    detect_file_format,
)
from directory.models import Resource, ResourceAudience, ResourceKind


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
