"""Input validation only; the business rules live in the services."""

from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accompaniment.enums import (
    ActionStatus,
    ContentVisibility,
    DecisionOutcome,
    FindingKind,
    Side,
    SupportType,
)
from accompaniment.models import PhaseTemplate
from accompaniment.questionnaires import SCALE, scale_labels
from accompaniment.validators import validate_convention_pdf
from actors.charter_enums import CommitteeKind
from actors.enums import MembershipStatus, Role, Zone
from actors.models import Departement, Person
from actors.models.committees import Meeting
from selfassess.models import AssessmentSession


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def date_field(label, required=True, help_text="", initial=None):
    return forms.DateField(
        label=label, required=required, widget=DateInput(), help_text=help_text, initial=initial
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


def staff_users():
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=[Role.STAFF.value, Role.ADMIN.value]) | Q(is_superuser=True))
        .distinct()
        .order_by("first_name", "last_name")
    )


# --- Requests -------------------------------------------------------------------------------------


class SupportRequestForm(forms.Form):
    structure = forms.ModelChoiceField(
        label=_("Structure"),
        queryset=None,
        empty_label=None,
        help_text=_("Une structure dont vous êtes référent."),
    )
    support_type = forms.ChoiceField(label=_("Type d'appui"), choices=SupportType.choices)
    title = forms.CharField(label=_("Intitulé du projet"), max_length=200)
    context = forms.CharField(
        label=_("Contexte"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Votre structure, le projet, ce qui existe déjà en matière de partenariat."),
    )
    expected_outcome = forms.CharField(
        label=_("Résultat attendu"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ce que vous souhaitez obtenir grâce à l'appui du COPS."),
    )
    contact_name = forms.CharField(label=_("Personne à contacter"), max_length=150)
    contact_email = forms.EmailField(label=_("Adresse électronique de contact"))
    contact_phone = forms.CharField(label=_("Téléphone de contact"), max_length=30, required=False)

    def __init__(self, *args, structures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = structures


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Décision du CoPil"), choices=DecisionOutcome.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Motif ou informations attendues"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Obligatoire pour un refus ou une demande de complément ; transmis au demandeur par courriel."
        ),
    )
    decided_on = date_field(_("Date de la décision"), initial=timezone.localdate)
    copil_meeting = forms.ModelChoiceField(
        label=_("Réunion du CoPil qui a examiné la demande"),
        queryset=None,
        required=False,
        empty_label=_("— Aucune —"),
        error_messages={
            "invalid_choice": _(
                "Choisissez une réunion du CoPil qui a déjà eu lieu (dans les deux dernières années)."
            )
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The meetings held in the last two years: a decision follows the meeting that took it.
        now = timezone.now()
        self.fields["copil_meeting"].queryset = Meeting.objects.filter(
            committee__kind=CommitteeKind.COPIL, starts_at__gte=now - timedelta(days=730), starts_at__lte=now
        ).order_by("-starts_at")


class ComplementForm(forms.Form):
    text = forms.CharField(
        label=_("Complément d'information"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Répondez aux questions du CoPil ; votre demande lui sera de nouveau soumise."),
    )


# --- Accompaniments ---------------------------------------------------------------------------------


class AccompanimentForm(forms.Form):
    title = forms.CharField(label=_("Intitulé"), max_length=200)
    support_type = forms.ChoiceField(label=_("Type d'appui"), choices=SupportType.choices)
    context = forms.CharField(label=_("Contexte"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    expected_outcome = forms.CharField(
        label=_("Résultat attendu"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    professional_lead = UserChoiceField(label=_("Professionnel de santé du binôme"), queryset=None)
    patient_partner_lead = UserChoiceField(label=_("Patient partenaire du binôme"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["professional_lead"].queryset = staff_users()
        self.fields["patient_partner_lead"].queryset = staff_users()

    def clean(self):
        cleaned = super().clean()
        lead_a, lead_b = cleaned.get("professional_lead"), cleaned.get("patient_partner_lead")
        if lead_a and lead_b and lead_a == lead_b:
            self.add_error(
                "patient_partner_lead",
                _("Le binôme réunit deux personnes : un professionnel de santé et un patient partenaire."),
            )
        return cleaned


class AccompanimentOpenForm(AccompanimentForm):
    structure = forms.ModelChoiceField(label=_("Structure"), queryset=None)
    template = forms.ModelChoiceField(
        label=_("Modèle de phases"), queryset=None, empty_label=None, widget=forms.RadioSelect
    )
    started_on = date_field(_("Début de l'accompagnement"), initial=timezone.localdate)

    field_order = [
        "structure",
        "title",
        "support_type",
        "template",
        "professional_lead",
        "patient_partner_lead",
    ]

    def __init__(self, *args, structures, lock_structure=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = structures
        if lock_structure:
            self.fields["structure"].disabled = True
        templates = PhaseTemplate.objects.filter(is_active=True).order_by("-is_default", "position")
        self.fields["template"].queryset = templates
        default = templates.filter(is_default=True).first()
        if default is not None:
            self.fields["template"].initial = default.pk


class ConventionForm(forms.Form):
    start = date_field(_("Début de la convention"), required=False)
    end = date_field(_("Fin de la convention"), required=False)
    # The plausible range (1 to 100) is checked by the service, with a message that says why.
    planned_interventions = forms.IntegerField(
        label=_("Nombre d'interventions prévues"), required=False, min_value=1, max_value=32000
    )
    signed_on = date_field(_("Date de signature"), required=False)
    signed_file = forms.FileField(
        label=_("Convention signée (PDF, 10 Mo au plus)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def clean_signed_file(self):
        upload = self.cleaned_data.get("signed_file")
        if upload:
            validate_convention_pdf(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("La fin de la convention précède son début."))
        return cleaned


class ParticipantForm(forms.Form):
    person = forms.ModelChoiceField(
        label=_("Membre de la structure dans l'annuaire"),
        queryset=None,
        required=False,
        empty_label=_("— Personne hors annuaire —"),
        help_text=_("Facultatif : reprend son nom et son adresse de contact."),
    )
    first_name = forms.CharField(label=_("Prénom"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Nom"), max_length=100, required=False)
    email = forms.EmailField(
        label=_("Adresse électronique"),
        required=False,
        help_text=_("Nécessaire pour recevoir les questionnaires d'évaluation."),
    )
    side = forms.ChoiceField(label=_("Côté du partenariat"), choices=Side.choices, widget=forms.RadioSelect)
    function = forms.CharField(label=_("Fonction ou rôle dans le projet"), max_length=150, required=False)

    def __init__(self, *args, structure, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(
            memberships__structure=structure, memberships__status=MembershipStatus.ACCEPTED
        ).order_by("last_name", "first_name")

    def clean(self):
        cleaned = super().clean()
        person = cleaned.get("person")
        if person is not None:
            cleaned["first_name"] = cleaned.get("first_name") or person.first_name
            cleaned["last_name"] = cleaned.get("last_name") or person.last_name
            cleaned["email"] = (
                cleaned.get("email") or person.email or (person.user.email if person.user_id else "")
            )
        if not cleaned.get("first_name"):
            self.add_error("first_name", _("Indiquez le prénom du participant."))
        if not cleaned.get("last_name"):
            self.add_error("last_name", _("Indiquez le nom du participant."))
        return cleaned


def visibility_field(help_text):
    return forms.ChoiceField(
        label=_("Qui peut le lire ?"),
        choices=ContentVisibility.choices,
        initial=ContentVisibility.SHARED,
        widget=forms.RadioSelect,
        help_text=help_text,
    )


class StaffFieldsMixin:
    """The visibility and the internal notes are the COPS team's: a référent's form has neither."""

    staff_fields = ("visibility",)

    def drop_staff_fields(self, staff: bool) -> None:
        if not staff:
            for name in self.staff_fields:
                self.fields.pop(name, None)


class MeetingForm(StaffFieldsMixin, forms.Form):
    held_on = date_field(_("Date de la rencontre"), initial=timezone.localdate)
    title = forms.CharField(label=_("Objet"), max_length=200)
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants de la structure présents"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Ces personnes ne participent pas à cet accompagnement.")},
    )
    notes = forms.CharField(
        label=_("Compte rendu partagé"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Lu par les référents de la structure et repris dans le dossier."),
    )
    internal_notes = forms.CharField(
        label=_("Notes internes de l'équipe du COPS"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Jamais montrées à la structure, ni dans ses pages, ni dans son dossier, ni par courriel."
        ),
    )
    visibility = visibility_field(
        _("« Équipe du COPS seulement » : la rencontre entière reste interne (une réunion du binôme…).")
    )
    staff_fields = ("visibility", "internal_notes")

    def __init__(self, *args, accompaniment, staff=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = accompaniment.participants.order_by("last_name", "first_name")
        self.drop_staff_fields(staff)


class FindingForm(StaffFieldsMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Nature du constat"), choices=FindingKind.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(label=_("Constat"), widget=forms.Textarea(attrs={"rows": 3}))
    visibility = visibility_field(
        _("Un constat est partagé avec la structure, sauf s'il est réservé à l'équipe.")
    )

    def __init__(self, *args, staff=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.drop_staff_fields(staff)


class ActionForm(StaffFieldsMixin, forms.Form):
    title = forms.CharField(label=_("Action"), max_length=250)
    description = forms.CharField(
        label=_("Précisions"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.ModelChoiceField(
        label=_("Responsable (participant de la structure)"),
        queryset=None,
        error_messages={
            "invalid_choice": _("Le responsable d'une action doit être un participant de cet accompagnement.")
        },
    )
    due_on = date_field(_("Échéance"))
    visibility = visibility_field(
        _("Une action partagée est envoyée à son responsable, avec un rappel une semaine avant l'échéance.")
    )

    def __init__(self, *args, accompaniment, staff=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = accompaniment.participants.order_by("last_name", "first_name")
        self.drop_staff_fields(staff)


class EventNoteForm(forms.Form):
    title = forms.CharField(label=_("Intitulé"), max_length=300)
    detail = forms.CharField(label=_("Précisions"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    visibility = visibility_field("")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A note in the history is the team's own unless they choose to share it.
        self.fields["visibility"].initial = ContentVisibility.STAFF


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Statut"), choices=ActionStatus.choices)


class IndicatorForm(forms.Form):
    name = forms.CharField(label=_("Indicateur"), max_length=200)
    description = forms.CharField(
        label=_("Mode de calcul"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    unit = forms.CharField(
        label=_("Unité"), max_length=30, required=False, help_text=_("Par exemple : %, personnes.")
    )
    baseline = forms.DecimalField(label=_("Valeur de départ"), max_digits=12, decimal_places=2)
    target = forms.DecimalField(label=_("Cible"), max_digits=12, decimal_places=2)


class MeasurementForm(forms.Form):
    indicator = forms.ModelChoiceField(
        label=_("Indicateur"),
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": _("Cet indicateur appartient à un autre accompagnement.")},
    )
    measured_on = date_field(_("Date de la mesure"), initial=timezone.localdate)
    value = forms.DecimalField(label=_("Valeur mesurée"), max_digits=12, decimal_places=2)
    comment = forms.CharField(label=_("Commentaire"), max_length=250, required=False)

    def __init__(self, *args, accompaniment, lock_indicator=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = accompaniment.indicators.order_by("pk")
        # A measurement corrected stays with its indicator (delete it to record it elsewhere).
        self.fields["indicator"].disabled = lock_indicator


class PhaseCloseForm(forms.Form):
    ended_on = date_field(_("Date de fin de la phase"), initial=timezone.localdate)
    reason = forms.CharField(
        label=_("Commentaire (facultatif)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PhaseReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de la réouverture"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Conservé dans l'historique de l'accompagnement."),
    )


class PhaseDatesForm(forms.Form):
    started_on = date_field(_("Début"), required=False)
    ended_on = date_field(_("Fin"), required=False)


class HotEvaluationForm(forms.Form):
    answer_by = date_field(
        _("Réponses attendues avant le"), required=False, help_text=_("Par défaut : dans trois semaines.")
    )


class ImpactScheduleForm(forms.Form):
    scheduled_for = date_field(_("Date d'envoi de l'évaluation à distance"))


class EvaluationAnswerForm(forms.Form):
    """Built from the evaluation's questions: a 1-5 scale or a free text each."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        for question in questions:
            if question["type"] == SCALE:
                self.fields[question["code"]] = forms.TypedChoiceField(
                    label=question["text"],
                    choices=scale_labels(),
                    coerce=int,
                    widget=forms.RadioSelect,
                    error_messages={"required": _("Choisissez une réponse.")},
                )
            else:
                self.fields[question["code"]] = forms.CharField(
                    label=question["text"],
                    required=False,
                    max_length=4000,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )
            self.fields[question["code"]].section = question["section"]


class BoardFilterForm(forms.Form):
    support_type = forms.ChoiceField(
        label=_("Type d'appui"), choices=[("", _("Tous"))] + SupportType.choices, required=False
    )
    zone = forms.ChoiceField(
        label=_("Territoire"), choices=[("", _("Toute l'Occitanie"))] + Zone.choices, required=False
    )
    departement = forms.ModelChoiceField(
        label=_("Département"), queryset=None, required=False, empty_label=_("Tous")
    )
    lead = UserChoiceField(
        label=_("Binôme"), queryset=None, required=False, empty_label=_("Tous les membres")
    )
    template = forms.ModelChoiceField(
        label=_("Modèle"), queryset=None, required=False, empty_label=_("Tous les modèles")
    )
    alerts = forms.BooleanField(label=_("Seulement les retards"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departement"].queryset = Departement.objects.order_by("code")
        self.fields["lead"].queryset = staff_users()
        self.fields["template"].queryset = PhaseTemplate.objects.order_by("position")
        for name, field in self.fields.items():
            if name != "alerts":
                field.widget.attrs["class"] = "form-select"


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({formats.date_format(obj.held_on, 'j F Y')})"


class AssessmentsForm(forms.Form):
    start_assessment = SessionChoiceField(
        label=_("Séance d'auto-évaluation au départ"),
        queryset=None,
        required=False,
        empty_label=_("— Aucune —"),
    )
    end_assessment = SessionChoiceField(
        label=_("Séance d'auto-évaluation à la fin"),
        queryset=None,
        required=False,
        empty_label=_("— Aucune —"),
    )

    def __init__(self, *args, structure, **kwargs):
        super().__init__(*args, **kwargs)
        sessions = AssessmentSession.objects.filter(structure=structure).order_by("held_on", "pk")
        self.fields["start_assessment"].queryset = sessions
        self.fields["end_assessment"].queryset = sessions
