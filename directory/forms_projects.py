"""Forms of project sheets: the sheet itself, persons invited, documents. Forms only validate;
directory.services.projects writes."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from actors.enums import ModerationStatus
from actors.models import Activity, Commune, Departement, Domain, Structure
from directory.forms import CommuneField, ImageUploadField, _checkboxes
from directory.forms_resources import ACCEPTED_LABEL, detect_file_format
from directory.models import ProjectDocumentKind, ProjectState
from directory.selectors.projects import lessons_choices
from directory.services.projects import NOT_A_MEMBER, structures_for_projects

COMMUNE_FIELDS = ("commune_1", "commune_2", "commune_3")


class ProjectForm(forms.Form):
    """One page in sections (fieldsets); `sections` lists them for the template."""

    title = forms.CharField(label=_("Titre du projet"), max_length=200)
    summary = forms.CharField(
        label=_("Résumé"),
        max_length=600,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("En deux ou trois phrases : ce que fait le projet et avec qui (600 caractères au plus)."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=6000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Le contexte, les étapes, la place des patients partenaires…"),
    )
    main_structure = forms.ModelChoiceField(
        queryset=Structure.objects.none(),
        label=_("Structure qui porte le projet"),
        empty_label=_("Choisissez une de vos structures"),
        help_text=_("Seules les structures dont vous êtes membre sont proposées."),
        # A structure outside the list is refused with the rule's own words.
        error_messages={"invalid_choice": NOT_A_MEMBER},
    )
    structures = forms.ModelMultipleChoiceField(
        queryset=Structure.objects.none(),
        label=_("Autres structures impliquées"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Facultatif. Maintenez Ctrl (ou Cmd) pour en choisir plusieurs."),
    )
    state = forms.ChoiceField(
        label=_("Où en est le projet ?"), choices=ProjectState.choices, widget=forms.RadioSelect
    )
    started_on = forms.DateField(
        label=_("Date de début"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ended_on = forms.DateField(
        label=_("Date de fin"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Facultatif, si le projet est terminé ou a une fin prévue."),
    )
    domains = _checkboxes(
        Domain.objects.filter(is_active=True), _("Domaines"), required=True, help_text=_("Au moins un.")
    )
    practices = _checkboxes(
        Activity.objects.filter(is_active=True),
        _("Pratiques de partenariat"),
        help_text=_("Ce que patients et professionnels font ensemble dans ce projet."),
    )
    territories = _checkboxes(
        Departement.objects.all(),
        _("Départements concernés"),
        help_text=_("Cochez un ou plusieurs départements."),
    )
    region_wide = forms.BooleanField(label=_("Toute la région Occitanie"), required=False)
    commune_1 = CommuneField(label=_("Commune principale"), required=False)
    commune_2 = CommuneField(label=_("Autre commune (facultatif)"), required=False, help_text="")
    commune_3 = CommuneField(label=_("Autre commune (facultatif)"), required=False, help_text="")
    outcomes = forms.CharField(
        label=_("Résultats"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ce que le projet a changé, pour les patients comme pour les équipes."),
    )
    brakes = forms.MultipleChoiceField(
        label=_("Freins rencontrés"), required=False, widget=forms.CheckboxSelectMultiple
    )
    levers = forms.MultipleChoiceField(
        label=_("Leviers qui ont aidé"), required=False, widget=forms.CheckboxSelectMultiple
    )
    lessons = forms.CharField(
        label=_("Ce que nous avons appris"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("En quelques phrases, ce que vous diriez à une équipe qui veut se lancer."),
    )
    video_url = forms.URLField(
        label=_("Lien vers une vidéo"), required=False, max_length=500, assume_scheme="https"
    )
    website = forms.URLField(
        label=_("Site web du projet"), required=False, max_length=500, assume_scheme="https"
    )
    image = ImageUploadField(kind="photo", label=_("Image (facultative)"))
    remove_image = forms.BooleanField(label=_("Retirer l'image actuelle"), required=False)
    consent = forms.BooleanField(
        label=_(
            "J'ai l'accord des structures et des personnes concernées et j'accepte que ce projet soit publié "
            "sur la cartographie du COPS Occitanie après validation par l'équipe du COPS."
        ),
        required=False,
    )

    sections = (
        (_("Le projet"), ("title", "summary", "description", "image", "remove_image")),
        (_("Qui le porte"), ("main_structure", "structures")),
        (_("Quand"), ("state", "started_on", "ended_on")),
        (_("Thèmes"), ("domains", "practices")),
        (_("Où"), ("territories", "region_wide", *COMMUNE_FIELDS)),
        (_("Résultats et liens"), ("outcomes", "video_url", "website")),
        (_("Ce que nous avons appris"), ("brakes", "levers", "lessons")),
    )

    def __init__(self, *args, user, current_structure=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        allowed = [s.pk for s in structures_for_projects(user)]
        if current_structure:
            allowed.append(
                current_structure
            )  # an edit may keep the structure it has (the service checks a change)
        self.fields["main_structure"].queryset = Structure.objects.filter(pk__in=allowed).order_by("name")
        self.fields["structures"].queryset = Structure.objects.filter(
            status=ModerationStatus.PUBLISHED
        ).order_by("name")
        choices = lessons_choices()
        self.fields["brakes"].choices = choices["freins"]
        self.fields["levers"].choices = choices["leviers"]

    def clean(self):
        cleaned = super().clean()
        started, ended = cleaned.get("started_on"), cleaned.get("ended_on")
        if started and ended and ended < started:
            self.add_error("ended_on", _("La fin du projet ne peut pas précéder son début."))
        communes = []
        for name in COMMUNE_FIELDS:
            commune, outside = cleaned.get(name) or (None, "")
            if outside:
                self.add_error(name, _("Choisissez une commune d'Occitanie."))
            elif commune is not None and commune not in communes:
                communes.append(commune)
        cleaned["communes"] = communes
        if not cleaned.get("territories") and not cleaned.get("region_wide") and not communes:
            self.add_error(
                "territories", _("Indiquez au moins un département, une commune ou « Toute la région ».")
            )
        return cleaned

    def changes(self) -> dict:
        data = self.cleaned_data
        changes = {
            name: data[name]
            for name in (
                "title",
                "summary",
                "description",
                "main_structure",
                "structures",
                "state",
                "started_on",
                "ended_on",
                "domains",
                "practices",
                "region_wide",
                "outcomes",
                "brakes",
                "levers",
                "lessons",
                "video_url",
                "website",
            )
        }
        changes["territories"] = [item.pk for item in data["territories"]]
        changes["communes"] = data["communes"]
        changes["structures"] = [s for s in data["structures"] if s != data["main_structure"]]
        if data.get("image"):
            changes["image"] = data["image"]
        elif data.get("remove_image"):
            changes["image"] = False
        return changes

    @classmethod
    def initial_from(cls, data: dict) -> dict:
        """The form's initial values from a project snapshot (the revision, or the row)."""
        initial = {
            name: data.get(name)
            for name in (
                "title",
                "summary",
                "description",
                "main_structure",
                "structures",
                "state",
                "started_on",
                "ended_on",
                "domains",
                "practices",
                "territories",
                "region_wide",
                "outcomes",
                "brakes",
                "levers",
                "lessons",
                "video_url",
                "website",
            )
        }
        communes = Commune.objects.filter(pk__in=data.get("communes") or []).order_by("name")
        for name, commune in zip(COMMUNE_FIELDS, communes, strict=False):
            initial[name] = str(commune)
        return initial


class InvitePersonForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.CharField(
        label=_("Son rôle dans le projet"),
        max_length=120,
        required=False,
        help_text=_("Par exemple : patiente partenaire co-animatrice."),
    )


class ProjectDocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de document"), choices=ProjectDocumentKind.choices)
    title = forms.CharField(label=_("Titre du document"), max_length=200)
    file = forms.FileField(
        label=_("Fichier"),
        help_text=format_lazy("{} — {}", ACCEPTED_LABEL, _("20 Mo au plus.")),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.file_format = detect_file_format(upload)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        upload.seek(0)
        return upload


class ParticipationForm(forms.Form):
    answer = forms.ChoiceField(
        choices=[("accept", _("J'accepte")), ("decline", _("Je refuse"))], widget=forms.HiddenInput
    )
