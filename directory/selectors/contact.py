"""Reads of the contact relay: who may write to whom, where a message goes, the abuse reports.

A relayed message never shows the recipient's address to the sender: these functions hand the
addresses to the services (which email them) and only a yes/no (« may write ») to the pages.
"""

from dataclasses import dataclass

from django.db.models import QuerySet

from actors.enums import ContactPolicy, MembershipStatus, ModerationStatus, Visibility
from actors.models import Membership, Person, Structure, User
from cops import tokens
from directory.models import ContactMessage
from directory.permissions import policy_admits
from directory.selectors.profiles import person_title


@dataclass(frozen=True)
class ContactTarget:
    """A person or a structure as the relay sees it: its policy and the addresses it relays to."""

    person: Person | None
    structure: Structure | None
    policy: str
    recipients: tuple[str, ...]

    @property
    def actor(self):
        return self.person if self.person is not None else self.structure

    @property
    def is_published(self) -> bool:
        return self.actor.status == ModerationStatus.PUBLISHED

    def title(self, level: int = Visibility.PUBLIC) -> str:
        """The name shown for the recipient: a person's last name only where `level` may see it."""
        if self.person is not None:
            return person_title(self.person, level)
        return str(self.structure)


def policies_admitting(user) -> tuple[str, ...]:
    """The policies under which `user` may write: for result cards, which carry only the policy."""
    return tuple(
        policy for policy in (ContactPolicy.EVERYONE, ContactPolicy.PARTNERS) if policy_admits(user, policy)
    )


def person_address(person: Person) -> str:
    """Where a person's messages go: their account's address, else their profile's contact address."""
    if person.user_id and person.user.is_active:
        return person.user.email
    return person.email or ""


def structure_referent_emails(structure: Structure) -> list[str]:
    """The account addresses of the structure's accepted référents (one query)."""
    return list(
        User.objects.filter(
            is_active=True,
            person__memberships__structure=structure,
            person__memberships__is_referent=True,
            person__memberships__status=MembershipStatus.ACCEPTED,
        )
        .order_by("person__memberships__decided_at", "pk")
        .values_list("email", flat=True)
        .distinct()
    )


def person_target(person: Person, *, sides=None) -> ContactTarget:
    """`sides`: the sides of the person's profiles when the caller has them (no query then)."""
    address = person_address(person)
    return ContactTarget(
        person=person,
        structure=None,
        policy=person.contact_policy(sides),
        recipients=(address,) if address else (),
    )


def structure_target(structure: Structure) -> ContactTarget:
    # The référents answer for the structure; its own public address only when it has none.
    recipients = structure_referent_emails(structure) or ([structure.email] if structure.email else [])
    return ContactTarget(
        person=None, structure=structure, policy=structure.accepts_messages, recipients=tuple(recipients)
    )


def contact_card_policy(policy: str, has_address: bool) -> str:
    """What a result card stores (directory.indexing): the policy, or "" when nobody can write."""
    return policy if has_address and policy != ContactPolicy.NOBODY else ""


# --- Messages ---------------------------------------------------------------------------------------


def contact_message_from_token(raw: str) -> ContactMessage | None:
    """The message of a relay link, or None (malformed, unknown, or purged after its retention)."""
    if not tokens.is_well_formed(raw):
        return None
    message = (
        ContactMessage.objects.select_related("person__user", "structure")
        .filter(token_hash=tokens.hash_token(raw))
        .first()
    )
    if message is None or not tokens.matches(raw, message.token_hash):
        return None
    return message


def message_target(message: ContactMessage) -> ContactTarget:
    return person_target(message.person) if message.person_id else structure_target(message.structure)


def recipient_title(message: ContactMessage) -> str:
    """The recipient's name as anyone may read it (emails, the staff's list, exports)."""
    if message.person_id:
        return person_title(message.person, Visibility.PUBLIC)
    return str(message.structure)


# --- Abuse reports (the staff home reads the two counters below) ------------------------------------


def _open_reports() -> QuerySet[ContactMessage]:
    return ContactMessage.objects.filter(abuse_reported_at__isnull=False, abuse_handled_at__isnull=True)


def open_abuse_reports_count() -> int:
    return _open_reports().count()


def oldest_open_abuse_report() -> ContactMessage | None:
    return _open_reports().order_by("abuse_reported_at", "pk").first()


def abuse_reports(*, handled_limit: int = 30) -> tuple[list[ContactMessage], list[ContactMessage]]:
    """Open reports (oldest first), then the most recently handled ones."""
    related = ("person", "structure", "abuse_handled_by")
    open_reports = list(_open_reports().select_related(*related).order_by("abuse_reported_at", "pk"))
    handled = list(
        ContactMessage.objects.filter(abuse_handled_at__isnull=False)
        .select_related(*related)
        .order_by("-abuse_handled_at", "-pk")[:handled_limit]
    )
    return open_reports, handled


# --- Preferences ---------------------------------------------------------------------------------------


def referent_structures(user) -> list[Structure]:
    """The structures whose policy the user chooses: those they are an accepted référent of."""
    if not user.is_authenticated:
        return []
    structure_ids = Membership.objects.filter(
        person__user=user, is_referent=True, status=MembershipStatus.ACCEPTED
    ).values("structure_id")
    return list(
        Structure.objects.filter(pk__in=structure_ids)
        .exclude(status=ModerationStatus.ARCHIVED)
        .order_by("name")
    )
