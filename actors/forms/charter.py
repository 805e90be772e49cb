"""Forms of the charter pages: validation only, the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from actors.charter_enums import SignatureSide
from actors.enums import ActorKind, Zone
from actors.models import CharterVersion, Domain, Person, Structure


class SignForm(forms.Form):
    """Who signs: "personne:<id>" (oneself) or "structure:<id>" (a structure one is référent of)."""

    signatory = forms.CharField(
        label=_("Vous signez"),
        error_messages={"required": _("Choisissez pour qui vous signez la charte.")},
    )
    accept = forms.BooleanField(
        label=_("J'ai lu la charte d'engagement et je m'engage à la respecter."),
        error_messages={"required": _("Cochez cette case pour confirmer votre engagement.")},
    )

    def clean_signatory(self):
        kind, _sep, raw_id = self.cleaned_data["signatory"].partition(":")
        if kind not in ActorKind.values or not raw_id.isdigit():
            raise forms.ValidationError(_("Choisissez pour qui vous signez la charte."))
        model = Person if kind == ActorKind.PERSON else Structure
        actor = model.objects.filter(pk=int(raw_id)).first()
        if actor is None:
            raise forms.ValidationError(_("Ce signataire n'existe pas (ou plus) dans l'annuaire."))
        return kind, actor


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du retrait (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Il n'est visible que de l'équipe du COPS."),
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CharterVersionForm(forms.ModelForm):
    class Meta:
        model = CharterVersion
        fields = ["year", "title", "text", "valid_from", "valid_until"]
        widgets = {
            "valid_from": DateInput(),
            "valid_until": DateInput(),
            "text": forms.Textarea(attrs={"rows": 18}),
        }
        help_texts = {"valid_until": _("Laissez vide si la fin n'est pas encore fixée.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.is_published:
            # A signed text is frozen; only its validity may still be adjusted.
            for name in ("year", "title", "text"):
                self.fields[name].disabled = True

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error(
                "valid_until", _("La fin de validité doit être postérieure ou égale au début de validité.")
            )
        return cleaned

    def validate_unique(self):
        # The service checks the year and answers in plain French.
        pass


class SignatoryFilterForm(forms.Form):
    """The signatories page's filters (GET): all optional, unknown values are ignored."""

    annee = forms.TypedChoiceField(label=_("Charte"), required=False, coerce=int, empty_value=None)
    type = forms.ChoiceField(
        label=_("Type de signataire"),
        required=False,
        choices=[("", _("Structures et personnes")), *ActorKind.choices],
    )
    cote = forms.ChoiceField(
        label=_("Côté du partenariat (personnes)"),
        required=False,
        choices=[
            ("", _("Tous")),
            (SignatureSide.USER, SignatureSide.USER.label),
            (SignatureSide.PROFESSIONAL, SignatureSide.PROFESSIONAL.label),
        ],
    )
    localisation = forms.ChoiceField(
        label=_("Localisation en Occitanie"),
        required=False,
        choices=[("", _("Toute l'Occitanie")), *Zone.choices],
    )
    domaine = forms.TypedChoiceField(
        label=_("Domaine d'activité"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["annee"].choices = [(v.year, _("Charte %(year)s") % {"year": v.year}) for v in versions]
        self.fields["domaine"].choices = [("", _("Tous les domaines"))] + [
            (domain.pk, domain.label) for domain in Domain.objects.filter(is_active=True)
        ]
