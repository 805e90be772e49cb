from django import template

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
    from directory.selectors import actor_badges as badges_of

    return {"badges": badges_of(kind, actor_id)}
