"""Forms of the events: the agenda's filters, the registration form (built from the event's own
questions and programme), and the staff's event form with its programme."""

from __future__ import annotations

from itertools import groupby

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actors.charter_enums import ContributorRole, EventAudience, EventDocumentMoment, EventKind
from actors.models import Departement, Meeting
from actors.models.events import EventSession

PUBLIC_KINDS = [(value, label) for value, label in EventKind.choices if value != EventKind.COMMITTEE]
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


# --- Public ------------------------------------------------------------------------------------------


class AgendaFilterForm(forms.Form):
    """The agenda's filters: a GET form, so that a filtered agenda (and its feed) is a shareable URL."""

    type = forms.ChoiceField(
        label=gettext_lazy("Type"),
        required=False,
        choices=[("", gettext_lazy("Tous les types")), *PUBLIC_KINDS],
    )
    public = forms.ChoiceField(
        label=gettext_lazy("Public"),
        required=False,
        choices=[("", gettext_lazy("Tous les publics")), *EventAudience.choices],
    )
    territoire = forms.ModelChoiceField(
        label=gettext_lazy("Territoire"),
        required=False,
        queryset=Departement.objects.order_by("code"),
        empty_label=gettext_lazy("Toute la région"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"

    def filters(self) -> dict:
        """The valid filters (an invalid value is ignored rather than emptying the agenda)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "kind": data.get("type") or "",
            "audience": data.get("public") or "",
            "territory": data.get("territoire"),
        }


def session_slots(sessions) -> list[tuple[tuple, list[EventSession]]]:
    """Sessions grouped by time slot (same start and end): parallel tracks share a slot."""
    ordered = sorted(sessions, key=lambda s: (s.starts_at, s.ends_at, s.track, s.pk))
    return [(key, list(group)) for key, group in groupby(ordered, key=lambda s: (s.starts_at, s.ends_at))]


class RegistrationForm(forms.Form):
    """Name, email, the staff's questions, accessibility needs, the sessions of one's day, consent."""

    name = forms.CharField(label=gettext_lazy("Prénom et nom"), max_length=250)
    email = forms.EmailField(label=gettext_lazy("Adresse électronique"), max_length=254)

    def __init__(self, *args, event: Meeting, sessions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.sessions = list(sessions)
        self.question_fields: list[str] = []
        for question in event.registration_questions or []:
            name = f"question_{question['code']}"
            label = question.get("label") or question["code"]
            required = bool(question.get("required"))
            if question.get("kind") == "choix" and question.get("choices"):
                field = forms.ChoiceField(
                    label=label,
                    required=required,
                    choices=[("", _("Choisissez…")), *((c, c) for c in question["choices"])],
                )
            else:
                field = forms.CharField(label=label, required=required, max_length=1000)
            self.fields[name] = field
            self.question_fields.append(name)
        if event.ask_accessibility_needs:
            days = getattr(settings, "RETENTION_EVENT_NEEDS_DAYS", 30)
            self.fields["accessibility_needs"] = forms.CharField(
                label=_("Besoins d'accessibilité (facultatif)"),
                required=False,
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_(
                    "Par exemple : accès en fauteuil, interprète en langue des signes, boucle magnétique. "
                    "Seule l'équipe du COPS lit cette réponse ; elle est effacée %(days)s jours après l'événement."
                )
                % {"days": days},
            )
        if self.sessions:
            self.fields["session_ids"] = forms.TypedMultipleChoiceField(
                label=_("Les séances que vous choisissez"),
                required=False,
                coerce=int,
                choices=[(s.pk, s.title) for s in self.sessions],
                widget=forms.CheckboxSelectMultiple,
            )
        self.fields["consent"] = forms.BooleanField(
            label=_(
                "J'accepte que le COPS Occitanie garde ces informations pour organiser l'événement et "
                "m'écrire à son sujet."
            ),
            error_messages={"required": _("Cochez la case d'accord pour vous inscrire.")},
        )

    def slots(self) -> list[dict]:
        """The session checkboxes grouped by time slot, for the template."""
        chosen = {str(value) for value in (self["session_ids"].value() or [])} if self.sessions else set()
        return [
            {
                "starts_at": timezone.localtime(start),
                "ends_at": timezone.localtime(end),
                "sessions": [(session, str(session.pk) in chosen) for session in group],
            }
            for (start, end), group in session_slots(self.sessions)
        ]

    def question_bound_fields(self) -> list:
        return [self[name] for name in self.question_fields]

    def answers(self) -> dict:
        return {
            name.removeprefix("question_"): self.cleaned_data.get(name, "")
            for name in self.question_fields
            if self.cleaned_data.get(name, "") != ""
        }


class CancelRegistrationForm(forms.Form):
    confirm = forms.BooleanField(widget=forms.HiddenInput, initial=True)


# --- Staff ---------------------------------------------------------------------------------------


def parse_questions(text: str) -> list[dict]:
    """One question per line: « Libellé », « Libellé : choix 1 | choix 2 » for a list of choices,
    and a final « * » for a required question. Raises a French ValidationError naming the line."""
    questions: list[dict] = []
    codes: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        required = line.endswith("*")
        line = line.rstrip("*").strip()
        label, _sep, rest = line.partition(" : ") if " : " in line else line.partition(":")
        label = label.strip()
        choices = [c.strip() for c in rest.split("|") if c.strip()] if rest else []
        if not label:
            raise ValidationError(
                _("Ligne %(number)s : écrivez la question avant les choix.") % {"number": number}
            )
        if rest and len(choices) < 2:
            raise ValidationError(
                _("Ligne %(number)s : donnez au moins deux choix séparés par « | ».") % {"number": number}
            )
        code = slugify(label)[:40] or f"question-{number}"
        base, suffix = code, 2
        while code in codes:
            code, suffix = f"{base}-{suffix}", suffix + 1
        codes.add(code)
        questions.append(
            {
                "code": code,
                "label": label[:200],
                "kind": "choix" if choices else "texte",
                "choices": choices,
                "required": required,
            }
        )
    return questions


def questions_text(questions: list[dict]) -> str:
    lines = []
    for question in questions or []:
        line = question.get("label", "")
        if question.get("kind") == "choix":
            line += " : " + " | ".join(question.get("choices", []))
        if question.get("required"):
            line += " *"
        lines.append(line)
    return "\n".join(lines)


# Addresses of the agenda's own pages, which an event's slug must not take.
RESERVED_SLUGS = {"mois", "passes", "gestion", "inscription", "arrivee"}


def unique_slug(title: str, *, suffix: str = "", exclude_pk: int | None = None) -> str:
    """A free slug made from the title; when taken, with `suffix` (e.g. the year of a duplicate),
    then numbered."""
    taken = Meeting.objects.exclude(pk=exclude_pk) if exclude_pk else Meeting.objects.all()
    candidates = []
    for text in (title, f"{title} {suffix}" if suffix else ""):
        slug = slugify(text)[:190]
        if slug in RESERVED_SLUGS:
            slug = f"{slug}-evenement"
        if slug and slug not in candidates:
            candidates.append(slug)
    candidates = candidates or ["evenement"]
    for slug in candidates:
        if not taken.filter(slug=slug).exists():
            return slug
    base, number = candidates[-1], 2
    while taken.filter(slug=f"{base}-{number}").exists():
        number += 1
    return f"{base}-{number}"


class EventForm(forms.ModelForm):
    """An event of the community (a committee meeting keeps the committees' own form)."""

    kind = forms.ChoiceField(label=gettext_lazy("Type d'événement"), choices=PUBLIC_KINDS)
    slug = forms.SlugField(
        label=gettext_lazy("Adresse de la page"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Laissez vide : elle est faite à partir de l'intitulé."),
    )
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Début"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Fin"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS
    )
    registration_closes_at = forms.DateTimeField(
        label=gettext_lazy("Clôture des inscriptions"),
        required=False,
        widget=DATETIME_INPUT,
        input_formats=DATETIME_FORMATS,
        help_text=gettext_lazy("Laissez vide pour clore au début de l'événement."),
    )
    territories = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Territoires"),
        required=False,
        queryset=Departement.objects.order_by("code"),
        widget=forms.CheckboxSelectMultiple,
    )
    visio_url = forms.URLField(
        label=gettext_lazy("Lien de visioconférence"), required=False, max_length=500, assume_scheme="https"
    )
    commune_name = forms.CharField(label=gettext_lazy("Commune"), required=False, max_length=150)
    questions = forms.CharField(
        label=gettext_lazy("Questions du formulaire d'inscription"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Une question par ligne. Pour une liste de choix : « Votre profil : Patient | Professionnel "
            "| Autre ». Ajoutez « * » à la fin d'une question obligatoire."
        ),
    )

    class Meta:
        model = Meeting
        fields = [
            "kind",
            "title",
            "slug",
            "summary",
            "description",
            "audience",
            "starts_at",
            "ends_at",
            "location",
            "visio_url",
            "territories",
            "accessibility",
            "registration_open",
            "capacity",
            "waiting_list",
            "registration_closes_at",
            "ask_accessibility_needs",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 6}),
            "accessibility": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from directory.forms import CommuneField

        self.fields["commune_name"] = CommuneField(label=_("Commune"), required=False)
        self.fields["location"].help_text = _("L'adresse du lieu. Laissez vide pour un événement en ligne.")
        self.fields["visio_url"].help_text = _(
            "Envoyé seulement aux personnes inscrites, jamais affiché sur la page publique."
        )
        if self.instance.pk:
            if self.instance.commune_id:
                self.initial.setdefault("commune_name", str(self.instance.commune))
            self.initial.setdefault("questions", questions_text(self.instance.registration_questions))

    def clean_questions(self):
        return parse_questions(self.cleaned_data.get("questions") or "")

    def clean_slug(self):
        typed = self.cleaned_data.get("slug") or ""
        if typed:
            if typed in RESERVED_SLUGS:
                raise ValidationError(_("Cette adresse est réservée : choisissez-en une autre."))
            if Meeting.objects.filter(slug=typed).exclude(pk=self.instance.pk).exists():
                raise ValidationError(_("Cette adresse est déjà celle d'un autre événement."))
            return typed
        return unique_slug(self.data.get("title", ""), exclude_pk=self.instance.pk)

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("La fin de l'événement doit venir après son début."))
        closes = cleaned.get("registration_closes_at")
        if closes and ends and closes > ends:
            self.add_error(
                "registration_closes_at", _("La clôture des inscriptions doit venir avant la fin.")
            )
        if not cleaned.get("location") and not cleaned.get("visio_url"):
            self.add_error("location", _("Indiquez un lieu ou un lien de visioconférence."))
        commune, outside = cleaned.get("commune_name") or (None, "")
        if outside:
            self.add_error("commune_name", _("Choisissez une commune d'Occitanie."))
        cleaned["commune"] = commune
        return cleaned


class SessionForm(forms.ModelForm):
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Début"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Fin"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS
    )

    class Meta:
        model = EventSession
        fields = ["title", "starts_at", "ends_at", "room", "track", "capacity", "speakers", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("La fin de la séance doit venir après son début."))
        return cleaned


class BaseSessionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        event_form = getattr(self, "event_form", None)
        if event_form is None or not hasattr(event_form, "cleaned_data"):
            return
        starts, ends = event_form.cleaned_data.get("starts_at"), event_form.cleaned_data.get("ends_at")
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE") or not form.has_changed():
                continue
            s_start, s_end = form.cleaned_data.get("starts_at"), form.cleaned_data.get("ends_at")
            if starts and ends and s_start and s_end and (s_start < starts or s_end > ends):
                form.add_error("starts_at", _("La séance doit se tenir pendant l'événement."))


SessionFormSet = forms.inlineformset_factory(
    Meeting,
    EventSession,
    form=SessionForm,
    formset=BaseSessionFormSet,
    fk_name="event",
    extra=2,
    can_delete=True,
)


class DuplicateForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Début"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS
    )
    title = forms.CharField(label=gettext_lazy("Intitulé"), max_length=200)


class DocumentForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Titre"), max_length=200)
    moment = forms.ChoiceField(label=gettext_lazy("Moment"), choices=EventDocumentMoment.choices)
    is_public = forms.BooleanField(
        label=gettext_lazy("Visible par tous"),
        required=False,
        initial=True,
        help_text=gettext_lazy("Sinon, seules les personnes inscrites et l'équipe le voient."),
    )
    file = forms.FileField(label=gettext_lazy("Fichier"))

    def clean_file(self):
        from cops.uploads import detect_file_format

        upload = self.cleaned_data["file"]
        self.file_format = detect_file_format(upload)
        return upload


class ContributorForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Rôle"), choices=ContributorRole.choices)
    structure = forms.IntegerField(required=False, widget=forms.HiddenInput)
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    detail = forms.CharField(label=gettext_lazy("Précision (facultatif)"), required=False, max_length=200)

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("structure")) == bool(cleaned.get("person")):
            raise ValidationError(_("Choisissez une structure ou une personne dans les résultats."))
        return cleaned


class ContributorSearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Chercher une structure ou une personne"), required=False, max_length=100
    )
