"""The issues of « La lettre du COPS »: composed by the staff, previewed, tested, sent, archived.

An issue is composed from items that the sources offer (news, coming public events, and through
the directory's `newsletter.py` new projects and resources); each picked item is *copied* into the
issue (`NewsletterIssueItem`), so that the archive reads as it was sent. A draft may be edited;
once its sending is asked for it no longer may, and it is never sent twice: the sending itself
is actors/newsletter/sending.py (the platform's bulk sending engine).

This module also holds what actors offers to the sources (`actors_sources`, through the package's
`newsletter_sources()` hook): published news and coming public events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actors.charter_enums import MeetingStatus
from actors.events.selectors import upcoming_public_events
from actors.models import NewsItem, NewsletterIssue, NewsletterIssueItem
from actors.models.newsletter import IssueItemKind, IssueStatus
from actors.newsletter.letters import render_sample
from actors.newsletter.sending import issue_recipients, send_newsletter_issue
from actors.newsletter.sources import Item, Source, all_sources
from cops.enums import DeliveryStatus
from cops.mail import send_templated_email

NUMBER_LOCK = (74_203, 0)  # pg_advisory_xact_lock: one new issue number at a time
CANDIDATES_PER_SOURCE = 12
TEXT_CHARS = 500

# --- What actors offers to an issue (and to news links) -----------------------------------------------


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _published_news():
    return NewsItem.objects.filter(published_at__isnull=False, published_at__lte=timezone.now())


def _news_item(news: NewsItem) -> Item:
    return Item(
        kind=IssueItemKind.NEWS,
        source_id=news.pk,
        title=news.title,
        text=Truncator(news.summary).chars(TEXT_CHARS),
        url=_absolute(news.get_absolute_url()),
        meta=formats.date_format(timezone.localtime(news.published_at), "j F Y"),
        published_at=news.published_at,
    )


def recent_news(*, since: datetime | None = None, limit: int = 20) -> list[Item]:
    news = _published_news()
    if since is not None:
        news = news.filter(published_at__gt=since)
    return [_news_item(item) for item in news.order_by("-published_at", "-pk")[:limit]]


def news_items(ids: list[int]) -> list[Item]:
    found = {news.pk: news for news in _published_news().filter(pk__in=ids)}
    return [_news_item(found[pk]) for pk in ids if pk in found]


def _coming_events():
    return upcoming_public_events().exclude(status=MeetingStatus.CANCELLED).select_related("commune")


def _event_item(event) -> Item:
    when = formats.date_format(timezone.localtime(event.starts_at), "l j F Y, G\\hi")
    place = event.location or (event.commune.name if event.commune_id else "")
    return Item(
        kind=IssueItemKind.EVENT,
        source_id=event.pk,
        title=event.title,
        text=Truncator(event.summary).chars(TEXT_CHARS),
        url=_absolute(reverse("events:detail", args=[event.slug])),
        meta=f"{when} · {place}" if place else when,
        published_at=event.starts_at,
    )


def coming_events(*, since: datetime | None = None, limit: int = 20) -> list[Item]:
    """Coming public events, soonest first (`since` does not apply: what is coming is news)."""
    return [_event_item(event) for event in _coming_events().exclude(slug__isnull=True)[:limit]]


def event_items(ids: list[int]) -> list[Item]:
    found = {event.pk: event for event in _coming_events().filter(pk__in=ids).exclude(slug__isnull=True)}
    return [_event_item(found[pk]) for pk in ids if pk in found]


def actors_sources() -> list[Source]:
    return [
        Source(
            kind=IssueItemKind.NEWS, label=gettext_lazy("Actualités"), recent=recent_news, items=news_items
        ),
        Source(
            kind=IssueItemKind.EVENT,
            label=gettext_lazy("Événements à venir"),
            recent=coming_events,
            items=event_items,
        ),
    ]


# --- Reads ------------------------------------------------------------------------------------------------

SOURCE_ORDER = [IssueItemKind.NEWS, IssueItemKind.EVENT, IssueItemKind.PROJECT, IssueItemKind.RESOURCE]


def issues_for_staff() -> QuerySet[NewsletterIssue]:
    """Every issue, newest first, with its delivery counts (one query)."""
    return NewsletterIssue.objects.annotate(
        # distinct: the join with the items would otherwise count each delivery once per item
        sent_count=Count(
            "deliveries",
            filter=Q(deliveries__status__in=[DeliveryStatus.SENT, DeliveryStatus.UNCERTAIN]),
            distinct=True,
        ),
        failed_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED), distinct=True),
        item_count=Count("items", distinct=True),
    ).order_by("-number")


def sent_issues() -> QuerySet[NewsletterIssue]:
    """The public archive: issues sent, newest first."""
    return NewsletterIssue.objects.filter(status=IssueStatus.SENT).order_by("-number")


def last_sent_at() -> datetime | None:
    return NewsletterIssue.objects.filter(status=IssueStatus.SENT).aggregate(at=Max("sent_at"))["at"]


@dataclass
class Candidates:
    kind: str
    label: str
    items: list[Item]


def issue_candidates(issue: NewsletterIssue, *, since_last: bool = True) -> list[Candidates]:
    """What the staff may add, per source, newest first: published since the last sent issue
    (unless `since_last` is False), without what the issue already holds."""
    since = last_sent_at() if since_last else None
    picked = set(issue.items.values_list("kind", "source_id"))
    sources = all_sources()
    found = []
    for kind in sorted(sources, key=lambda k: SOURCE_ORDER.index(k) if k in SOURCE_ORDER else 99):
        source = sources[kind]
        items = [
            item
            for item in source.recent(since=since, limit=CANDIDATES_PER_SOURCE + len(picked))
            if (item.kind, item.source_id) not in picked
        ][:CANDIDATES_PER_SOURCE]
        found.append(Candidates(kind=kind, label=str(source.label), items=items))
    return found


@dataclass
class Progress:
    recipients: int  # who gets it now (confirmed subscribers of its topics), rows or not
    sent: int
    uncertain: int
    failed: int
    skipped: int
    in_progress: int  # claimed or committing
    remaining: int  # recipients without a row yet


def issue_progress(issue: NewsletterIssue) -> Progress:
    counts = dict(issue.deliveries.values_list("status").annotate(n=Count("pk")).order_by())
    waiting = (
        issue_recipients(issue).exclude(deliveries__issue=issue).count()
        if issue.status != IssueStatus.SENT
        else 0
    )
    return Progress(
        recipients=issue_recipients(issue).count(),
        sent=counts.get(DeliveryStatus.SENT, 0),
        uncertain=counts.get(DeliveryStatus.UNCERTAIN, 0),
        failed=counts.get(DeliveryStatus.FAILED, 0),
        skipped=counts.get(DeliveryStatus.SKIPPED, 0),
        in_progress=counts.get(DeliveryStatus.CLAIMED, 0) + counts.get(DeliveryStatus.COMMITTING, 0),
        remaining=waiting,
    )


# --- Writes -------------------------------------------------------------------------------------------------


def _check_draft(issue: NewsletterIssue) -> None:
    if issue.status != IssueStatus.DRAFT:
        raise ValidationError(
            _(
                "Ce numéro est envoyé (ou en cours d'envoi) : il ne peut plus être modifié ni envoyé à nouveau."
            )
        )


def _locked(issue: NewsletterIssue) -> NewsletterIssue:
    """The issue read again under a row lock: two staff members acting at once take turns."""
    return NewsletterIssue.objects.select_for_update().get(pk=issue.pk)


def _check_topics(topics) -> list:
    topics = list(topics)
    if not topics:
        raise ValidationError({"topics": _("Choisissez au moins un thème : la lettre va à leurs abonnés.")})
    return topics


@transaction.atomic
def issue_create(*, title: str, editorial: str, topics, by) -> NewsletterIssue:
    """A new draft, numbered after the last issue."""
    topics = _check_topics(topics)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(NUMBER_LOCK))
    number = (NewsletterIssue.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    issue = NewsletterIssue.objects.create(number=number, title=title, editorial=editorial, created_by=by)
    issue.topics.set(topics)
    return issue


@transaction.atomic
def issue_update(*, issue: NewsletterIssue, title: str, editorial: str, topics) -> NewsletterIssue:
    issue = _locked(issue)
    _check_draft(issue)
    topics = _check_topics(topics)
    issue.title, issue.editorial = title, editorial
    issue.save(update_fields=["title", "editorial"])
    issue.topics.set(topics)
    return issue


@transaction.atomic
def issue_add_items(*, issue: NewsletterIssue, picks: list[tuple[str, int]]) -> int:
    """Copy the picked items (kind, id) into the issue, after those it holds. Returns how many
    were added (an item already there, or no longer published, is left out)."""
    issue = _locked(issue)
    _check_draft(issue)
    sources = all_sources()
    picked = set(issue.items.values_list("kind", "source_id"))
    position = (issue.items.aggregate(p=Max("position"))["p"] or 0) + 1
    added = 0
    by_kind: dict[str, list[int]] = {}
    for kind, source_id in picks:
        if kind in sources and (kind, source_id) not in picked:
            by_kind.setdefault(kind, []).append(source_id)
    for kind in SOURCE_ORDER + sorted(set(by_kind) - set(SOURCE_ORDER)):
        for item in sources[kind].items(by_kind.get(kind, [])) if kind in by_kind else []:
            NewsletterIssueItem.objects.create(
                issue=issue,
                kind=item.kind,
                source_id=item.source_id,
                title=item.title[:250],
                text=item.text,
                url=item.url[:500],
                meta=item.meta[:250],
                position=position,
            )
            picked.add((item.kind, item.source_id))
            position += 1
            added += 1
    if not added:
        raise ValidationError(_("Aucun élément ajouté : cochez au moins un élément encore publié."))
    return added


def _renumber(items: list[NewsletterIssueItem]) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position
    NewsletterIssueItem.objects.bulk_update(items, ["position"])


@transaction.atomic
def issue_item_move(*, issue: NewsletterIssue, item_id: int, direction: str) -> None:
    """Move an item one place up or down."""
    issue = _locked(issue)
    _check_draft(issue)
    items = list(issue.items.order_by("position", "pk"))
    index = next((i for i, item in enumerate(items) if item.pk == item_id), None)
    if index is None:
        raise ValidationError(_("Cet élément n'est plus dans ce numéro."))
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    _renumber(items)


@transaction.atomic
def issue_items_order(*, issue: NewsletterIssue, positions: dict[int, int]) -> None:
    """Put the items in the order of the numbers typed (equal numbers keep their current order)."""
    issue = _locked(issue)
    _check_draft(issue)
    items = list(issue.items.order_by("position", "pk"))
    current = {item.pk: index for index, item in enumerate(items)}
    items.sort(key=lambda item: (positions.get(item.pk, current[item.pk] + 1), current[item.pk]))
    _renumber(items)


@transaction.atomic
def issue_item_remove(*, issue: NewsletterIssue, item_id: int) -> None:
    issue = _locked(issue)
    _check_draft(issue)
    deleted, _by_model = issue.items.filter(pk=item_id).delete()
    if not deleted:
        raise ValidationError(_("Cet élément n'est plus dans ce numéro."))
    _renumber(list(issue.items.order_by("position", "pk")))


@transaction.atomic
def issue_send_test(*, issue: NewsletterIssue, to) -> NewsletterIssue:
    """The issue as subscribers will get it (with sample personal links), to the staff member's
    own address, through the outbox."""
    issue = _locked(issue)
    _check_draft(issue)
    if not issue.items.exists() and not issue.editorial.strip():
        raise ValidationError(_("Ce numéro est vide : ajoutez un éditorial ou des éléments avant l'essai."))
    rendered = render_sample(issue, test=True)
    send_templated_email(
        to=to.email,
        template="newsletter/emails/rendered",
        context={"subject": rendered.subject, "text": rendered.text, "html": rendered.html},
    )
    issue.test_sent_at = timezone.now()
    issue.save(update_fields=["test_sent_at"])
    return issue


@transaction.atomic
def issue_send_request(*, issue: NewsletterIssue, by) -> int:
    """Start the sending to the confirmed subscribers of the issue's topics: the issue is no longer
    editable, and the engine's task sends it (a periodic pass finishes it after any failure).
    Returns the number of recipients."""
    issue = _locked(issue)
    _check_draft(issue)
    if not issue.items.exists() and not issue.editorial.strip():
        raise ValidationError(
            _("Ce numéro est vide : ajoutez un éditorial ou des éléments avant de l'envoyer.")
        )
    recipients = issue_recipients(issue).count()
    if recipients == 0:
        raise ValidationError(
            _(
                "Aucun abonné confirmé ne suit les thèmes de ce numéro : rien n'a été envoyé. Choisissez d'autres thèmes."
            )
        )
    issue.status = IssueStatus.SENDING
    issue.send_requested_at = timezone.now()
    issue.save(update_fields=["status", "send_requested_at"])
    send_newsletter_issue.enqueue(issue_id=issue.pk)
    return recipients
