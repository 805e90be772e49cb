"""Requests for support: submitted by a structure's référent, decided by the CoPil."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accompaniment.dates import day as _day
from accompaniment.enums import DecisionOutcome, RequestStatus
from accompaniment.models import RequestComplement, RequestDecision, SupportRequest
from accompaniment.services.notifications import notify_copil_request_waiting
from actors.charter_enums import CommitteeKind
from actors.models import Structure, User
from cops.mail import send_templated_email

OUTCOME_TO_STATUS = {
    DecisionOutcome.ACCEPTED: RequestStatus.ACCEPTED,
    DecisionOutcome.DECLINED: RequestStatus.DECLINED,
    DecisionOutcome.MORE_INFO: RequestStatus.MORE_INFO,
}


def _requester_emails(support_request: SupportRequest) -> list[str]:
    emails = []
    if support_request.requested_by_id and support_request.requested_by.is_active:
        emails.append(support_request.requested_by.email)
    if support_request.contact_email and support_request.contact_email.lower() not in emails:
        emails.append(support_request.contact_email.lower())
    return emails


def support_request_submit(
    *,
    structure: Structure,
    by: User,
    support_type: str,
    title: str,
    context: str,
    expected_outcome: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str = "",
) -> SupportRequest:
    """Record a structure's request; the requester gets an acknowledgement, the staff a notice."""
    with transaction.atomic():
        support_request = SupportRequest.objects.create(
            structure=structure,
            requested_by=by,
            support_type=support_type,
            title=title.strip(),
            context=context.strip(),
            expected_outcome=expected_outcome.strip(),
            contact_name=contact_name.strip(),
            contact_email=contact_email.strip().lower(),
            contact_phone=contact_phone.strip(),
            submitted_at=timezone.now(),
        )
        context_ = {"support_request": support_request, "structure": structure}
        send_templated_email(
            to=_requester_emails(support_request),
            template="accompaniment/emails/request_received",
            context=context_,
        )
        # The CoPil examines requests: each member is told, and the team's address keeps a copy.
        notify_copil_request_waiting(
            support_request=support_request, template="accompaniment/emails/request_new", context=context_
        )
    return support_request


def support_request_decide(
    *,
    support_request: SupportRequest,
    outcome: str,
    reason: str,
    decided_on: date,
    by: User,
    copil_meeting=None,
) -> RequestDecision:
    """Record the CoPil's decision and email it to the requester."""
    reason = reason.strip()
    errors = {}
    if outcome not in DecisionOutcome.values:
        errors["outcome"] = _("Choisissez une décision.")
    elif outcome != DecisionOutcome.ACCEPTED and not reason:
        errors["reason"] = (
            _("Indiquez le motif du refus : il sera transmis au demandeur.")
            if outcome == DecisionOutcome.DECLINED
            else _("Indiquez les informations attendues : elles seront transmises au demandeur.")
        )
    if decided_on > timezone.localdate():
        errors["decided_on"] = _("La date de la décision ne peut pas être dans le futur.")
    elif decided_on < timezone.localtime(support_request.submitted_at).date():
        errors["decided_on"] = _("La décision ne peut pas précéder le dépôt de la demande.")
    if copil_meeting is not None and copil_meeting.committee.kind != CommitteeKind.COPIL:
        errors["copil_meeting"] = _("Choisissez une réunion du CoPil.")
    elif copil_meeting is not None:
        meeting_day = timezone.localtime(copil_meeting.starts_at).date()
        if copil_meeting.starts_at > timezone.now():
            errors["copil_meeting"] = _(
                "Cette réunion du CoPil (%(date)s) n'a pas encore eu lieu : la décision se rattache à une réunion passée."
            ) % {"date": _day(meeting_day)}
        elif "decided_on" not in errors and decided_on < meeting_day:
            errors["decided_on"] = _(
                "La décision (%(decided)s) ne peut pas précéder la réunion du CoPil qui l'a prise (%(meeting)s)."
            ) % {"decided": _day(decided_on), "meeting": _day(meeting_day)}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = SupportRequest.objects.select_for_update().get(pk=support_request.pk)
        if not locked.is_open:
            raise ValidationError(
                _("Cette demande a déjà reçu une décision définitive (%(status)s).")
                % {"status": locked.get_status_display().lower()}
            )
        decision = RequestDecision.objects.create(
            request=locked,
            outcome=outcome,
            reason=reason,
            decided_on=decided_on,
            copil_meeting=copil_meeting,
            recorded_by=by,
        )
        locked.status = OUTCOME_TO_STATUS[outcome]
        locked.save(update_fields=["status", "updated_at"])
        support_request.status = locked.status
        recipients = _requester_emails(locked)
        if recipients:
            send_templated_email(
                to=recipients,
                template="accompaniment/emails/request_decision",
                context={
                    "support_request": locked,
                    "decision": decision,
                    "structure": locked.structure,
                    "contact_email": settings.STAFF_EMAIL,
                },
                reply_to=settings.STAFF_EMAIL,
            )
    return decision


def support_request_complete(*, support_request: SupportRequest, text: str, by: User) -> RequestComplement:
    """The requester answers a request for more information: the request goes back to the CoPil."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Écrivez les informations demandées par le CoPil.")})
    with transaction.atomic():
        locked = SupportRequest.objects.select_for_update().get(pk=support_request.pk)
        if locked.status != RequestStatus.MORE_INFO:
            raise ValidationError(_("Le CoPil n'attend pas de complément pour cette demande."))
        complement = RequestComplement.objects.create(request=locked, text=text, added_by=by)
        locked.status = RequestStatus.SUBMITTED
        locked.save(update_fields=["status", "updated_at"])
        support_request.status = locked.status
        notify_copil_request_waiting(
            support_request=locked,
            template="accompaniment/emails/request_completed",
            context={"support_request": locked, "complement": complement, "structure": locked.structure},
        )
    return complement
