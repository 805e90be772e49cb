"""Subscriptions to « La lettre du COPS »: double opt-in (CNIL), preferences, unsubscribing.

- Anyone asks with an address and topics (`subscription_request`): the row stays « à confirmer »
  until the link emailed to that address is followed (`subscription_confirm`); the consent date
  and its source are then kept. The form answers the same whether the address is new or known
  (no enumeration); an address gets at most one email about it per hour.
- A signed-in partner, whose address is verified, subscribes in one click (`subscription_from_space`).
- Each email carries personal links: the preferences (the subscription's manage token) and, in an
  issue, the one-click unsubscribe (the delivery's token). `subscription_for_token` finds the
  subscription from either; both are stored hashed (cops.tokens).
- Unsubscribing is final until a new confirmed request: the confirmation link dies with it. An
  unsubscribed row is kept (email and dates, proof of the opposition) for
  RETENTION_NEWSLETTER_UNSUBSCRIBED_DAYS; an unconfirmed one goes after
  RETENTION_NEWSLETTER_UNCONFIRMED_DAYS (actors/privacy.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.models import NewsletterDelivery, NewsletterSubscription, NewsletterTopic
from actors.models.newsletter import SubscriptionSource, SubscriptionStatus
from cops.mail import send_templated_email
from cops.tokens import hash_token, is_well_formed, new_token

# An address gets at most one email about its subscription per hour, however often it is typed in.
RESEND_AFTER = timedelta(hours=1)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def topics_all() -> list[NewsletterTopic]:
    return list(NewsletterTopic.objects.order_by("position", "name"))


def subscription_of_user(user) -> NewsletterSubscription | None:
    """The subscription of a signed-in person: the one of their account's address (or linked to it)."""
    if not user.is_authenticated:
        return None
    email = normalise_email(user.email)
    # One query: the address's own row first (an account may have changed its address).
    rows = list(NewsletterSubscription.objects.filter(Q(email=email) | Q(user=user)).order_by("pk")[:5])
    return next((row for row in rows if row.email == email), rows[0] if rows else None)


# --- Links ----------------------------------------------------------------------------------------------


def _absolute(name: str, token: str) -> str:
    return settings.SITE_URL + reverse(name, kwargs={"token": token})


@dataclass(frozen=True)
class Found:
    subscription: NewsletterSubscription
    delivery: NewsletterDelivery | None = None  # when the link came from an issue's unsubscribe link


def subscription_for_token(raw: str) -> Found | None:
    """The subscription a preferences or unsubscribe link opens: the subscription's own manage
    token, or the unsubscribe token of one issue sent to it. None for anything else."""
    if not is_well_formed(raw):
        return None
    digest = hash_token(raw)
    subscription = NewsletterSubscription.objects.filter(manage_token_hash=digest).first()
    if subscription is not None:
        return Found(subscription)
    delivery = (
        NewsletterDelivery.objects.filter(unsubscribe_hash=digest).select_related("subscription").first()
    )
    if delivery is not None:
        return Found(delivery.subscription, delivery)
    return None


def subscription_for_confirm_token(raw: str) -> NewsletterSubscription | None:
    """The subscription a confirmation link opens, while it is valid (see RETENTION_NEWSLETTER_UNCONFIRMED_DAYS)."""
    if not is_well_formed(raw):
        return None
    subscription = NewsletterSubscription.objects.filter(confirm_token_hash=hash_token(raw)).first()
    if subscription is None or subscription.confirmation_sent_at is None:
        return None
    valid_until = subscription.confirmation_sent_at + timedelta(
        days=settings.RETENTION_NEWSLETTER_UNCONFIRMED_DAYS
    )
    return subscription if timezone.now() <= valid_until else None


# --- Asking, confirming -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestOutcome:
    subscription: NewsletterSubscription
    email_sent: bool  # False when an email about this address already left less than an hour ago
    # The raw token of the confirmation link just emailed ("" when none): for the demo, which
    # confirms as the subscriber would; the database keeps only its hash.
    confirm_token: str = ""


def _check_topics(topics) -> list[NewsletterTopic]:
    topics = list(topics)
    if not topics:
        raise ValidationError(
            {"topics": _("Choisissez au moins un thème (ou désabonnez-vous pour ne plus rien recevoir).")}
        )
    return topics


def subscription_request(
    *, email: str, topics, source: str = SubscriptionSource.FORM, now: datetime | None = None
) -> RequestOutcome:
    """Someone asks to receive the newsletter at `email` (not yet proven theirs).

    New, pending or unsubscribed address: a confirmation link goes to it (the row becomes, or
    stays, « à confirmer »; an unsubscribed row stays unsubscribed until the link is followed).
    Already confirmed: nothing changes, a reminder with the preferences link goes to it. Either way
    at most one email per hour per address, and the caller answers the same.
    """
    now = now or timezone.now()
    email = normalise_email(email)
    topics = _check_topics(topics)
    try:
        with transaction.atomic():
            return _request(email=email, topics=topics, source=source, now=now)
    except IntegrityError:
        # The same address asked twice at the same instant: the other request created the row.
        with transaction.atomic():
            return _request(email=email, topics=topics, source=source, now=now)


def _request(*, email: str, topics, source: str, now: datetime) -> RequestOutcome:
    subscription = NewsletterSubscription.objects.select_for_update().filter(email=email).first()
    if subscription is None:
        subscription = NewsletterSubscription.objects.create(email=email, source=source, created_at=now)
    elif subscription.confirmation_sent_at and now - subscription.confirmation_sent_at < RESEND_AFTER:
        return RequestOutcome(subscription, email_sent=False)
    confirmed = subscription.status == SubscriptionStatus.CONFIRMED
    manage_raw, subscription.manage_token_hash = new_token()
    context = {"topics": topics, "preferences_url": _absolute("news:preferences", manage_raw)}
    if confirmed:
        template = "news/emails/already_subscribed"
        context["topics"] = list(subscription.topics.order_by("position", "name"))
        confirm_raw = ""
    else:
        confirm_raw, subscription.confirm_token_hash = new_token()
        context["confirm_url"] = _absolute("news:confirm", confirm_raw)
        context["days"] = settings.RETENTION_NEWSLETTER_UNCONFIRMED_DAYS
        template = "news/emails/confirm"
        subscription.topics.set(topics)
        if subscription.status == SubscriptionStatus.PENDING:
            # The purge counts from the latest request; the source is how this one came.
            subscription.created_at, subscription.source = now, source
    subscription.confirmation_sent_at = now
    subscription.save()
    send_templated_email(to=email, template=template, context=context)
    return RequestOutcome(subscription, email_sent=True, confirm_token=confirm_raw)


@dataclass(frozen=True)
class Confirmation:
    subscription: NewsletterSubscription
    already: bool


@transaction.atomic
def subscription_confirm(*, token: str, now: datetime | None = None) -> Confirmation | None:
    """Follow a confirmation link (its POST: mail scanners only open links). None: not a valid link."""
    found = subscription_for_confirm_token(token)
    if found is None:
        return None
    subscription = NewsletterSubscription.objects.select_for_update().get(pk=found.pk)
    if subscription.status == SubscriptionStatus.CONFIRMED:
        return Confirmation(subscription, already=True)
    subscription.status = SubscriptionStatus.CONFIRMED
    subscription.consented_at = now or timezone.now()
    subscription.unsubscribed_at = None
    subscription.save(update_fields=["status", "consented_at", "unsubscribed_at"])
    return Confirmation(subscription, already=False)


@transaction.atomic
def subscription_from_space(*, user, topics=None, now: datetime | None = None) -> NewsletterSubscription:
    """A signed-in partner subscribes in one click: their address is verified, so the consent is
    given now (source « mon-espace »), with every topic unless they chose some."""
    if not (user.is_authenticated and user.is_active and user.is_verified):
        raise ValidationError(_("Confirmez d'abord l'adresse de votre compte pour vous abonner en un clic."))
    now = now or timezone.now()
    topics = _check_topics(topics if topics is not None else topics_all())
    email = normalise_email(user.email)
    subscription = NewsletterSubscription.objects.select_for_update().filter(email=email).first()
    if subscription is None:
        subscription = NewsletterSubscription(email=email, created_at=now)
    elif subscription.status == SubscriptionStatus.CONFIRMED:
        if subscription.user_id is None:
            subscription.user = user
            subscription.save(update_fields=["user"])
        return subscription
    subscription.user = user
    subscription.status = SubscriptionStatus.CONFIRMED
    subscription.source = SubscriptionSource.SPACE
    subscription.consented_at = now
    subscription.unsubscribed_at = None
    subscription.confirm_token_hash = ""
    subscription.save()
    subscription.topics.set(topics)
    return subscription


# --- Preferences, unsubscribing ---------------------------------------------------------------------------


@transaction.atomic
def subscription_update_topics(*, subscription: NewsletterSubscription, topics) -> NewsletterSubscription:
    topics = _check_topics(topics)
    subscription = NewsletterSubscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.status == SubscriptionStatus.UNSUBSCRIBED:
        raise ValidationError(
            _("Cette adresse est désinscrite : abonnez-vous à nouveau pour choisir vos thèmes.")
        )
    subscription.topics.set(topics)
    return subscription


@transaction.atomic
def subscription_unsubscribe(*, subscription: NewsletterSubscription, now: datetime | None = None) -> bool:
    """Stop every sending to the address. False (and nothing changed) when it already was."""
    subscription = NewsletterSubscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.status == SubscriptionStatus.UNSUBSCRIBED:
        return False
    subscription.status = SubscriptionStatus.UNSUBSCRIBED
    subscription.unsubscribed_at = now or timezone.now()
    # An old confirmation link must not subscribe the address again.
    subscription.confirm_token_hash = ""
    subscription.save(update_fields=["status", "unsubscribed_at", "confirm_token_hash"])
    return True
