"""Writes about the committees: mandates and binômes, the CoPart's validation, meetings.

The meeting invitations' task lives here, beside its service (as pretix's); actors.tasks imports
it, and this module never imports actors.tasks.
"""

from __future__ import annotations

import importlib
import logging
from datetime import date, datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actors.charter_enums import (
    Attendance,
    CommitteeKind,
    DecisionFollowUp,
    EventKind,
    MeetingResponse,
    MeetingStatus,
)
from actors.enums import ModerationStatus, Side
from actors.events.ics import meeting_ics
from actors.events.services import send_claimed_once
from actors.models import (
    Binome,
    Committee,
    CompositionValidation,
    Decision,
    Mandate,
    Meeting,
    MeetingParticipant,
    Person,
    Structure,
    User,
)
from actors.selectors.committees import committee_invitees
from cops.mail import send_templated_email
from cops.tokens import new_token

logger = logging.getLogger(__name__)

END_BEFORE_START = gettext_lazy("La date de fin du mandat ne peut pas précéder sa date de début.")


# --- Mandates and binômes ----------------------------------------------------------------------------------


def _check_dates(start_date: date, end_date: date | None) -> None:
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": END_BEFORE_START})


def _check_person(person: Person) -> None:
    if person.status == ModerationStatus.ARCHIVED:
        raise ValidationError(_("La fiche de %(name)s est archivée dans l'annuaire.") % {"name": person})


def _overlapping(committee: Committee, person: Person, start_date: date, end_date: date | None, exclude=None):
    mandates = committee.mandates.filter(person=person).exclude(pk=getattr(exclude, "pk", None))
    mandates = mandates.filter(start_date__lte=end_date) if end_date else mandates
    return mandates.exclude(end_date__lt=start_date).first()


def mandate_create(
    *,
    committee: Committee,
    by: User,
    start_date: date,
    end_date: date | None,
    person: Person | None = None,
    structure: Structure | None = None,
    side: str = "",
    role: str = "",
) -> Mandate:
    """Give a person (or an invited structure) a seat on a committee for a period."""
    if committee.kind == CommitteeKind.COPART:
        raise ValidationError(
            _("Le Comité des Partenaires n'a pas de mandats : ses membres sont les signataires de la charte.")
        )
    if (person is None) == (structure is None):
        raise ValidationError(_("Choisissez une personne ou une structure invitée."))
    _check_dates(start_date, end_date)
    if person is not None:
        _check_person(person)
        if committee.uses_binomes:
            raise ValidationError(
                _("Au Comité de Pilotage, les personnes siègent en binôme : ajoutez un binôme.")
            )
        overlap = _overlapping(committee, person, start_date, end_date)
        if overlap is not None:
            raise ValidationError(
                _("%(name)s a déjà un mandat au %(committee)s sur cette période.")
                % {"name": person, "committee": committee.short_name}
            )
    with transaction.atomic():
        return Mandate.objects.create(
            committee=committee,
            person=person,
            structure=structure,
            side=side if person is not None else "",
            role=role.strip(),
            start_date=start_date,
            end_date=end_date,
            created_by=by,
        )


def binome_create(
    *,
    committee: Committee,
    professional: Person,
    partner: Person,
    start_date: date,
    end_date: date | None,
    by: User,
    professional_role: str = "",
    partner_role: str = "",
) -> Binome:
    """Seat a binôme (a professional and a patient / caregiver) with two mandates of the same period."""
    if not committee.uses_binomes:
        raise ValidationError(_("Seul le Comité de Pilotage est composé de binômes."))
    if professional.pk == partner.pk:
        raise ValidationError(_("Un binôme réunit deux personnes différentes."))
    _check_dates(start_date, end_date)
    for person in (professional, partner):
        _check_person(person)
        if _overlapping(committee, person, start_date, end_date) is not None:
            raise ValidationError(
                _("%(name)s a déjà un mandat au %(committee)s sur cette période.")
                % {"name": person, "committee": committee.short_name}
            )
    with transaction.atomic():
        binome = Binome.objects.create(committee=committee)
        for person, side, role in (
            (professional, Side.PROFESSIONAL, professional_role),
            (partner, Side.USER, partner_role),
        ):
            Mandate.objects.create(
                committee=committee,
                person=person,
                side=side,
                role=role.strip(),
                binome=binome,
                start_date=start_date,
                end_date=end_date,
                created_by=by,
            )
    return binome


def mandate_update(
    *, mandate: Mandate, start_date: date, end_date: date | None, role: str, by: User
) -> Mandate:
    """Change a mandate's dates or role (e.g. end it early)."""
    _check_dates(start_date, end_date)
    if mandate.person_id and _overlapping(mandate.committee, mandate.person, start_date, end_date, mandate):
        raise ValidationError(
            _("%(name)s a déjà un autre mandat au %(committee)s sur cette période.")
            % {"name": mandate.person, "committee": mandate.committee.short_name}
        )
    with transaction.atomic():
        mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
        mandate.start_date, mandate.end_date, mandate.role = start_date, end_date, role.strip()
        mandate.save(update_fields=["start_date", "end_date", "role"])
    return mandate


def composition_validate(
    *,
    committee: Committee,
    meeting: Meeting,
    validated_on: date,
    mandates: list[Mandate],
    note: str,
    by: User,
) -> CompositionValidation:
    """Record that a CoPart meeting validated these mandates of the CoPil (date + meeting)."""
    if meeting.committee.kind != CommitteeKind.COPART:
        raise ValidationError(
            {"meeting": _("La composition du CoPil est validée par une réunion du Comité des Partenaires.")}
        )
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({"meeting": _("Cette réunion a été annulée.")})
    if not mandates:
        raise ValidationError({"mandates": _("Choisissez au moins un mandat à valider.")})
    with transaction.atomic():
        locked = list(Mandate.objects.select_for_update().filter(pk__in=[m.pk for m in mandates]))
        wrong = [m for m in locked if m.committee_id != committee.pk]
        if wrong:
            raise ValidationError({"mandates": _("Ces mandats n'appartiennent pas à cette instance.")})
        done = [m for m in locked if m.validation_id is not None]
        if done:
            raise ValidationError(
                {"mandates": _("Le mandat de %(name)s est déjà validé.") % {"name": done[0].holder}}
            )
        validation = CompositionValidation.objects.create(
            committee=committee, meeting=meeting, validated_on=validated_on, note=note.strip(), recorded_by=by
        )
        Mandate.objects.filter(pk__in=[m.pk for m in locked]).update(validation=validation)
    return validation


# --- Meetings ------------------------------------------------------------------------------------------------


def _check_meeting(starts_at: datetime, ends_at: datetime, location: str, visio_url: str) -> None:
    errors = {}
    if ends_at <= starts_at:
        errors["ends_at"] = _("La fin de la réunion doit être postérieure à son début.")
    if not location.strip() and not visio_url.strip():
        errors["location"] = _("Indiquez un lieu ou un lien de visioconférence.")
    if errors:
        raise ValidationError(errors)


def meeting_create(
    *,
    committee: Committee,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    visio_url: str,
    agenda: str,
    by: User,
) -> Meeting:
    _check_meeting(starts_at, ends_at, location, visio_url)
    with transaction.atomic():
        return Meeting.objects.create(
            committee=committee,
            title=title.strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            location=location.strip(),
            visio_url=visio_url.strip(),
            agenda=agenda.strip(),
            created_by=by,
        )


def meeting_update(
    *,
    meeting: Meeting,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    visio_url: str,
    agenda: str,
    by: User,
    notify: bool = False,
) -> Meeting:
    """Edit a meeting; with `notify`, participants get the updated invitation (same event, next SEQUENCE)."""
    _check_meeting(starts_at, ends_at, location, visio_url)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if starts_at != meeting.starts_at:
            # A new date: the reminder is due again before it (the answers stay).
            meeting.participants.update(reminder_sent_at=None)
        meeting.title, meeting.starts_at, meeting.ends_at = title.strip(), starts_at, ends_at
        meeting.location, meeting.visio_url, meeting.agenda = (
            location.strip(),
            visio_url.strip(),
            agenda.strip(),
        )
        meeting.sequence += 1
        meeting.save()
        if notify:
            meeting.participants.update(invitation_sent_at=None)
            send_meeting_invitations.enqueue(meeting_id=meeting.pk)
    return meeting


def meeting_cancel(*, meeting: Meeting, by: User) -> Meeting:
    """Cancel a meeting; the participants already invited get the cancellation for their agenda."""
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.status == MeetingStatus.CANCELLED:
            raise ValidationError(_("Cette réunion est déjà annulée."))
        if meeting.status == MeetingStatus.HELD:
            raise ValidationError(_("Cette réunion a déjà eu lieu : elle ne peut plus être annulée."))
        meeting.status = MeetingStatus.CANCELLED
        meeting.sequence += 1
        meeting.save(update_fields=["status", "sequence", "updated_at"])
        invited = list(
            meeting.participants.filter(invitation_sent_at__isnull=False).values_list("pk", flat=True)
        )
        # Those never invited have nothing to cancel; the others get the cancellation for their agenda.
        meeting.participants.exclude(pk__in=invited).update(invitation_sent_at=timezone.now())
        if meeting.ends_at > timezone.now() and invited:
            meeting.participants.filter(pk__in=invited).update(invitation_sent_at=None)
            send_meeting_invitations.enqueue(meeting_id=meeting.pk)
    return meeting


def meeting_invite_members(*, meeting: Meeting, by: User) -> int:
    """Add the committee's members as participants and send their invitations (after commit).

    Members already invited are not invited again. Returns the number of new participants.
    """
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("Cette réunion est annulée : on ne peut plus y inviter."))
    if meeting.ends_at <= timezone.now():
        raise ValidationError(_("Cette réunion est passée : les invitations ne sont plus envoyées."))
    invitees = committee_invitees(meeting.committee, timezone.localtime(meeting.starts_at).date())
    with transaction.atomic():
        known = set(meeting.participants.values_list("email", flat=True))
        new = [
            MeetingParticipant(
                meeting=meeting,
                email=invitee.email,
                name=invitee.name,
                user_id=invitee.user_id,
                person_id=invitee.person_id,
            )
            for invitee in invitees
            if invitee.email not in known
        ]
        MeetingParticipant.objects.bulk_create(new, ignore_conflicts=True)
        send_meeting_invitations.enqueue(meeting_id=meeting.pk)
    return len(new)


def meeting_participant_add(*, meeting: Meeting, name: str, email: str, by: User) -> MeetingParticipant:
    """Invite one more person by address (an expert, a guest structure…); their invitation is sent."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("Cette réunion est annulée : on ne peut plus y inviter."))
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email, is_active=True).select_related("person").first()
    person = getattr(user, "person", None) if user else None
    try:
        with transaction.atomic():
            participant = MeetingParticipant.objects.create(
                meeting=meeting,
                email=email,
                name=name.strip() or (str(person) if person else email),
                user=user,
                person=person,
            )
            if meeting.ends_at > timezone.now():
                send_meeting_invitations.enqueue(meeting_id=meeting.pk)
            else:
                # A past meeting: the person is added to record their attendance, not invited.
                participant.invitation_sent_at = timezone.now()
                participant.save(update_fields=["invitation_sent_at"])
    except IntegrityError:
        raise ValidationError({"email": _("Cette adresse figure déjà parmi les participants.")}) from None
    return participant


def meeting_invitation_send_next(*, meeting_id: int) -> bool:
    """Claim one participant not yet invited and write their invitation (with .ics) to the outbox.

    Same exactly-once scheme as the charter renewals: row lock + `invitation_sent_at` set in the
    transaction that writes the outbox row.
    """
    with transaction.atomic():
        participant = (
            MeetingParticipant.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("meeting__committee")
            .filter(meeting_id=meeting_id, meeting__kind=EventKind.COMMITTEE, invitation_sent_at__isnull=True)
            .order_by("pk")
            .first()
        )
        if participant is None:
            return False
        meeting = participant.meeting
        is_cancelled = meeting.status == MeetingStatus.CANCELLED
        method = "CANCEL" if is_cancelled else "REQUEST"
        # A fresh secret per email (only its hash is kept): the answer given before stays.
        answer_links = [] if is_cancelled else _answer_links(participant)
        send_templated_email(
            to=participant.email,
            template="committees/emails/invitation",
            context={
                "participant": participant,
                "meeting": meeting,
                "committee": meeting.committee,
                "is_update": meeting.sequence > 0,
                "is_cancelled": is_cancelled,
                "answer_links": answer_links,
                "meeting_url": settings.SITE_URL + reverse("charter:meeting_detail", args=[meeting.pk]),
            },
            attachments=[
                ("invitation.ics", meeting_ics(meeting, method=method), f"text/calendar; method={method}")
            ],
        )
        participant.invitation_sent_at = timezone.now()
        participant.save(update_fields=["invitation_sent_at", "response_token_hash"])
    return True


ANSWERS = (MeetingResponse.COMING, MeetingResponse.EXCUSED, MeetingResponse.NOT_COMING)


def _answer_links(participant: MeetingParticipant) -> list[tuple[str, str]]:
    """Give the participant a new answer secret (its hash on the row, saved by the caller in the
    transaction that writes the email) and return the (label, URL) of the three answers."""
    raw, participant.response_token_hash = new_token()
    base = settings.SITE_URL + reverse("charter:meeting_answer", args=[raw])
    return [(str(answer.label), f"{base}?reponse={answer.value}") for answer in ANSWERS]


def meeting_invitations_send(*, meeting_id: int) -> int:
    sent = 0
    while meeting_invitation_send_next(meeting_id=meeting_id):
        sent += 1
    if sent:
        logger.info("Meeting %s: %s invitation(s) sent", meeting_id, sent)
    return sent


@shared_task(name="actors.send_meeting_invitations")
def send_meeting_invitations(*, meeting_id: int) -> int:
    """Task: email the meeting's invitation (.ics attached) to each participant not yet invited.
    Left unsent (broker down, lost task): the sweep actors.send_pending_committee_mail sends them."""
    return meeting_invitations_send(meeting_id=meeting_id)


def meetings_with_pending_invitations() -> list[int]:
    return list(
        MeetingParticipant.objects.filter(
            invitation_sent_at__isnull=True,
            meeting__ends_at__gt=timezone.now(),
            # Registrations to events are not invitations: their emails are actors.events'.
            meeting__kind=EventKind.COMMITTEE,
        )
        .values_list("meeting_id", flat=True)
        .distinct()
        .order_by("meeting_id")
    )


def meeting_record_attendance(*, meeting: Meeting, attendance: dict[int, str], by: User) -> Meeting:
    """Record who was present, excused or absent; a meeting with attendance recorded has been held."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("Cette réunion a été annulée : aucune présence à enregistrer."))
    if meeting.starts_at > timezone.now():
        raise ValidationError(
            _("La réunion n'a pas encore eu lieu (%(date)s) : les présences s'enregistrent après.")
            % {"date": formats.date_format(timezone.localtime(meeting.starts_at), "j F Y à H:i")}
        )
    valid = set(Attendance.values)
    if any(value not in valid for value in attendance.values()):
        raise ValidationError(_("Une des présences indiquées n'est pas reconnue."))
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        participants = {p.pk: p for p in meeting.participants.filter(pk__in=list(attendance))}
        if len(participants) != len(attendance):
            raise ValidationError(_("Une des personnes indiquées ne participe pas à cette réunion."))
        for pk, value in attendance.items():
            participants[pk].attendance = value
        MeetingParticipant.objects.bulk_update(participants.values(), ["attendance"])
        if meeting.status == MeetingStatus.PLANNED:
            meeting.status = MeetingStatus.HELD
            meeting.save(update_fields=["status", "updated_at"])
    return meeting


def meeting_record_minutes(
    *,
    meeting: Meeting,
    minutes: str,
    decisions: list[str],
    by: User,
    public_minutes: str | None = None,
    approved: bool | None = None,
) -> Meeting:
    """Write the minutes, their public part and the list of decisions (replacing the previous list:
    a decision kept word for word keeps its follow-up); `approved` sets or clears the approval.
    `public_minutes` / `approved` left to None are not changed."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("Cette réunion a été annulée : elle n'a pas de compte rendu."))
    if meeting.starts_at > timezone.now():
        raise ValidationError(_("La réunion n'a pas encore eu lieu : le compte rendu s'écrit après."))
    decisions = [text.strip() for text in decisions if text.strip()]
    if approved and not minutes.strip():
        raise ValidationError({"minutes": _("Rédigez le compte rendu avant de l'approuver.")})
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        meeting.minutes = minutes.strip()
        if public_minutes is not None:
            meeting.public_minutes = public_minutes.strip()
        if approved is not None:
            if not approved:
                meeting.minutes_approved_at = None
            elif meeting.minutes_approved_at is None:
                meeting.minutes_approved_at = timezone.now()
        if meeting.status == MeetingStatus.PLANNED:
            meeting.status = MeetingStatus.HELD
        meeting.save(
            update_fields=["minutes", "public_minutes", "minutes_approved_at", "status", "updated_at"]
        )
        previous: dict[str, list[Decision]] = {}
        for decision in meeting.decisions.order_by("position", "pk"):
            previous.setdefault(decision.text, []).append(decision)
        kept, new = [], []
        for position, text in enumerate(decisions, start=1):
            same = previous.get(text)
            if same:
                decision = same.pop(0)
                decision.position = position
                kept.append(decision)
            else:
                new.append(Decision(meeting=meeting, position=position, text=text))
        meeting.decisions.exclude(pk__in=[d.pk for d in kept]).delete()
        Decision.objects.bulk_update(kept, ["position"])
        Decision.objects.bulk_create(new)
    return meeting


def decision_follow_up_update(*, decision: Decision, follow_up: str, note: str, by: User) -> Decision:
    """Say where a decision stands (the public register shows it)."""
    if follow_up not in DecisionFollowUp.values:
        raise ValidationError({"follow_up": _("Cet état de suivi n'est pas reconnu.")})
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        decision.follow_up, decision.follow_up_note = follow_up, note.strip()
        decision.follow_up_updated_at = timezone.now()
        decision.save(update_fields=["follow_up", "follow_up_note", "follow_up_updated_at"])
    return decision


# --- Answers to the invitations, reminders ---------------------------------------------------------------


def _check_open_for_answers(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("Cette réunion est annulée : il n'y a plus de réponse à donner."))
    if meeting.starts_at <= timezone.now():
        raise ValidationError(_("Cette réunion a déjà commencé : les réponses sont closes."))


def meeting_respond(
    *, participant: MeetingParticipant, response: str, by: User | None = None
) -> MeetingParticipant:
    """Record a participant's answer (« je viens », « excusé·e », « je ne viens pas »), until the meeting begins."""
    if response not in {answer.value for answer in ANSWERS}:
        raise ValidationError(
            {"response": _("Choisissez « Je viens », « Je suis excusé·e » ou « Je ne viens pas ».")}
        )
    with transaction.atomic():
        participant = (
            MeetingParticipant.objects.select_for_update(of=("self",))
            .select_related("meeting__committee")
            .get(pk=participant.pk)
        )
        _check_open_for_answers(participant.meeting)
        participant.response, participant.responded_at = response, timezone.now()
        participant.save(update_fields=["response", "responded_at"])
    return participant


def meeting_member_respond(*, meeting: Meeting, user: User, response: str) -> MeetingParticipant:
    """A member answers from their pages: their participant row, created if the invitations did not
    reach them (a member since, or a CoPart signatory who signed after), then their answer."""
    _check_open_for_answers(meeting)
    if response not in {answer.value for answer in ANSWERS}:
        raise ValidationError(
            {"response": _("Choisissez « Je viens », « Je suis excusé·e » ou « Je ne viens pas ».")}
        )
    with transaction.atomic():
        participant = (
            meeting.participants.select_for_update().filter(user=user).order_by("pk").first()
            or meeting.participants.select_for_update()
            .filter(email__iexact=user.email, user__isnull=True)
            .first()
        )
        if participant is None:
            person = getattr(user, "person", None)
            participant = MeetingParticipant.objects.create(
                meeting=meeting,
                user=user,
                person=person,
                email=user.email.lower(),
                name=str(person) if person else (user.get_full_name() or user.email),
                # Not emailed afterwards: they answered on the site, the page has the .ics.
                invitation_sent_at=timezone.now(),
            )
        elif participant.user_id is None:
            participant.user = user
            participant.save(update_fields=["user"])
        return meeting_respond(participant=participant, response=response, by=user)


def meeting_reminder_send_next(*, now: datetime | None = None) -> bool:
    """Claim one participant due a reminder and write it to the outbox; False when none is left.

    Due: the meeting (not cancelled) begins within MEETING_REMINDER_HOURS and has not begun; the
    participant was invited, comes or has not answered, and had no reminder. Exactly once, as the
    events' reminders (actors.events.services.send_claimed_once): row lock, and `reminder_sent_at`
    set in the transaction that writes the outbox row.
    """
    now = now or timezone.now()
    horizon = now + timedelta(hours=settings.MEETING_REMINDER_HOURS)
    rows = (
        MeetingParticipant.objects.select_related("meeting__committee")
        .filter(
            meeting__kind=EventKind.COMMITTEE,
            invitation_sent_at__isnull=False,
            response__in=[MeetingResponse.COMING, MeetingResponse.NONE],
            meeting__starts_at__gt=now,
            meeting__starts_at__lte=horizon,
        )
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .order_by("meeting__starts_at", "pk")
    )

    def send(participant: MeetingParticipant) -> list[str]:
        meeting = participant.meeting
        answer_links = []
        if participant.response == MeetingResponse.NONE:
            answer_links = _answer_links(participant)
        send_templated_email(
            to=participant.email,
            template="committees/emails/reminder",
            context={
                "participant": participant,
                "meeting": meeting,
                "committee": meeting.committee,
                "answer_links": answer_links,
                "meeting_url": settings.SITE_URL + reverse("charter:meeting_detail", args=[meeting.pk]),
            },
        )
        return ["response_token_hash"] if answer_links else []

    return send_claimed_once(rows, field="reminder_sent_at", send=send)


def meeting_reminders_send() -> int:
    sent = 0
    while meeting_reminder_send_next():
        sent += 1
    if sent:
        logger.info("%s meeting reminder(s) sent", sent)
    return sent


# --- Standard committees -----------------------------------------------------------------------------------


def committees_ensure_standard() -> None:
    """Create the CoPart, CoPil, CoTec and working groups if missing (also done by migration 0006)."""
    # The module's name starts with a digit: only importlib can import it.
    migration = importlib.import_module("actors.migrations.0006_charter_committees")
    for position, (kind, short_name, slug, name, per_year, description) in enumerate(migration.COMMITTEES):
        Committee.objects.get_or_create(
            slug=slug,
            defaults={
                "kind": kind,
                "short_name": short_name,
                "name": name,
                "meetings_per_year": per_year,
                "description": description,
                "position": position,
            },
        )
