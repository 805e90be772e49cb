"""French articles before structure names in pages, emails and PDFs (see accompaniment.wording)."""

from django import template

from accompaniment.wording import with_preposition

register = template.Library()


@register.filter
def de_structure(name) -> str:
    return with_preposition(str(name), "de")


@register.filter
def pour_structure(name) -> str:
    return with_preposition(str(name), "pour")


@register.filter
def a_structure(name) -> str:
    return with_preposition(str(name), "a")


@register.filter
def with_article(name) -> str:
    """« l'Association X », « le Centre Y », « Onco-Occitanie »."""
    return with_preposition(str(name), "")
