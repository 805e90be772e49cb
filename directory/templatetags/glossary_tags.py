"""Actor-profile badges link to their definition in the lexicon « Des mots pour se comprendre »."""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from directory.selectors.resources import lexicon

register = template.Library()

# How cards join profile labels in their stored subtitle (directory/indexing.py).
CARD_SEPARATOR = " · "


def _anchor_url(anchor: str) -> str:
    return f"{reverse('directory:glossary')}#{anchor}"


@register.filter
def profile_definition_url(code: str) -> str:
    """The glossary address of an actor profile's definition ('' for a profile it does not define)."""
    anchor = lexicon().profile_anchors.get(code or "")
    return _anchor_url(anchor) if anchor else ""


@register.simple_tag
def profile_badge(code: str, label: str):
    """One profile badge, a link to its definition when the lexicon has one."""
    url = profile_definition_url(code)
    if not url:
        return format_html('<li class="tag tag-profile">{}</li>', label)
    return format_html(
        '<li class="tag tag-profile"><a href="{}" title="{}">{}</a></li>',
        url,
        _("Définition de « %(label)s » dans le lexique") % {"label": label},
        label,
    )


@register.simple_tag
def profile_label_links(labels: str):
    """A card's profile labels (joined by « · »), each one a link to its definition."""
    anchors = lexicon().label_anchors
    return format_html_join(
        CARD_SEPARATOR,
        "{}",
        (
            (format_html('<a class="profile-link" href="{}">{}</a>', _anchor_url(anchors[label]), label),)
            if label in anchors
            else (label,)
            for label in (labels or "").split(CARD_SEPARATOR)
        ),
    )
