"""Forms of the committees' staff tools: validation only, the services decide."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from actors.charter_enums import Attendance, DecisionFollowUp, MeetingResponse
from actors.enums import ModerationStatus, Side
from actors.forms.charter import DateInput
from actors.models import Committee, Mandate, Meeting, Person, Structure

END_BEFORE_START = _("La date de fin du mandat ne peut pas précéder sa date de début.")


class PersonByEmailField(forms.EmailField):
    """A directory person found by the address of their account or of their profile.

    Staff know the members' addresses; a select of every person in the directory would not scale.
    """

    default_error_messages = {
        "unknown": _("Aucune fiche de l'annuaire ne correspond à l'adresse « %(email)s »."),
    }

    def clean(self, value):
        email = super().clean(value)
        if not email:
            return None
        person = (
            Person.objects.exclude(status=ModerationStatus.ARCHIVED)
            .filter(Q(user__email__iexact=email) | Q(email__iexact=email))
            .order_by("user_id")
            .first()
        )
        if person is None:
            raise forms.ValidationError(
                self.error_messages["unknown"], code="unknown", params={"email": email}
            )
        return person

    def prepare_value(self, value):
        if isinstance(value, Person):
            return value.user.email if value.user_id else value.email
        return value


class StructureByNameField(forms.CharField):
    """A structure found by its exact name, its SIRET or its FINESS number."""

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        text = text.strip()
        matches = list(
            Structure.objects.exclude(status=ModerationStatus.ARCHIVED).filter(
                Q(name__iexact=text)
                | Q(acronym__iexact=text)
                | Q(siret=text.replace(" ", ""))
                | Q(finess=text)
            )[:2]
        )
        if not matches:
            raise forms.ValidationError(_("Aucune structure de l'annuaire ne porte ce nom ou ce numéro."))
        if len(matches) > 1:
            raise forms.ValidationError(
                _("Plusieurs structures correspondent : indiquez son numéro SIRET ou FINESS.")
            )
        return matches[0]


class _PeriodForm(forms.Form):
    start_date = forms.DateField(label=_("Début du mandat"), widget=DateInput())
    end_date = forms.DateField(
        label=_("Fin du mandat"),
        required=False,
        widget=DateInput(),
        help_text=_("Laissez vide si la fin n'est pas encore fixée."),
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", END_BEFORE_START)
        return cleaned


class BinomeForm(_PeriodForm):
    professional = PersonByEmailField(
        label=_("Professionnel(le) du binôme"),
        help_text=_("Adresse électronique de son compte ou de sa fiche dans l'annuaire."),
    )
    professional_role = forms.CharField(label=_("Son rôle (facultatif)"), required=False, max_length=150)
    partner = PersonByEmailField(
        label=_("Patient(e), proche-aidant(e) ou représentant(e) des usagers du binôme"),
        help_text=_("Adresse électronique de son compte ou de sa fiche dans l'annuaire."),
    )
    partner_role = forms.CharField(label=_("Son rôle (facultatif)"), required=False, max_length=150)

    field_order = ["professional", "professional_role", "partner", "partner_role", "start_date", "end_date"]

    def clean(self):
        cleaned = super().clean()
        professional, partner = cleaned.get("professional"), cleaned.get("partner")
        if professional and partner and professional.pk == partner.pk:
            self.add_error("partner", _("Un binôme réunit deux personnes différentes."))
        return cleaned


class MandateForm(_PeriodForm):
    person = PersonByEmailField(
        label=_("Personne"),
        required=False,
        help_text=_("Adresse électronique de son compte ou de sa fiche dans l'annuaire."),
    )
    side = forms.ChoiceField(
        label=_("Côté du partenariat"), required=False, choices=[("", _("Non précisé")), *Side.choices]
    )
    structure = StructureByNameField(
        label=_("ou structure invitée"),
        required=False,
        help_text=_("Nom, sigle, SIRET ou FINESS de la structure."),
    )
    role = forms.CharField(label=_("Rôle (facultatif)"), required=False, max_length=150)

    field_order = ["person", "side", "structure", "role", "start_date", "end_date"]

    def clean(self):
        cleaned = super().clean()
        person, structure = cleaned.get("person"), cleaned.get("structure")
        if not self.has_error("person") and not self.has_error("structure"):
            if person and structure:
                self.add_error("structure", _("Choisissez une personne ou une structure, pas les deux."))
            elif not person and not structure:
                self.add_error("person", _("Indiquez la personne ou la structure invitée."))
        return cleaned


class MandateEditForm(_PeriodForm):
    role = forms.CharField(label=_("Rôle (facultatif)"), required=False, max_length=150)


class CompositionValidationForm(forms.Form):
    meeting = forms.ModelChoiceField(
        label=_("Réunion du Comité des Partenaires"),
        queryset=Meeting.objects.none(),
        empty_label=_("Choisissez la réunion"),
    )
    validated_on = forms.DateField(label=_("Date de la validation"), widget=DateInput())
    mandates = forms.ModelMultipleChoiceField(
        label=_("Mandats validés"),
        queryset=Mandate.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins un mandat à valider.")},
    )
    note = forms.CharField(
        label=_("Observations (facultatif)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, meetings=None, mandates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings if meetings is not None else Meeting.objects.none()
        self.fields["meeting"].label_from_instance = lambda m: f"{m.title} — {m.starts_at:%d/%m/%Y}"
        self.fields["mandates"].queryset = mandates if mandates is not None else Mandate.objects.none()
        self.fields["mandates"].label_from_instance = _mandate_label


def _mandate_label(mandate: Mandate) -> str:
    side = f" — {Side(mandate.side).label}" if mandate.side else ""
    end = f"{mandate.end_date:%d/%m/%Y}" if mandate.end_date else "…"
    return f"{mandate.holder}{side} ({mandate.start_date:%d/%m/%Y} → {end})"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Intitulé"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Début"), widget=DateTimeInput(), input_formats=["%Y-%m-%dT%H:%M"]
    )
    ends_at = forms.DateTimeField(label=_("Fin"), widget=DateTimeInput(), input_formats=["%Y-%m-%dT%H:%M"])
    location = forms.CharField(
        label=_("Lieu"), required=False, max_length=250, help_text=_("Adresse, salle… (ou un lien de visio)")
    )
    visio_url = forms.URLField(
        label=_("Lien de visioconférence"),
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={
            "invalid": _("Saisissez une adresse web complète, par exemple https://visio.exemple.fr/…")
        },
    )
    agenda = forms.CharField(
        label=_("Ordre du jour"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("La fin de la réunion doit être postérieure à son début."))
        if not self.has_error("location") and not self.has_error("visio_url"):
            if not cleaned.get("location", "").strip() and not cleaned.get("visio_url", "").strip():
                self.add_error("location", _("Indiquez un lieu ou un lien de visioconférence."))
        return cleaned


class MeetingEditForm(MeetingForm):
    notify = forms.BooleanField(
        label=_("Envoyer l'invitation mise à jour aux participants"),
        required=False,
        initial=True,
    )


class ParticipantForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=250, required=False)
    email = forms.EmailField(label=_("Adresse électronique"))


class AttendanceForm(forms.Form):
    """One radio group per participant: présent(e) / excusé(e) / absent(e) / non renseignée."""

    def __init__(self, *args, participants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.participants = list(participants)
        for participant in self.participants:
            self.fields[f"p{participant.pk}"] = forms.ChoiceField(
                label=participant.name,
                choices=Attendance.choices,
                initial=participant.attendance,
                widget=forms.RadioSelect,
            )

    def rows(self):
        return [(participant, self[f"p{participant.pk}"]) for participant in self.participants]

    def attendance(self) -> dict[int, str]:
        return {participant.pk: self.cleaned_data[f"p{participant.pk}"] for participant in self.participants}


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Compte rendu"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Les membres de l'instance le lisent en entier une fois approuvé."),
    )
    public_minutes = forms.CharField(
        label=_("Partie publique du compte rendu"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Ce que la page publique de l'instance montre, une fois le compte rendu approuvé."),
    )
    decisions = forms.CharField(
        label=_("Décisions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Une décision par ligne."),
    )

    approved = forms.BooleanField(
        label=_("Approuver le compte rendu"),
        required=False,
        help_text=_(
            "Approuvé, il est lu par les membres, et sa partie publique et ses décisions sont publiées."
        ),
    )

    def decision_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["decisions"].splitlines() if line.strip()]


ANSWER_CHOICES = [
    (MeetingResponse.COMING.value, _("Je viens")),
    (MeetingResponse.EXCUSED.value, _("Je suis excusé·e")),
    (MeetingResponse.NOT_COMING.value, _("Je ne viens pas")),
]


class MeetingResponseForm(forms.Form):
    response = forms.ChoiceField(
        label=_("Votre réponse"),
        choices=ANSWER_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choisissez « Je viens », « Je suis excusé·e » ou « Je ne viens pas »."),
            "invalid_choice": _("Choisissez « Je viens », « Je suis excusé·e » ou « Je ne viens pas »."),
        },
    )


class DecisionFollowUpForm(forms.Form):
    follow_up = forms.ChoiceField(label=_("Suivi"), choices=DecisionFollowUp.choices)
    follow_up_note = forms.CharField(label=_("Précisions (facultatif)"), required=False, max_length=500)


class DecisionFilterForm(forms.Form):
    """The register of decisions' filters (GET): an unknown value is a bad request, not a silent reset."""

    instance = forms.ModelChoiceField(
        label=_("Instance"),
        queryset=Committee.objects.filter(is_active=True).order_by("position", "name"),
        required=False,
        to_field_name="slug",
        empty_label=_("Toutes les instances"),
    )
    suivi = forms.ChoiceField(
        label=_("Suivi"), required=False, choices=[("", _("Tous les états")), *DecisionFollowUp.choices]
    )
