from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from directory.selectors.listing import actor_badges as badges_of

register = template.Library()


@register.filter
def page_range(paginator, number):
    """Page numbers around the current one, None where pages are elided."""
    return [
        None if page == paginator.ELLIPSIS else page
        for page in paginator.get_elided_page_range(number, on_each_side=1, on_ends=1)
    ]


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.inclusion_tag("directory/partials/_badges.html")
def actor_badges(kind, actor_id):
    """The badges of an actor's directory entry (public facts such as the charter's engagement)."""
    return {"badges": badges_of(kind, actor_id)}


@register.simple_tag
def facet_options(group, results_label):
    """The checkboxes of one filter with their counts. Built with format_html (every value escaped)
    rather than a template loop: the sidebar has about a hundred of them on every list page."""
    return format_html_join(
        "\n",
        '<div class="form-check facet-option"><input class="form-check-input" type="checkbox" name="{0}" '
        'value="{1}" id="f-{0}-{1}"{2}><label class="form-check-label" for="f-{0}-{1}">{3} '
        '<span class="facet-count">{4}<span class="visually-hidden"> {5}</span></span></label></div>',
        (
            (
                group.name,
                option.value,
                mark_safe(" checked") if option.checked else "",  # noqa: S308 - a constant
                option.label,
                option.count_display,
                results_label,
            )
            for option in group.options
        ),
    )
