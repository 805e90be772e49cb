"""Personal data held by actors (accounts, profiles, charter, committees): export, erasure, retention.

Hooks read by cops/personal_data.py and cops/retention.py (see cops/apps.py).
"""

from datetime import datetime

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy

from actors.charter_enums import EventKind, RegistrationStatus
from actors.models import Meeting, MeetingParticipant, NewsletterSubscription, RenewalInvitation, User
from actors.models.newsletter import SubscriptionStatus
from actors.services.charter import signatures_anonymise
from cops.personal_data import (
    ANONYMISED_EMAIL_DOMAIN,
    ANONYMISED_PARTICIPANT_NAME,
    Section,
    Subject,
    anonymised_email,
)
from cops.retention import cutoff

_MODERATED = ("status", "moderation_note", "created_at", "updated_at", "submitted_at", "published_at")


def export_personal_data() -> list[Section]:
    return [
        Section(
            "actors.User",
            gettext_lazy("Votre compte : identité, adresse, rôles, dates d'inscription et de connexion."),
            ("email", "first_name", "last_name", "date_joined", "email_verified_at", "last_login", "groups"),
            user=("pk",),
            email=("email",),
        ),
        Section(
            "actors.Person",
            gettext_lazy(
                "Votre fiche de l'annuaire (et celle que l'équipe tiendrait pour votre adresse sans compte), "
                "avec la visibilité choisie pour chaque champ et la modification en attente."
            ),
            (
                "first_name",
                "last_name",
                "photo",
                "profiles",
                "domains",
                "territories",
                "commune",
                "outside_commune",
                "qualifications",
                "activities",
                "availabilities",
                "bio",
                "experience",
                "email",
                "phone",
                "website",
                "visibility",
                "region_wide",
                "zone",
                *_MODERATED,
                "archived_at",
                "revision",
                "revision_status",
                "revision_submitted_at",
                "consent_at",
                "consent_version",
                "accuracy_confirmed_at",
                "accuracy_reminder_sent_at",
            ),  # fmt: skip
            user=("user",),
            email=("email",),
            # A profile linked to another account is that person's, whatever its contact address.
            only=lambda subject: Q(user=subject.user) | Q(user__isnull=True),
        ),
        Section(
            "actors.Structure",
            gettext_lazy(
                "Les structures que vous avez inscrites, ou dont l'adresse de contact est la vôtre."
            ),
            (
                "name",
                "acronym",
                "email",
                "phone",
                "website",
                "address",
                "postal_code",
                "commune",
                *_MODERATED,
            ),
            user=("created_by",),
            email=("email",),
        ),
        Section(
            "actors.Membership",
            gettext_lazy("Vos appartenances à des structures."),
            ("structure", "function", "is_referent", "status", "message", "requested_at", "decided_at"),
            person=("person",),
        ),
        Section(
            "actors.Signature",
            gettext_lazy("Vos signatures de la charte d'engagement, pour vous ou pour une structure."),
            (
                "version",
                "kind",
                "person",
                "structure",
                "signer_name",
                "signed_at",
                "withdrawn_at",
                "withdrawal_reason",
            ),  # fmt: skip
            user=("signed_by",),
            person=("person",),
        ),
        Section(
            "actors.RenewalInvitation",
            gettext_lazy("Les invitations à renouveler votre signature de la charte."),
            ("version", "email", "created_at", "sent_at"),
            user=("user",),
            email=("email",),
        ),
        Section(
            "actors.Mandate",
            gettext_lazy("Vos mandats dans les instances du COPS."),
            ("committee", "side", "role", "start_date", "end_date", "created_at"),
            person=("person",),
        ),
        Section(
            "actors.MeetingParticipant",
            gettext_lazy(
                "Les réunions des instances auxquelles vous avez été invité, votre réponse et votre présence ; "
                "vos inscriptions aux événements, vos réponses au formulaire et vos besoins d'accessibilité."
            ),
            (
                "meeting",
                "name",
                "email",
                "response",
                "responded_at",
                "attendance",
                "added_at",
                "invitation_sent_at",
                "reminder_sent_at",
                "status",
                "registered_at",
                "email_verified_at",
                "cancelled_at",
                "answers",
                "accessibility_needs",
            ),
            user=("user",),
            person=("person",),
            email=("email",),
        ),
        Section(
            "actors.EventContributor",
            gettext_lazy("Les événements que vous organisez ou où vous intervenez."),
            ("event", "role", "detail", "accepted_at", "refused_at", "invited_at"),
            person=("person",),
        ),
        Section(
            "actors.NewsletterSubscription",
            gettext_lazy(
                "Votre abonnement à « La lettre du COPS » : adresse, thèmes, état, date et origine de votre accord."
            ),
            (
                "email",
                "topics",
                "status",
                "source",
                "created_at",
                "confirmation_sent_at",
                "consented_at",
                "unsubscribed_at",
            ),
            user=("user",),
            email=("email",),
        ),
    ]


def personal_data_not_exported() -> dict[tuple[str, str], str]:
    # Who on the staff recorded a step of someone else's file: the rows are other people's
    # profiles, memberships or meetings. The link is cleared (SET_NULL) when the account is deleted.
    return {
        ("actors.Person", "moderated_by"): "staff attribution",
        ("actors.Structure", "moderated_by"): "staff attribution",
        ("actors.Membership", "decided_by"): "staff attribution",
        ("actors.CharterVersion", "published_by"): "staff attribution",
        ("actors.Signature", "withdrawn_by"): "staff attribution (one's own withdrawals are exported)",
        ("actors.CompositionValidation", "recorded_by"): "staff attribution",
        ("actors.Mandate", "created_by"): "staff attribution",
        ("actors.Meeting", "created_by"): "staff attribution",
        ("actors.EventDocument", "added_by"): "staff attribution",
        # The staff member who wrote to an event's registrants: a message of the team, not of a person.
        ("actors.EventMessage", "sent_by"): "staff attribution",
        ("actors.NewsItem", "author"): "staff attribution (a news item the staff wrote)",
        ("actors.NewsletterIssue", "created_by"): "staff attribution (an issue the staff composed)",
    }


def erase_personal_data(subject: Subject) -> dict[str, int]:
    """The charter and the committees: signatures and attendance stay, without the person."""
    participations = MeetingParticipant.objects.filter(
        Q(user=subject.user) | Q(person_id__in=subject.person_ids) | Q(email__iexact=subject.email)
    )
    return {
        "signatures_anonymised": signatures_anonymise(person_ids=subject.person_ids, user=subject.user),
        # Attendance stays (the committees' figures); who attended does not.
        # The answer links die with the person (the answer itself is a count, as attendance).
        "meeting_participants_anonymised": participations.update(
            user=None,
            person=None,
            name=ANONYMISED_PARTICIPANT_NAME,
            email=anonymised_email(),
            response_token_hash="",
            # An event registration's answers and needs are the person's too.
            answers={},
            accessibility_needs="",
        ),
        "renewal_invitations_deleted": RenewalInvitation.objects.filter(
            Q(user=subject.user) | Q(email__iexact=subject.email)
        )
        .delete()[1]
        .get("actors.RenewalInvitation", 0),
        # The newsletter: the subscription goes, with its deliveries (nothing more is sent).
        "newsletter_subscriptions_deleted": NewsletterSubscription.objects.filter(
            Q(user=subject.user) | Q(email__iexact=subject.email)
        )
        .delete()[1]
        .get("actors.NewsletterSubscription", 0),
    }


@transaction.atomic
def unverified_accounts_purge(*, now: datetime) -> int:
    """Accounts whose address was never confirmed: nobody ever signed in with them."""
    accounts = User.objects.filter(
        email_verified_at__isnull=True,
        last_login__isnull=True,
        date_joined__lt=cutoff(now, settings.RETENTION_UNVERIFIED_ACCOUNT_DAYS),
        is_staff=False,
        is_superuser=False,
        # An account someone chose as a lead (a session's facilitator, an accompaniment's lead:
        # every link that protects the account) is kept until it is handed over.
        **{
            f"{relation.name}__isnull": True
            for relation in User._meta.related_objects
            if relation.on_delete is models.PROTECT
        },
    )
    return (
        User.objects.filter(pk__in=list(accounts.values_list("pk", flat=True)))
        .delete()[1]
        .get("actors.User", 0)
    )


def _anonymise_guests(rows) -> int:
    """Participants without an account lose who they were (as account deletion does,
    erase_personal_data): the rows stay for the figures."""
    return (
        # A directory profile linked to an account is that account's holder.
        rows.filter(user__isnull=True)
        .exclude(person__user__isnull=False)
        .exclude(email__endswith=f"@{ANONYMISED_EMAIL_DOMAIN}")
        .update(
            person=None,
            name=ANONYMISED_PARTICIPANT_NAME,
            email=anonymised_email(),
            response_token_hash="",
            answers={},
            accessibility_needs="",
        )
    )


@transaction.atomic
def meeting_guests_purge(*, now: datetime) -> int:
    """Meeting guests without an account, once the meeting is past the retention period.

    Anonymised as account deletion does (erase_personal_data): attendance stays for the
    committees' figures, who attended does not. Account holders keep their history until
    they delete their account.
    """
    return _anonymise_guests(
        MeetingParticipant.objects.filter(
            meeting__kind=EventKind.COMMITTEE,
            meeting__ends_at__lt=cutoff(now, settings.RETENTION_MEETING_GUEST_DAYS),
        )
    )


# --- Events of the community ---------------------------------------------------------------------------


def _events():
    return Meeting.objects.exclude(kind=EventKind.COMMITTEE)


@transaction.atomic
def event_needs_erase(*, now: datetime) -> int:
    """Accessibility needs, and the answers to questions the staff marked sensitive (`"sensitive":
    true` in registration_questions, e.g. dietary needs), RETENTION_EVENT_NEEDS_DAYS after the
    event's end. Returns the number of registrations cleared."""
    ended = _events().filter(ends_at__lt=cutoff(now, settings.RETENTION_EVENT_NEEDS_DAYS))
    cleared = set(
        MeetingParticipant.objects.filter(meeting__in=ended)
        .exclude(accessibility_needs="")
        .values_list("pk", flat=True)
    )
    MeetingParticipant.objects.filter(pk__in=cleared).update(accessibility_needs="")
    for event in ended.filter(registration_questions__contains=[{"sensitive": True}]).only(
        "registration_questions"
    ):
        codes = [q["code"] for q in event.registration_questions if q.get("sensitive") and q.get("code")]
        rows = list(event.participants.filter(answers__has_any_keys=codes).only("answers"))
        for row in rows:
            row.answers = {code: value for code, value in row.answers.items() if code not in codes}
        MeetingParticipant.objects.bulk_update(rows, ["answers"])
        cleared.update(row.pk for row in rows)
    return len(cleared)


@transaction.atomic
def event_guests_purge(*, now: datetime) -> int:
    """Registrations of people without an account, RETENTION_EVENT_REGISTRATION_DAYS after the event:
    anonymised (the counts of the event stay, who came goes)."""
    return _anonymise_guests(
        MeetingParticipant.objects.filter(
            meeting__in=_events().filter(ends_at__lt=cutoff(now, settings.RETENTION_EVENT_REGISTRATION_DAYS))
        )
    )


@transaction.atomic
def event_unconfirmed_purge(*, now: datetime) -> int:
    """Registrations whose address was never confirmed (they never held a seat), after
    RETENTION_EVENT_UNCONFIRMED_DAYS: deleted, with their session choices."""
    rows = MeetingParticipant.objects.filter(
        meeting__in=_events(),
        status=RegistrationStatus.UNVERIFIED,
        registered_at__lt=cutoff(now, settings.RETENTION_EVENT_UNCONFIRMED_DAYS),
    )
    return rows.delete()[1].get("actors.MeetingParticipant", 0)


# --- The newsletter -------------------------------------------------------------------------------------


@transaction.atomic
def newsletter_unconfirmed_purge(*, now: datetime) -> int:
    """Subscriptions never confirmed, RETENTION_NEWSLETTER_UNCONFIRMED_DAYS after the (latest) request."""
    rows = NewsletterSubscription.objects.filter(
        status=SubscriptionStatus.PENDING,
        created_at__lt=cutoff(now, settings.RETENTION_NEWSLETTER_UNCONFIRMED_DAYS),
    )
    return rows.delete()[1].get("actors.NewsletterSubscription", 0)


@transaction.atomic
def newsletter_unsubscribed_purge(*, now: datetime) -> int:
    """Unsubscribed addresses, kept as proof of the opposition, RETENTION_NEWSLETTER_UNSUBSCRIBED_DAYS
    after the unsubscription."""
    rows = NewsletterSubscription.objects.filter(
        status=SubscriptionStatus.UNSUBSCRIBED,
        unsubscribed_at__lt=cutoff(now, settings.RETENTION_NEWSLETTER_UNSUBSCRIBED_DAYS),
    )
    return rows.delete()[1].get("actors.NewsletterSubscription", 0)


def purge_expired_data(*, now: datetime) -> dict[str, int]:
    return {
        "unverified_accounts": unverified_accounts_purge(now=now),
        "meeting_guests": meeting_guests_purge(now=now),
        "event_needs": event_needs_erase(now=now),
        "event_guests": event_guests_purge(now=now),
        "event_unconfirmed": event_unconfirmed_purge(now=now),
        "newsletter_unconfirmed": newsletter_unconfirmed_purge(now=now),
        "newsletter_unsubscribed": newsletter_unsubscribed_purge(now=now),
    }
