"""Input validation only: the services decide what the input does."""

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from actors.models import Structure
from selfassess.enums import SCALE_MAX, SCALE_MIN, Side
from selfassess.models import Criterion, Framework

SCORE_ERROR = _("La note doit être un nombre entier de 0 à 4.")


class SessionForm(forms.Form):
    title = forms.CharField(
        label=_("Titre de la séance"),
        max_length=200,
        help_text=_("Par exemple : « Groupe qualité – point d'étape de mars »."),
    )
    framework = forms.ModelChoiceField(
        label=_("Référentiel"),
        queryset=Framework.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
    )
    held_on = forms.DateField(
        label=_("Date de la séance"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    context = forms.CharField(
        label=_("Contexte"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Le projet, le groupe de travail, ce que la séance doit éclairer. Visible des participants."
        ),
    )
    group_label = forms.CharField(
        label=_("Nom du groupe de travail"),
        max_length=150,
        required=False,
        help_text=_(
            "Reprenez le même nom à chaque séance du groupe pour suivre son évolution dans le temps."
        ),
    )
    structure = forms.ModelChoiceField(
        label=_("Structure concernée"),
        queryset=Structure.objects.none(),
        required=False,
        empty_label=_("Aucune"),
        help_text=_("Facultatif : une structure publiée dans l'annuaire."),
    )

    def __init__(
        self,
        *args,
        frameworks: list[Framework],
        structures: QuerySet[Structure],
        structure_required: bool = False,
        **kwargs,
    ):
        """`structures`: those the user may attach a session to (selfassess.permissions); a
        référent must choose theirs, since only a structure's référents may invite for it."""
        super().__init__(*args, **kwargs)
        self.fields["framework"].queryset = Framework.objects.filter(
            pk__in=[f.pk for f in frameworks]
        ).order_by("name")
        self.fields["framework"].label_from_instance = lambda framework: framework.name
        self.fields["structure"].queryset = structures
        if structure_required:
            self.fields["structure"].required = True
            self.fields["structure"].empty_label = None
            self.fields["structure"].help_text = _("Une structure dont vous êtes référent(e).")


class InviteForm(forms.Form):
    name = forms.CharField(label=_("Prénom et nom"), max_length=150)
    email = forms.EmailField(
        label=_("Adresse électronique"), help_text=_("Le lien personnel est envoyé à cette adresse.")
    )
    side = forms.ChoiceField(label=_("Côté"), choices=Side.choices, widget=forms.RadioSelect)


class ScoreField(forms.TypedChoiceField):
    def __init__(self, *, labels: list[str], required: bool, **kwargs):
        choices = [
            (value, label) for value, label in zip(range(SCALE_MIN, SCALE_MAX + 1), labels, strict=True)
        ]
        super().__init__(
            choices=choices,
            coerce=int,
            required=required,
            widget=forms.RadioSelect,
            error_messages={"invalid_choice": SCORE_ERROR, "required": _("Choisissez une note de 0 à 4.")},
            **kwargs,
        )


class RatingForm(forms.Form):
    """One criterion of the individual step; the page holds one such form per criterion."""

    score = forms.Field(required=False)  # replaced in __init__ with the framework's wording
    comment = forms.CharField(
        label=_("Mon commentaire (facultatif, visible de moi seul)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, criterion: Criterion, labels: list[str], **kwargs):
        kwargs.setdefault("prefix", f"c{criterion.pk}")
        super().__init__(*args, **kwargs)
        self.criterion = criterion
        self.fields["score"] = ScoreField(labels=labels, required=False, label=criterion.text)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("score") in (None, "") and cleaned.get("comment"):
            self.add_error("score", _("Choisissez une note pour enregistrer votre commentaire."))
        return cleaned

    @property
    def has_score(self) -> bool:
        return self.is_valid() and self.cleaned_data.get("score") not in (None, "")


class JointRatingForm(forms.Form):
    score = forms.Field()
    note = forms.CharField(
        label=_("Note de l'échange"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ce que le groupe retient : points d'accord, écarts, pistes d'action."),
    )

    def __init__(self, *args, criterion: Criterion, labels: list[str], **kwargs):
        kwargs.setdefault("prefix", f"j{criterion.pk}")
        super().__init__(*args, **kwargs)
        self.criterion = criterion
        self.fields["score"] = ScoreField(labels=labels, required=True, label=_("Note commune"))


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label=_("Synthèse des échanges"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
