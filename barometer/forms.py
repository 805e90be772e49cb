"""Validation of the answering pages, the builder and the imports (no writes here)."""

import csv
import io
import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from barometer.enums import CampaignStatus, Public, QuestionRole, QuestionType, TextTag
from barometer.logic import OTHER, Value, visible_ids
from barometer.models import Campaign, Question

REQUIRED_MESSAGE = gettext_lazy("Cette question est obligatoire : merci d'y répondre.")


def field_name(question: Question) -> str:
    return f"q_{question.code}"


def other_name(question: Question) -> str:
    return f"q_{question.code}_autre"


class PageForm(forms.Form):
    """One page of a questionnaire. Required answers are enforced only when moving forward,
    so that a respondent can always go back or stop without losing what they typed."""

    def __init__(
        self,
        *args,
        questions: list[Question],
        all_questions: list[Question],
        other_values: dict[int, Value],
        enforce_required: bool = True,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.all_questions = all_questions
        self.other_values = other_values
        self.enforce_required = enforce_required
        for question in questions:
            self.fields[field_name(question)] = self._field_for(question)
            if question.has_choices and question.allow_other:
                self.fields[other_name(question)] = forms.CharField(
                    label=_("Précisez"), required=False, max_length=500
                )

    @staticmethod
    def _field_for(question: Question) -> forms.Field:
        label = question.label
        choices = [(c.value, c.label) for c in question.choices.all()]
        if question.allow_other:
            choices.append((OTHER, _("Autre, précisez")))
        invalid_choice = {"invalid_choice": _("Ce choix ne fait pas partie des réponses proposées.")}
        if question.type == QuestionType.MULTIPLE:
            return forms.MultipleChoiceField(
                label=label, choices=choices, required=False, error_messages=invalid_choice
            )
        if question.type in {QuestionType.SINGLE, QuestionType.LIKERT, QuestionType.YES_NO}:
            return forms.ChoiceField(
                label=label, choices=choices, required=False, error_messages=invalid_choice
            )
        if question.type == QuestionType.NUMBER:
            return forms.DecimalField(
                label=label,
                required=False,
                localize=True,
                max_digits=12,
                decimal_places=2,
                min_value=question.min_value,
                max_value=question.max_value,
                error_messages={"invalid": _("Saisissez un nombre, par exemple 12 ou 3,5.")},
            )
        if question.type == QuestionType.EMAIL:
            return forms.EmailField(
                label=label,
                required=False,
                max_length=254,
                error_messages={
                    "invalid": _("Saisissez une adresse électronique valide, par exemple nom@exemple.fr.")
                },
            )
        max_length = 300 if question.type == QuestionType.SHORT_TEXT else 5000
        return forms.CharField(label=label, required=False, max_length=max_length, strip=True)

    def _value_from(self, question: Question, cleaned: dict) -> Value:
        raw = cleaned.get(field_name(question))
        if question.type == QuestionType.MULTIPLE:
            chosen = tuple(raw or ())
        elif question.has_choices:
            chosen = (raw,) if raw else ()
        else:
            chosen = ()
        if question.has_choices:
            text = (cleaned.get(other_name(question)) or "").strip() if OTHER in chosen else ""
            return Value(choices=chosen, text=text)
        if question.type == QuestionType.NUMBER:
            return Value(number=raw)
        return Value(text=(raw or "").strip())

    def clean(self):
        cleaned = super().clean()
        values = dict(self.other_values)
        for question in self.questions:
            if field_name(question) not in self.errors:
                values[question.pk] = self._value_from(question, cleaned)
        self.visible = visible_ids(self.all_questions, values)
        self.values: dict[int, Value | None] = {}
        for question in self.questions:
            name = field_name(question)
            if name in self.errors:
                continue
            value = values[question.pk]
            if question.pk not in self.visible or value.is_empty:
                # Hidden answers are dropped: they would contradict the answer that hides them.
                self.values[question.pk] = None
                if question.required and question.pk in self.visible and self.enforce_required:
                    self.add_error(name, REQUIRED_MESSAGE)
                continue
            if OTHER in value.choices and not value.text:
                self.add_error(other_name(question), _("Précisez votre réponse « Autre »."))
                continue
            self.values[question.pk] = value
        return cleaned

    def initial_from(self, values: dict[int, Value]) -> dict:
        initial = {}
        for question in self.questions:
            value = values.get(question.pk)
            if value is None:
                continue
            if question.type == QuestionType.MULTIPLE:
                initial[field_name(question)] = list(value.choices)
            elif question.has_choices:
                initial[field_name(question)] = value.choices[0] if value.choices else ""
            elif question.type == QuestionType.NUMBER:
                # Shown as typed in French: 3 and 3,5, never 3.00.
                number = value.number
                initial[field_name(question)] = (
                    format(number.normalize(), "f").replace(".", ",") if number is not None else ""
                )
            else:
                initial[field_name(question)] = value.text
            if OTHER in value.choices:
                initial[other_name(question)] = value.text
        return initial


class ConsentForm(forms.Form):
    client_key = forms.UUIDField(widget=forms.HiddenInput)
    consent = forms.BooleanField(
        label=gettext_lazy(
            "J'ai lu ces informations et j'accepte que mes réponses soient utilisées pour le baromètre."
        ),
        error_messages={"required": gettext_lazy("Cochez cette case pour commencer le questionnaire.")},
    )


# --- Staff: campaigns and builder -------------------------------------------------------------


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["year", "title", "intro", "opens_on", "closes_on", "anonymous"]
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "intro": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("opens_on")
            and cleaned.get("closes_on")
            and cleaned["closes_on"] < cleaned["opens_on"]
        ):
            self.add_error("closes_on", _("La clôture doit suivre l'ouverture."))
        return cleaned


class CampaignCopyForm(CampaignForm):
    source = forms.ModelChoiceField(
        label=gettext_lazy("Copier l'édition"),
        queryset=Campaign.objects.all(),
        required=False,
        empty_label=gettext_lazy("Aucune : partir de questionnaires vides"),
    )

    class Meta(CampaignForm.Meta):
        fields = ["source", *CampaignForm.Meta.fields]


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=CampaignStatus.choices)


class RoundsForm(forms.Form):
    round_0 = forms.DateTimeField(label=gettext_lazy("Invitation"), required=False)
    round_1 = forms.DateTimeField(label=gettext_lazy("Relance 1"), required=False)
    round_2 = forms.DateTimeField(label=gettext_lazy("Relance 2"), required=False)
    round_3 = forms.DateTimeField(label=gettext_lazy("Relance 3"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
            field.input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

    def clean(self):
        cleaned = super().clean()
        moments = [cleaned.get(f"round_{n}") for n in range(4)]
        while moments and moments[-1] is None:
            moments.pop()
        if moments and moments[0] is None:
            raise ValidationError(_("Choisissez d'abord la date de l'invitation."))
        if None in moments:
            raise ValidationError(
                _("Les relances se suivent : ne laissez pas de relance vide entre deux dates.")
            )
        if moments != sorted(moments):
            raise ValidationError(_("Chaque relance doit être postérieure à l'envoi précédent."))
        cleaned["moments"] = moments
        return cleaned


class QuestionnaireForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Titre"), max_length=250)
    intro = forms.CharField(
        label=gettext_lazy("Introduction"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class SectionForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Titre de la page"), max_length=250)
    intro = forms.CharField(
        label=gettext_lazy("Introduction"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


CHOICE_LINE = re.compile(r"^\s*(?:(?P<value>[a-z0-9_-]{1,64})\s*\|\s*)?(?P<label>.+?)\s*$")


def slugify_choice(label: str, taken: set[str]) -> str:
    from django.utils.text import slugify

    base = slugify(label).replace("-", "_")[:60] or "choix"
    value, n = base, 2
    while value in taken:
        value, n = f"{base}_{n}", n + 1
    return value


class QuestionForm(forms.Form):
    section = forms.ModelChoiceField(label=gettext_lazy("Page"), queryset=None, empty_label=None)
    code = forms.SlugField(
        label=gettext_lazy("Code"),
        max_length=64,
        help_text=gettext_lazy(
            "Identifiant stable d'une édition à l'autre : gardez-le pour comparer les années."
        ),
    )
    type = forms.ChoiceField(label=gettext_lazy("Type de question"), choices=QuestionType.choices)
    label = forms.CharField(label=gettext_lazy("Intitulé"), widget=forms.Textarea(attrs={"rows": 2}))
    help_text = forms.CharField(
        label=gettext_lazy("Aide"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    required = forms.BooleanField(label=gettext_lazy("Réponse obligatoire"), required=False)
    allow_other = forms.BooleanField(label=gettext_lazy("Proposer « Autre, précisez »"), required=False)
    choices = forms.CharField(
        label=gettext_lazy("Choix proposés"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "Un choix par ligne. Pour garder la valeur d'un choix existant, écrivez « valeur | libellé ». "
            "Pour une échelle, du plus faible au plus fort."
        ),
    )
    min_value = forms.DecimalField(label=gettext_lazy("Minimum"), required=False, localize=True)
    max_value = forms.DecimalField(label=gettext_lazy("Maximum"), required=False, localize=True)
    role = forms.ChoiceField(label=gettext_lazy("Rôle"), choices=QuestionRole.choices, required=False)
    show_if_question = forms.ModelChoiceField(
        label=gettext_lazy("Afficher seulement si la question"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("Toujours afficher"),
    )
    show_if_values = forms.CharField(
        label=gettext_lazy("… a l'une de ces réponses (valeurs séparées par des virgules)"), required=False
    )

    def __init__(self, *args, questionnaire, question=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        self.fields["section"].queryset = questionnaire.sections.all()
        controllers = questionnaire.questions.filter(type__in=QuestionType.with_choices()).select_related(
            "section"
        )
        if question is not None:
            controllers = controllers.exclude(pk=question.pk)
        self.fields["show_if_question"].queryset = controllers
        self.fields["show_if_question"].label_from_instance = lambda q: f"{q.code} — {q.label[:70]}"

    def clean_choices(self):
        lines = [line for line in self.cleaned_data["choices"].splitlines() if line.strip()]
        parsed, taken = [], set()
        for number, line in enumerate(lines, start=1):
            match = CHOICE_LINE.match(line)
            if not match:
                raise ValidationError(
                    _("Ligne %(n)s : écrivez un libellé, ou « valeur | libellé ».") % {"n": number}
                )
            value = match["value"] or slugify_choice(match["label"], taken)
            if value in taken or value == OTHER:
                raise ValidationError(
                    _("Ligne %(n)s : la valeur « %(v)s » est déjà utilisée.") % {"n": number, "v": value}
                )
            taken.add(value)
            parsed.append((value, match["label"]))
        return parsed

    def clean_show_if_values(self):
        return [v.strip() for v in self.cleaned_data["show_if_values"].split(",") if v.strip()]

    def clean(self):
        cleaned = super().clean()
        qtype = cleaned.get("type")
        if (
            qtype in {QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.LIKERT}
            and len(cleaned.get("choices") or []) < 2
        ):
            self.add_error("choices", _("Indiquez au moins deux choix, un par ligne."))
        controller = cleaned.get("show_if_question")
        values = cleaned.get("show_if_values") or []
        if controller is not None:
            if not values:
                self.add_error(
                    "show_if_values", _("Indiquez la ou les réponses qui affichent cette question.")
                )
            else:
                known = set(controller.choices.values_list("value", flat=True))
                unknown = [v for v in values if v not in known]
                if unknown:
                    self.add_error(
                        "show_if_values",
                        _("Valeurs inconnues pour cette question : %(v)s (valeurs possibles : %(k)s).")
                        % {"v": ", ".join(unknown), "k": ", ".join(sorted(known))},
                    )
        if (
            cleaned.get("min_value") is not None
            and cleaned.get("max_value") is not None
            and cleaned["min_value"] > cleaned["max_value"]
        ):
            self.add_error("max_value", _("Le maximum doit être supérieur au minimum."))
        return cleaned


# --- Staff: contact import ------------------------------------------------------------------------

PUBLIC_ALIASES = {
    **{p.value: p.value for p in Public},
    **{str(p.label).lower(): p.value for p in Public},
    "patient": Public.PATIENTS,
    "patients": Public.PATIENTS,
    "usagers": Public.PATIENTS,
    "association": Public.ASSOCIATIONS,
    "formation": Public.TRAINING,
    "direction": Public.DIRECTIONS,
    "directions": Public.DIRECTIONS,
    "equipe": Public.CARE_TEAMS,
    "équipe": Public.CARE_TEAMS,
    "equipes": Public.CARE_TEAMS,
    "équipes": Public.CARE_TEAMS,
    "equipes de soins": Public.CARE_TEAMS,
    "équipes de soins": Public.CARE_TEAMS,
}


@dataclass
class ContactRow:
    line: int
    email: str
    name: str
    public: str


@dataclass
class RowError:
    line: int
    message: str


def _normalise_header(value) -> str:
    return str(value or "").strip().lower().replace("é", "e").replace("è", "e")


def parse_contacts(filename: str, content: bytes) -> tuple[list[ContactRow], list[RowError]]:
    """Read a CSV or XLSX file with the columns email, nom, public (in any order).

    Returns the valid rows and one error per invalid line (line numbers as in a spreadsheet).
    """
    if filename.lower().endswith(".xlsx"):
        table = _read_xlsx(content)
    elif filename.lower().endswith(".csv"):
        table = _read_csv(content)
    else:
        raise ValidationError(_("Déposez un fichier .csv ou .xlsx."))
    if not table:
        raise ValidationError(_("Le fichier est vide."))
    header = [_normalise_header(cell) for cell in table[0]]
    columns = {}
    for wanted, aliases in {
        "email": {"email", "e-mail", "courriel", "adresse electronique", "adresse"},
        "name": {"nom", "name", "nom complet", "prenom nom"},
        "public": {"public", "questionnaire"},
    }.items():
        found = next((i for i, h in enumerate(header) if h in aliases), None)
        if found is not None:
            columns[wanted] = found
    missing = [label for key, label in (("email", "email"), ("public", "public")) if key not in columns]
    if missing:
        raise ValidationError(
            _("La première ligne doit nommer les colonnes email, nom et public ; il manque : %(m)s.")
            % {"m": ", ".join(missing)}
        )
    rows, errors = [], []
    for line, cells in enumerate(table[1:], start=2):
        email = _cell(cells, columns, "email").lower()
        name = _cell(cells, columns, "name")
        public_raw = _cell(cells, columns, "public")
        if not any((email, name, public_raw)):
            continue
        try:
            validate_email(email)
        except ValidationError:
            errors.append(
                RowError(line, _("adresse électronique invalide : « %(v)s »") % {"v": email or _("vide")})
            )
            continue
        public = PUBLIC_ALIASES.get(public_raw.lower())
        if public is None:
            errors.append(
                RowError(
                    line,
                    _("public inconnu : « %(v)s » (attendu : %(k)s)")
                    % {"v": public_raw or _("vide"), "k": ", ".join(p.value for p in Public)},
                )
            )
            continue
        rows.append(ContactRow(line=line, email=email, name=name[:200], public=public))
    return rows, errors


def _cell(cells: list, columns: dict, key: str) -> str:
    index = columns.get(key)
    if index is None or index >= len(cells) or cells[index] is None:
        return ""
    return str(cells[index]).strip()


def _read_csv(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _read_xlsx(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise ValidationError(_("Ce fichier Excel ne peut pas être lu.")) from exc
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier des contacts (CSV ou XLSX)"),
        help_text=gettext_lazy(
            "Colonnes : email, nom, public (patients, associations, formation, directions, equipes)."
        ),
    )


class TagForm(forms.Form):
    tags = forms.MultipleChoiceField(
        choices=TextTag.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    featured = forms.BooleanField(required=False)
