"""The labels of the profile fields, read from the models' verbose names.

The moderation diff, the registration review and the export headers name a field as its model
does (`Person._meta.get_field("domains").verbose_name`, capitalised), so a new field is labelled
once, where it is declared. A page that words a field differently says so here (a verbose name
changed for a page would cost a migration), or, for one page only, in that page's declaration.
"""

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

# The pages' wording where it differs from the verbose name (in the comment), on Person and Structure.
LABEL_OVERRIDES = {
    "email": _("Adresse électronique"),  # "adresse électronique de contact"
    "region_wide": _("Toute la région"),  # "agit dans toute la région"
    "siret": _("SIRET"),  # "numéro SIRET"
    "finess": _("FINESS"),  # "numéro FINESS"
}


def field_label(model: type[models.Model], name: str) -> str:
    """The label of one field of a profile model (lazy: translated when rendered)."""
    if name in LABEL_OVERRIDES:
        return LABEL_OVERRIDES[name]
    return capfirst(model._meta.get_field(name).verbose_name)
