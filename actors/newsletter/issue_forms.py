"""Forms of the staff's issue pages: they validate input only; the services (issues.py) check the
rules again (a draft only, at least one topic, items still published)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from actors.models import NewsletterIssue
from actors.newsletter.forms import TopicsField


class IssueForm(forms.ModelForm):
    topics = TopicsField(
        label=_("Thèmes"),
        help_text=_("La lettre va aux abonnés confirmés qui suivent au moins un de ces thèmes."),
    )

    class Meta:
        model = NewsletterIssue
        fields = ["title", "editorial", "topics"]
        labels = {"title": _("Titre du numéro"), "editorial": _("Éditorial")}
        help_texts = {
            "editorial": _(
                "Quelques lignes d'introduction, en texte simple ; une ligne vide sépare les paragraphes."
            )
        }
        widgets = {"editorial": forms.Textarea(attrs={"rows": 6})}
        error_messages = {
            "title": {
                "required": _("Donnez un titre au numéro."),
                "max_length": _("Le titre est trop long (200 caractères au plus)."),
            }
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.instance.pk is None:
            self.fields["topics"].initial = list(self.fields["topics"].queryset.values_list("pk", flat=True))


PICK_PREFIX = "pick"  # checkbox values "kind:id"


def parse_picks(values: list[str]) -> list[tuple[str, int]]:
    """The checked items, as (kind, id); anything malformed is left out."""
    picks = []
    for value in values:
        kind, _sep, raw_id = value.partition(":")
        if kind and raw_id.isdigit():
            picks.append((kind, int(raw_id)))
    return picks


def parse_positions(data, item_ids: list[int]) -> tuple[dict[int, int], list[str]]:
    """The position typed for each item (`position-<id>`): numbers from 1, else an error."""
    positions, errors = {}, []
    for item_id in item_ids:
        raw = (data.get(f"position-{item_id}") or "").strip()
        if not raw:
            continue
        if not raw.isdigit() or int(raw) < 1 or int(raw) > 999:
            errors.append(str(_("Indiquez pour chaque élément un numéro de position, de 1 à 999.")))
            break
        positions[item_id] = int(raw)
    return positions, errors
