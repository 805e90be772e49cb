"""News (« Actualités »): reads (what the public sees) and the staff's writes.

A news item is public once `published_at` is set and past. Its image is re-encoded before it is
stored (only the pixels go on: no EXIF position, no comment, no crafted file reaches the disk).
It links to public events (its own M2M) and to projects and resources through the sources the
directory offers (actors/newsletter/sources.py), so that actors never imports the directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from actors.events.selectors import public_events
from actors.models import NewsItem, NewsletterTopic
from actors.newsletter.sources import Item, all_sources
from cops.images import reencode_image
from cops.retention import delete_files_on_commit

# --- Reads ----------------------------------------------------------------------------------------------

HOME_NEWS_COUNT = 3
LINKED_KINDS = ("projet", "ressource")  # IssueItemKind values the directory offers


def published_news(*, now: datetime | None = None) -> QuerySet[NewsItem]:
    """What the public may read, newest first, with its topics (one query for all)."""
    return (
        NewsItem.objects.filter(published_at__isnull=False, published_at__lte=now or timezone.now())
        .order_by("-published_at", "-pk")
        .prefetch_related(Prefetch("topics", queryset=NewsletterTopic.objects.order_by("position", "name")))
    )


def latest_news(limit: int = HOME_NEWS_COUNT) -> list[NewsItem]:
    return list(published_news()[:limit])


def news_for_reader(slug: str, *, user) -> NewsItem | None:
    """A news item by its address: any state for the staff, published only for everyone else."""
    item = NewsItem.objects.filter(slug=slug).prefetch_related("topics").first()
    if item is None:
        return None
    if item.is_published or (user.is_authenticated and user.is_cops_staff):
        return item
    return None


@dataclass(frozen=True)
class EventCard:
    title: str
    url: str
    starts_at: datetime
    place: str


def linked_events(item: NewsItem) -> list[EventCard]:
    """The public events the item links to, soonest first."""
    events = public_events().filter(news_items=item).select_related("commune").order_by("starts_at", "pk")
    return [
        EventCard(
            title=event.title,
            url=reverse("events:detail", args=[event.slug]),
            starts_at=timezone.localtime(event.starts_at),
            place=event.location or (event.commune.name if event.commune else ""),
        )
        for event in events
    ]


def linked_items(item: NewsItem) -> dict[str, list[Item]]:
    """Projects and resources linked to the item, by kind (empty until the directory offers them)."""
    sources = all_sources()
    found = {}
    for kind in LINKED_KINDS:
        source = sources.get(kind)
        if source is not None and source.linked_to_news is not None:
            found[kind] = list(source.linked_to_news(item))
    return found


def linkable_choices() -> dict[str, list[tuple[int, str]]]:
    """What the staff may link a news item to, by kind: public events, and the sources' items."""
    events = public_events().order_by("-starts_at", "pk").only("pk", "title", "starts_at")[:200]
    choices = {
        "evenement": [
            (event.pk, f"{event.title} ({timezone.localtime(event.starts_at):%d/%m/%Y})") for event in events
        ]
    }
    sources = all_sources()
    for kind in LINKED_KINDS:
        source = sources.get(kind)
        if source is not None and source.set_news_links is not None:
            choices[kind] = [(entry.source_id, entry.title) for entry in source.recent(since=None, limit=500)]
    return choices


def news_state(item: NewsItem) -> tuple[str, str]:
    """(label, tone) of an item for the staff's list: draft, scheduled or published."""
    if item.published_at is None:
        return _("Brouillon"), "neutral"
    if item.published_at > timezone.now():
        return _("Programmée"), "pending"
    return _("Publiée"), "ok"


# --- Image ----------------------------------------------------------------------------------------------


# --- Writes ---------------------------------------------------------------------------------------------

# The addresses of the news' own pages, which an item's slug must not take.
RESERVED_SLUGS = {"rss", "atom", "page", "flux", "gestion", "nouvelle"}


def news_slug(title: str, *, exclude_pk: int | None = None) -> str:
    """A free address made from the title, numbered when taken."""
    base = slugify(title)[:200] or "actualite"
    if base in RESERVED_SLUGS:
        base = f"{base}-actualite"
    taken = NewsItem.objects.exclude(pk=exclude_pk) if exclude_pk else NewsItem.objects.all()
    slug, number = base, 2
    while taken.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def _check_slug(slug: str, *, exclude_pk: int | None) -> None:
    if slug in RESERVED_SLUGS:
        raise ValidationError(
            {
                "slug": _("« %(slug)s » est réservé par le site : choisissez une autre adresse.")
                % {"slug": slug}
            }
        )
    taken = NewsItem.objects.exclude(pk=exclude_pk) if exclude_pk else NewsItem.objects.all()
    if taken.filter(slug=slug).exists():
        raise ValidationError(
            {"slug": _("Une autre actualité a déjà cette adresse : choisissez-en une autre.")}
        )


@transaction.atomic
def news_save(
    *,
    item: NewsItem | None,
    by,
    title: str,
    summary: str,
    body: str = "",
    slug: str = "",
    image=None,
    remove_image: bool = False,
    image_alt: str = "",
    topics=(),
    event_ids: list[int] | tuple = (),
    links: dict[str, list[int]] | None = None,
) -> NewsItem:
    """Create (item None) or change a news item, its image and its links; nothing is published
    here (news_publish does it)."""
    creating = item is None
    item = item or NewsItem(author=by)
    exclude = None if creating else item.pk
    if not (slug or "").strip():
        # Blank: an item keeps its address (as stored: a form may have blanked the instance's).
        stored = (
            None if creating else NewsItem.objects.filter(pk=item.pk).values_list("slug", flat=True).first()
        )
        slug = stored or news_slug(title, exclude_pk=exclude)
    _check_slug(slug, exclude_pk=exclude)
    try:
        cleaned_image = reencode_image(image, kind="news") if image else None
    except ValidationError as error:
        raise ValidationError({"image": error.messages}) from None
    will_have_image = bool(cleaned_image) or (bool(item.image) and not remove_image)
    if will_have_image and not image_alt.strip():
        raise ValidationError(
            {
                "image_alt": _(
                    "Décrivez l'image en une phrase pour les personnes qui ne la voient pas "
                    "(par exemple : « Les participants de la JRPS 2023 en atelier »)."
                )
            }
        )
    events = list(public_events().filter(pk__in=list(event_ids)).values_list("pk", flat=True))
    if len(set(events)) != len(set(event_ids)):
        raise ValidationError({"events": _("Un des événements choisis n'est pas (ou plus) public.")})
    old_image = item.image.name if item.image and (cleaned_image or remove_image) else ""
    item.title, item.slug, item.summary, item.body = title.strip(), slug, summary.strip(), body.strip()
    item.image_alt = image_alt.strip() if will_have_image else ""
    if remove_image and not cleaned_image:
        item.image = ""
    if cleaned_image:
        item.image.save(cleaned_image.name, cleaned_image, save=False)
    item.save()
    item.topics.set(list(topics))
    item.events.set(events)
    _set_links(item, links or {})
    if old_image:
        delete_files_on_commit([(item.image.storage, old_image)])
    return item


def _set_links(item: NewsItem, links: dict[str, list[int]]) -> None:
    sources = all_sources()
    for kind in LINKED_KINDS:
        source = sources.get(kind)
        if source is not None and source.set_news_links is not None and kind in links:
            source.set_news_links(item, list(links[kind]))


@transaction.atomic
def news_publish(*, item: NewsItem, now: datetime | None = None) -> NewsItem:
    """Publish now (an item already public keeps its date)."""
    if not item.is_published:
        item.published_at = now or timezone.now()
        item.save(update_fields=["published_at", "updated_at"])
    return item


@transaction.atomic
def news_unpublish(*, item: NewsItem) -> NewsItem:
    item.published_at = None
    item.save(update_fields=["published_at", "updated_at"])
    return item


@transaction.atomic
def news_delete(*, item: NewsItem) -> None:
    image = item.image.name if item.image else ""
    storage = item.image.storage
    item.delete()
    if image:
        delete_files_on_commit([(storage, image)])
