"""Writes of the contact relay: send a message, answer it, report an abuse, choose who may write.

The relayed email goes out from the platform with no Reply-To and without the sender's address:
the recipient decides whether to answer (through the relay's page), and only the answer gives
each side the other's address (Reply-To of the answer and of its copy).
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.enums import ContactPolicy
from actors.models import Person, Structure, User
from actors.permissions import is_structure_referent
from cops import tokens
from cops.mail import send_templated_email
from cops.ratelimit import Rate, current_rate, hit
from directory.indexing import index_persons, index_structures
from directory.models import ContactMessage, ContactPurpose
from directory.models.contact import MESSAGE_MAX_LENGTH
from directory.permissions import can_contact
from directory.selectors.contact import (
    ContactTarget,
    message_target,
    person_target,
    recipient_title,
    referent_structures,
    structure_target,
)

# Budgets (cops.ratelimit.hit): a sender — counted by address and by account or email, so that
# neither a new address nor a new email escapes — and a recipient, whom nobody may flood.
SENDER_LIMIT_GROUP = "directory.contact.sender"
SENDER_RATES = ("5/h", "20/d")
RECIPIENT_LIMIT_GROUP = "directory.contact.recipient"
RECIPIENT_RATE = "10/d"
ABUSE_REASON_MAX_LENGTH = 2000
RATE_LIMITED = "rate_limited"  # the code of the ValidationError a view answers with 429


def _absolute(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def _clean_text(text: str, *, field: str, empty: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: empty})
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {
                field: _("Le message dépasse %(max)s caractères : raccourcissez-le (%(count)s actuellement).")
                % {"max": f"{MESSAGE_MAX_LENGTH:_}".replace("_", " "), "count": len(text)}
            }
        )
    return text


def _over_limits(*, target: ContactTarget, sender_user, sender_email: str, client_ip: str) -> bool:
    """Count this send in every budget; True when one of them is over (nothing is sent then)."""
    senders = [f"ip:{client_ip or 'unknown'}"]
    senders.append(f"user:{sender_user.pk}" if sender_user is not None else f"email:{sender_email.lower()}")
    rates = [current_rate(SENDER_LIMIT_GROUP, Rate.parse(SENDER_RATES[0])), Rate.parse(SENDER_RATES[1])]
    over = False
    for who in senders:
        for rate in rates:
            over |= hit(group=SENDER_LIMIT_GROUP, who=who, rate=rate)[0]
    if over:
        return True
    kind = "person" if target.person is not None else "structure"
    recipient_rate = current_rate(RECIPIENT_LIMIT_GROUP, Rate.parse(RECIPIENT_RATE))
    return hit(group=RECIPIENT_LIMIT_GROUP, who=f"{kind}:{target.actor.pk}", rate=recipient_rate)[0]


def contact_message_send(
    *,
    person: Person | None = None,
    structure: Structure | None = None,
    sender_user: User | None,
    sender_name: str,
    sender_email: str,
    purpose: str,
    body: str,
    client_ip: str = "",
    enforce_limits: bool = True,
) -> ContactMessage:
    """Relay a message to a person (or to a structure's référents) without the sender's address.

    Refused (ValidationError) when the recipient accepts no message from this sender, when the
    message is empty or too long, the address invalid, or a rate limit is reached (code
    RATE_LIMITED). The row, the relayed emails and the sender's confirmation commit together.
    """
    if (person is None) == (structure is None):
        raise ValueError("a message goes to one person or one structure")
    # Read again here: the policy or the référents may have changed since the page was shown.
    if person is not None:
        target = person_target(Person.objects.select_related("user").get(pk=person.pk))
    else:
        target = structure_target(Structure.objects.get(pk=structure.pk))
    if not can_contact(sender_user or AnonymousUser(), target):
        raise ValidationError(_("Ce destinataire ne reçoit pas de messages par la plateforme."))
    if sender_user is not None:
        sender_email = sender_user.email  # a signed-in sender writes from their account's address
    sender_name = " ".join((sender_name or "").split())[:150]
    if not sender_name:
        raise ValidationError({"sender_name": _("Indiquez votre nom.")})
    sender_email = (sender_email or "").strip()
    try:
        validate_email(sender_email)
    except ValidationError:
        raise ValidationError({"sender_email": _("Saisissez une adresse électronique valide.")}) from None
    if purpose not in ContactPurpose.values:
        raise ValidationError({"purpose": _("Choisissez l'objet de votre message.")})
    body = _clean_text(body, field="body", empty=_("Écrivez votre message."))
    # enforce_limits=False only for the demo seeding, which is no visitor and may run often.
    if enforce_limits and _over_limits(
        target=target, sender_user=sender_user, sender_email=sender_email, client_ip=client_ip
    ):
        raise ValidationError(
            _(
                "Vous avez envoyé beaucoup de messages en peu de temps, ou ce destinataire en a reçu "
                "beaucoup aujourd'hui : votre message n'est pas envoyé. Réessayez plus tard ; votre "
                "texte est conservé ci-dessous."
            ),
            code=RATE_LIMITED,
        )
    raw, token_hash = tokens.new_token()
    with transaction.atomic():
        message = ContactMessage.objects.create(
            person=target.person,
            structure=target.structure,
            sender_user=sender_user,
            sender_name=sender_name,
            sender_email=sender_email,
            purpose=purpose,
            body=body,
            token_hash=token_hash,
        )
        context = {
            "recipient_name": recipient_title(message),
            "is_structure": target.structure is not None,
            "sender_name": sender_name,
            "purpose": ContactPurpose(purpose).label,
            "body": body,
            "reply_url": _absolute("directory:contact_reply", raw),
            "abuse_url": _absolute("directory:contact_abuse", raw),
            "preferences_url": _absolute("directory:contact_preferences"),
            "retention_days": settings.RETENTION_CONTACT_MESSAGE_DAYS,
        }
        # One email per address: the référents of a structure never see each other's addresses.
        for address in target.recipients:
            send_templated_email(to=address, template="directory/emails/contact_relayed", context=context)
        # The confirmation names the recipient and nothing the sender typed: a stranger's address
        # typed here receives no text chosen by the sender.
        send_templated_email(
            to=sender_email,
            template="directory/emails/contact_confirmation",
            context={
                "recipient_name": recipient_title(message),
                "retention_days": settings.RETENTION_CONTACT_MESSAGE_DAYS,
            },
        )
    return message


def _reply_address(message: ContactMessage, target: ContactTarget, by) -> str:
    """The address the answer comes from: the person's; for a structure, the référent answering
    (when signed in as one), else its first référent or its own address."""
    if target.structure is not None and by is not None and by.is_authenticated:
        if is_structure_referent(by, target.structure):
            return by.email
    return target.recipients[0] if target.recipients else ""


def contact_message_reply(*, message: ContactMessage, body: str, by=None) -> ContactMessage:
    """Answer a relayed message (once): the sender gets the answer with Reply-To the recipient's
    address, the recipient a copy with Reply-To the sender's — the addresses are exchanged now."""
    body = _clean_text(body, field="reply", empty=_("Écrivez votre réponse."))
    with transaction.atomic():
        message = (
            ContactMessage.objects.select_for_update(of=("self",))
            .select_related("person__user", "structure")
            .get(pk=message.pk)
        )
        if message.replied_at is not None:
            raise ValidationError(
                _(
                    "Vous avez déjà répondu à ce message : la plateforme ne relaie qu'une réponse. "
                    "Pour continuer l'échange, écrivez directement à l'adresse reçue avec votre réponse."
                )
            )
        target = message_target(message)
        replied_from = _reply_address(message, target, by)
        if not replied_from:
            raise ValidationError(
                _("Ce destinataire n'a plus d'adresse : la réponse ne peut pas être envoyée.")
            )
        message.reply = body
        message.replied_at = timezone.now()
        # Only the account whose address answers is the answer's author: whoever else opens a
        # forwarded link while signed in must not get the exchange in their export or erase it.
        answering = by is not None and by.is_authenticated and by.email.lower() == replied_from.lower()
        message.replied_by = by if answering else None
        message.replied_from = replied_from
        message.save(update_fields=["reply", "replied_at", "replied_by", "replied_from"])
        context = {
            "recipient_name": recipient_title(message),
            "sender_name": message.sender_name,
            "purpose": message.get_purpose_display(),
            "body": message.body,
            "reply": body,
        }
        send_templated_email(
            to=message.sender_email,
            template="directory/emails/contact_reply",
            context={**context, "reply_address": replied_from},
            reply_to=replied_from,
        )
        send_templated_email(
            to=replied_from,
            template="directory/emails/contact_reply_copy",
            context={**context, "sender_address": message.sender_email},
            reply_to=message.sender_email,
        )
    return message


def contact_message_report_abuse(*, message: ContactMessage, reason: str) -> ContactMessage:
    """The recipient reports the message to the COPS team (once); the team is told by email."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Dites en quelques mots ce qui pose problème.")})
    if len(reason) > ABUSE_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("Le motif dépasse %(max)s caractères.")
                % {"max": f"{ABUSE_REASON_MAX_LENGTH:_}".replace("_", " ")}
            }
        )
    with transaction.atomic():
        message = ContactMessage.objects.select_for_update().get(pk=message.pk)
        if message.abuse_reported_at is not None:
            raise ValidationError(_("Ce message a déjà été signalé : l'équipe du COPS s'en occupe."))
        message.abuse_reported_at = timezone.now()
        message.abuse_reason = reason
        message.save(update_fields=["abuse_reported_at", "abuse_reason"])
        # Nothing personal in the alert: the team reads the report on its page, signed in.
        send_templated_email(
            to=settings.STAFF_EMAIL,
            template="directory/emails/contact_abuse_reported",
            context={"reports_url": _absolute("directory:abuse_reports")},
        )
    return message


def contact_abuse_handle(*, message: ContactMessage, by: User) -> ContactMessage:
    """The team marks a report as handled (idempotent: the first handling is kept)."""
    with transaction.atomic():
        message = ContactMessage.objects.select_for_update().get(pk=message.pk)
        if message.abuse_reported_at is None:
            raise ValidationError(_("Ce message n'a pas été signalé."))
        if message.abuse_handled_at is None:
            message.abuse_handled_at = timezone.now()
            message.abuse_handled_by = by
            message.save(update_fields=["abuse_handled_at", "abuse_handled_by"])
    return message


def contact_preferences_save(
    *, user: User, person_policy: str | None = None, structure_policies: dict[int, str] | None = None
) -> None:
    """Who may write to the user's person (blank: the default of their profiles) and to the
    structures they are an accepted référent of. The result cards carry the policy: reindexed."""
    allowed = set(ContactPolicy.values)
    structure_policies = structure_policies or {}
    with transaction.atomic():
        person = Person.objects.select_for_update().filter(user=user).first()
        if person_policy is not None:
            if person is None:
                raise ValidationError(_("Créez d'abord votre fiche dans l'annuaire."))
            if person_policy not in allowed | {""}:
                raise ValidationError({"person_policy": _("Choisissez une des options proposées.")})
            if person.accepts_messages != person_policy:
                Person.objects.filter(pk=person.pk).update(accepts_messages=person_policy)
                index_persons([person.pk])
        own = {structure.pk: structure for structure in referent_structures(user)}
        changed = []
        for structure_id, policy in structure_policies.items():
            if structure_id not in own:
                raise ValidationError(_("Vous n'êtes pas référent de cette structure."))
            if policy not in allowed:
                raise ValidationError(_("Choisissez une des options proposées."))
            if own[structure_id].accepts_messages != policy:
                Structure.objects.filter(pk=structure_id).update(accepts_messages=policy)
                changed.append(structure_id)
        if changed:
            index_structures(changed)
