"""Who is told what, through the outbox (cops.mail): the CoPil, the structure, the action owners.

Called from inside the services' transactions, so each email is written once with the change it
announces (a rolled-back change sends nothing). Each recipient gets their own email: the CoPil
members' and référents' addresses are not shown to one another.
"""

from django.conf import settings
from django.contrib.auth import get_user_model

from accompaniment.enums import ContentVisibility
from actors.enums import MembershipStatus, Role
from actors.models import Membership
from cops.mail import send_templated_email


def copil_emails() -> list[str]:
    """Every active CoPil member's address (the CoPil examines the requests)."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.COPIL.value)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )
    return [email.lower() for email in users]


def structure_emails(structure, *, support_request=None) -> list[str]:
    """The structure's accepted référents (their accounts' addresses), and the request's contact."""
    emails: list[str] = []
    referents = (
        Membership.objects.filter(
            structure=structure,
            is_referent=True,
            status=MembershipStatus.ACCEPTED,
            person__user__is_active=True,
        )
        .exclude(person__user__email="")
        .order_by("person__user__email")
        .values_list("person__user__email", flat=True)
    )
    for email in [*referents, support_request.contact_email if support_request is not None else ""]:
        email = (email or "").strip().lower()
        if email and email not in emails:
            emails.append(email)
    return emails


def notify_copil_request_waiting(*, support_request, template: str, context: dict) -> int:
    """Each CoPil member, then the team's address, is told the request awaits examination."""
    sent = 0
    for email in copil_emails():
        send_templated_email(to=email, template=template, context={**context, "for_copil": True})
        sent += 1
    send_templated_email(to=settings.STAFF_EMAIL, template=template, context={**context, "for_copil": False})
    return sent


def notify_structure(*, accompaniment, template: str, context: dict) -> int:
    """Each référent of the accompanied structure (and the request's contact) gets the email."""
    recipients = structure_emails(
        accompaniment.structure, support_request=accompaniment.request if accompaniment.request_id else None
    )
    for email in recipients:
        send_templated_email(
            to=email,
            template=template,
            context={
                "accompaniment": accompaniment,
                "structure": accompaniment.structure,
                "contact_email": settings.STAFF_EMAIL,
                **context,
            },
            reply_to=settings.STAFF_EMAIL,
        )
    return len(recipients)


def notify_action_owner(*, action, template: str) -> bool:
    """The owner of a shared action, if they have an address, is told (staff-only actions stay inside)."""
    owner = action.owner
    if action.visibility != ContentVisibility.SHARED or not owner.email:
        return False
    accompaniment = action.accompaniment
    send_templated_email(
        to=owner.email,
        template=template,
        context={
            "action": action,
            "participant": owner,
            "accompaniment": accompaniment,
            "structure": accompaniment.structure,
            "contact_email": settings.STAFF_EMAIL,
        },
        reply_to=settings.STAFF_EMAIL,
    )
    return True
