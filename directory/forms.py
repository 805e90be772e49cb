"""Forms of the directory: registration steps, moderation decisions, membership requests.

Forms only validate; the services write.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from actors.enums import Visibility
from actors.models import (
    Activity,
    ActorProfile,
    Availability,
    Commune,
    Departement,
    Domain,
    Person,
    Qualification,
    StructureType,
)
from actors.validators import normalize_identifier, validate_finess, validate_postal_code, validate_siret
from cops.images import reencode_image

OCCITANIE_DEPARTEMENTS = {"09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"}


def _checkboxes(queryset, label, *, required=False, help_text=""):
    return forms.ModelMultipleChoiceField(
        queryset=queryset,
        label=label,
        required=required,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


class CommuneField(forms.CharField):
    """A commune typed as "Name (postal code)" (as the suggestions show it), a name, or a
    postal code. Returns (commune, outside label): a commune outside Occitanie is accepted —
    as text, flagged to the moderators — when written with its postal code."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 150)
        kwargs.setdefault(
            "help_text",
            _("Tapez le nom ou le code postal puis choisissez dans la liste, par exemple « Albi (81000) »."),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None, ""
        value = " ".join(value.split())
        match = re.fullmatch(r"(.+?)\s*\((\d{5})\)", value)
        name, postal = (match.group(1), match.group(2)) if match else (value, "")
        if re.fullmatch(r"\d[\dAB]\d{3}", value):
            by_insee = Commune.objects.filter(insee_code=value).first()
            if by_insee is not None and not Commune.objects.filter(postal_codes__contains=[value]).exists():
                return by_insee, ""  # an INSEE code (what the suggestions send without JavaScript)
            name, postal = "", value
        communes = Commune.objects.all()
        if postal:
            communes = communes.filter(postal_codes__contains=[postal])
        if name:
            communes = communes.filter(name__unaccent__iexact=name)
        candidates = list(communes.order_by("-population")[:6])
        if len(candidates) == 1 or (candidates and name and postal):
            return candidates[0], ""
        if len(candidates) > 1:
            raise ValidationError(
                _("Plusieurs communes correspondent : %(names)s. Choisissez-la dans la liste.")
                % {"names": ", ".join(str(c) for c in candidates)},
                code="ambiguous",
            )
        if postal and postal[:2] not in OCCITANIE_DEPARTEMENTS:
            if name:
                return None, f"{name} ({postal})"
            raise ValidationError(
                _(
                    "Pour une commune hors Occitanie, écrivez son nom suivi du code postal, par exemple « Paris (75011) »."
                ),
                code="outside_needs_name",
            )
        raise ValidationError(
            _("Commune introuvable en Occitanie. Vérifiez l'orthographe ou indiquez « Nom (code postal) »."),
            code="unknown",
        )


def commune_initial(commune_id: str | None, outside: str) -> str:
    if commune_id:
        commune = Commune.objects.filter(pk=commune_id).first()
        return str(commune) if commune else ""
    return outside


class ImageUploadField(forms.ImageField):
    """Size and type checked, then re-encoded with Pillow (see cops.images)."""

    def __init__(self, *, kind: str, **kwargs):
        self.kind = kind
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        kwargs.setdefault("help_text", _("JPEG, PNG ou WebP, 5 Mo au maximum."))
        super().__init__(**kwargs)

    def to_python(self, data):
        if data in self.empty_values:
            return None
        return reencode_image(data, kind=self.kind)


# --- Person steps -------------------------------------------------------------------------------------------


class PersonIdentityForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=100)
    last_name = forms.CharField(label=_("Nom"), max_length=100)
    photo = ImageUploadField(kind="photo", label=_("Photo (facultative)"))
    remove_photo = forms.BooleanField(label=_("Retirer la photo actuelle"), required=False)
    email = forms.EmailField(
        label=_("Adresse électronique de contact"),
        required=False,
        help_text=_("Vous choisirez à la dernière étape qui peut la voir."),
    )
    phone = forms.CharField(label=_("Téléphone"), max_length=30, required=False)
    website = forms.URLField(label=_("Site web"), required=False, assume_scheme="https")

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not re.fullmatch(r"[+\d][\d .\-()]{5,25}", phone):
            raise ValidationError(_("Numéro de téléphone non valide, par exemple 06 12 34 56 78."))
        return phone


class PersonProfilesForm(forms.Form):
    profiles = _checkboxes(
        ActorProfile.objects.filter(is_active=True),
        _("Vos profils d'acteur"),
        required=True,
        help_text=_("Cochez tout ce qui vous correspond."),
    )
    domains = _checkboxes(Domain.objects.filter(is_active=True), _("Vos domaines d'activité"), required=True)


class TerritoryMixin(forms.Form):
    territories = _checkboxes(
        Departement.objects.all(),
        _("Départements où vous agissez"),
        help_text=_("Cochez un ou plusieurs départements, ou « Toute la région »."),
    )
    region_wide = forms.BooleanField(label=_("Toute la région Occitanie"), required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("territories") and not cleaned.get("region_wide"):
            self.add_error("territories", _("Choisissez au moins un département, ou « Toute la région »."))
        return cleaned


class PersonTerritoryForm(TerritoryMixin):
    commune = CommuneField(label=_("Votre commune"))

    field_order = ["commune", "territories", "region_wide"]

    def changes(self) -> dict:
        commune, outside = self.cleaned_data["commune"]
        return {
            "commune": commune,
            "outside_commune": outside,
            "territories": self.cleaned_data["territories"],
            "region_wide": self.cleaned_data["region_wide"],
        }


class PersonActivitiesForm(forms.Form):
    activities = _checkboxes(Activity.objects.filter(is_active=True), _("Vos activités"))
    availabilities = _checkboxes(Availability.objects.filter(is_active=True), _("Vos disponibilités"))
    qualifications = _checkboxes(
        Qualification.objects.filter(is_active=True), _("Qualifications ou diplômes")
    )
    bio = forms.CharField(
        label=_("Présentation"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Quelques lignes sur votre engagement dans le partenariat en santé."),
    )
    experience = forms.CharField(
        label=_("Expérience et savoirs"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Votre parcours, vos savoirs expérientiels ou professionnels. Réservé par défaut aux partenaires."
        ),
    )


VISIBILITY_LABELS = {
    "last_name": _("Votre nom de famille"),
    "photo": _("Votre photo"),
    "profiles": _("Vos profils d'acteur"),
    "domains": _("Vos domaines d'activité"),
    "territories": _("Vos territoires d'activité"),
    "commune": _("Votre commune (et votre place sur la carte)"),
    "qualifications": _("Vos qualifications ou diplômes"),
    "activities": _("Vos activités"),
    "availabilities": _("Vos disponibilités"),
    "bio": _("Votre présentation"),
    "experience": _("Votre expérience et vos savoirs"),
    "email": _("Votre adresse électronique"),
    "phone": _("Votre téléphone"),
    "website": _("Votre site web"),
    "memberships": _("Les structures dont vous êtes membre"),
}


# Short labels for the three-way switch of each field (explained above the switches).
VISIBILITY_SHORT_CHOICES = [
    (int(Visibility.PUBLIC), _("Tout le monde")),
    (int(Visibility.PARTNERS), _("Partenaires")),
    (int(Visibility.STAFF), _("Équipe COPS")),
]


class PersonVisibilityForm(forms.Form):
    """One choice per restrictable field, then consent to publication."""

    consent = forms.BooleanField(
        label=_(
            "J'accepte que ma fiche soit publiée dans l'annuaire du COPS Occitanie, avec les informations et "
            "la visibilité choisies ci-dessus, après validation par l'équipe du COPS."
        ),
        required=True,
        error_messages={"required": _("Votre accord est nécessaire pour publier votre fiche.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in Person.RESTRICTABLE_FIELDS:
            self.fields[f"vis_{name}"] = forms.TypedChoiceField(
                label=VISIBILITY_LABELS[name],
                choices=VISIBILITY_SHORT_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
            )
        # Consent comes last.
        self.order_fields([f"vis_{name}" for name in Person.RESTRICTABLE_FIELDS] + ["consent"])

    @property
    def visibility_fields(self):
        return [self[f"vis_{name}"] for name in Person.RESTRICTABLE_FIELDS]

    def visibility(self) -> dict:
        return {name: self.cleaned_data[f"vis_{name}"] for name in Person.RESTRICTABLE_FIELDS}


# --- Structure steps ----------------------------------------------------------------------------------------


class StructureIdentityForm(forms.Form):
    name = forms.CharField(label=_("Nom de la structure"), max_length=200)
    acronym = forms.CharField(label=_("Sigle"), max_length=40, required=False)
    structure_type = forms.ModelChoiceField(
        queryset=StructureType.objects.filter(is_active=True),
        label=_("Type de structure"),
        empty_label=_("Choisissez un type"),
    )
    siret = forms.CharField(
        label=_("Numéro SIRET (facultatif)"), max_length=20, required=False, help_text=_("14 chiffres.")
    )
    finess = forms.CharField(
        label=_("Numéro FINESS (facultatif)"),
        max_length=12,
        required=False,
        help_text=_("9 caractères, pour les établissements sanitaires et médico-sociaux."),
    )
    logo = ImageUploadField(kind="logo", label=_("Logo (facultatif)"))
    remove_logo = forms.BooleanField(label=_("Retirer le logo actuel"), required=False)
    email = forms.EmailField(label=_("Adresse électronique de contact"), required=False)
    phone = forms.CharField(label=_("Téléphone"), max_length=30, required=False)
    website = forms.URLField(label=_("Site web"), required=False, assume_scheme="https")

    def clean_siret(self):
        value = normalize_identifier(self.cleaned_data["siret"])
        if value:
            validate_siret(value)
        return value

    def clean_finess(self):
        value = normalize_identifier(self.cleaned_data["finess"])
        if value:
            validate_finess(value)
        return value


class StructureDomainsForm(forms.Form):
    domains = _checkboxes(Domain.objects.filter(is_active=True), _("Domaines d'activité"), required=True)
    description = forms.CharField(
        label=_("Présentation de la structure"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class StructureAddressForm(TerritoryMixin):
    address = forms.CharField(label=_("Adresse"), max_length=250, required=False)
    postal_code = forms.CharField(label=_("Code postal"), max_length=5, validators=[validate_postal_code])
    commune = CommuneField(label=_("Commune"))

    field_order = ["address", "postal_code", "commune", "territories", "region_wide"]

    def clean(self):
        cleaned = super().clean()
        commune, outside = cleaned.get("commune") or (None, "")
        postal = cleaned.get("postal_code")
        if commune is not None and postal and postal not in commune.postal_codes:
            self.add_error(
                "postal_code",
                _("Ce code postal ne correspond pas à %(commune)s (codes : %(codes)s).")
                % {"commune": commune.name, "codes": ", ".join(commune.postal_codes)},
            )
        return cleaned

    def changes(self) -> dict:
        commune, outside = self.cleaned_data["commune"]
        return {
            "address": self.cleaned_data["address"],
            "postal_code": self.cleaned_data["postal_code"],
            "commune": commune,
            "outside_commune": outside,
            "territories": self.cleaned_data["territories"],
            "region_wide": self.cleaned_data["region_wide"],
        }


class StructurePositionForm(forms.Form):
    """The pin dragged on the map writes these two hidden fields."""

    latitude = forms.FloatField(widget=forms.HiddenInput, min_value=41.0, max_value=46.0)
    longitude = forms.FloatField(widget=forms.HiddenInput, min_value=-1.5, max_value=5.5)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            raise ValidationError(_("La position choisie est en dehors de la région : replacez l'épingle."))
        return cleaned


class ConsentForm(forms.Form):
    consent = forms.BooleanField(
        label=_(
            "Je confirme représenter cette structure et j'accepte que sa fiche soit publiée dans l'annuaire du "
            "COPS Occitanie après validation par l'équipe du COPS."
        ),
        error_messages={"required": _("Votre accord est nécessaire pour publier la fiche.")},
    )


# --- Moderation and memberships ------------------------------------------------------------------------------


class ModerationForm(forms.Form):
    DECISIONS = [
        ("approve", _("Publier")),
        ("changes", _("Demander des modifications")),
        ("reject", _("Refuser")),
    ]
    decision = forms.ChoiceField(label=_("Décision"), choices=DECISIONS, widget=forms.RadioSelect)
    message = forms.CharField(
        label=_("Message à l'auteur"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Obligatoire pour un refus ou une demande de modifications."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") in ("changes", "reject") and not (cleaned.get("message") or "").strip():
            self.add_error("message", _("Expliquez à l'auteur le motif ou les modifications attendues."))
        return cleaned


class MembershipRequestForm(forms.Form):
    function = forms.CharField(label=_("Votre fonction dans la structure"), max_length=150)
    message = forms.CharField(label=_("Message aux référents"), max_length=1000, required=False)


class MembershipDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accepter")), ("refuse", _("Refuser"))])
    is_referent = forms.BooleanField(required=False, label=_("Nommer référent de la structure"))


class MergeForm(forms.Form):
    keep = forms.IntegerField(widget=forms.HiddenInput)
    remove = forms.IntegerField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_(
            "Je confirme la fusion : la seconde fiche sera supprimée après transfert de ses informations."
        ),
        error_messages={"required": _("Cochez la case pour confirmer la fusion.")},
    )


class ExportForm(forms.Form):
    audience = forms.TypedChoiceField(choices=Visibility.choices, coerce=int, required=False)
