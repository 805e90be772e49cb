"""Answering a questionnaire without an account: drafts saved page by page, one submission."""

import logging
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from barometer.enums import LINK_TOKEN_BYTES, WANTS_REPORT, WANTS_TO_JOIN, QuestionRole, ResponseStatus
from barometer.logic import Value, visible_ids
from barometer.models import Answer, Contact, Invitation, Question, Questionnaire, Response, Section
from barometer.selectors import questions_for
from cops.tokens import new_token

logger = logging.getLogger(__name__)


class AnsweringClosed(Exception):
    """The campaign does not accept answers (not open yet, or closed)."""


class AlreadySubmitted(Exception):
    pass


@dataclass
class IncompleteResponse(Exception):
    """A required answer is missing: `section` is the first page to complete."""

    section: Section
    questions: list[Question]


def _check_open(questionnaire: Questionnaire) -> None:
    if not questionnaire.campaign.is_accepting_answers:
        raise AnsweringClosed


def response_start(
    *, questionnaire: Questionnaire, client_key: uuid.UUID, invitation: Invitation | None = None
) -> Response:
    """The respondent's draft, created once: the same form key or the same invitation
    always gives back the same draft, however many times (or at once) it is posted."""
    _check_open(questionnaire)
    if invitation is not None:
        if invitation.has_responded:
            raise AlreadySubmitted
        existing = Response.objects.filter(invitation=invitation).first()
        if existing is not None:
            return existing
    today = timezone.localdate()
    try:
        with transaction.atomic():
            response, _created = Response.objects.get_or_create(
                client_key=client_key,
                defaults={
                    "questionnaire": questionnaire,
                    "invitation": invitation,
                    "consented_on": today,
                    "started_on": today,
                },
            )
    except IntegrityError:
        # Another request created this invitation's draft at the same moment.
        response = Response.objects.get(invitation=invitation)
    if response.questionnaire_id != questionnaire.pk:
        raise AnsweringClosed
    return response


def response_issue_resume_key(*, response: Response) -> str:
    """A fresh "resume later" link key for a draft started from a public link."""
    raw, digest = new_token(LINK_TOKEN_BYTES)
    Response.objects.filter(pk=response.pk, status=ResponseStatus.DRAFT).update(resume_key_hash=digest)
    return raw


# The statements of every answered page, written once: through the ORM their compilation alone
# cost more CPU than the rest of the request (a burst of respondents is CPU-bound).
_ANSWERS_SQL = "SELECT question_id, choices, text, number FROM barometer_answer WHERE response_id = %s"
_LOCK_SQL = "SELECT status FROM barometer_response WHERE id = %s FOR UPDATE"
_DELETE_SQL = "DELETE FROM barometer_answer WHERE response_id = %s AND question_id = ANY(%s)"
_UPSERT_SQL = (
    "INSERT INTO barometer_answer (response_id, question_id, choices, text, number, tags, featured) "
    "VALUES {rows} ON CONFLICT (response_id, question_id) "
    "DO UPDATE SET choices = EXCLUDED.choices, text = EXCLUDED.text, number = EXCLUDED.number"
)
_UPSERT_ROW = "(%s, %s, %s::varchar(64)[], %s, %s, '{}', false)"


def response_values(response: Response) -> dict[int, Value]:
    with connection.cursor() as cursor:
        cursor.execute(_ANSWERS_SQL, [response.pk])
        rows = cursor.fetchall()
    return {
        qid: Value(choices=tuple(choices), text=text, number=number) for qid, choices, text, number in rows
    }


@transaction.atomic
def response_save_page(
    *,
    response: Response,
    section: Section,
    values: dict[int, Value | None],
    questionnaire: Questionnaire | None = None,
    page_ids: set[int] | None = None,
) -> None:
    """Save one page: upsert what was answered, remove what was emptied or hidden.

    `questionnaire` (with its campaign) and `page_ids` may be given by a caller that has them.
    The draft's row stays locked until the commit: a submission waits for the page, or the page
    finds the draft submitted and saves nothing.
    """
    _check_open(questionnaire or response.questionnaire)
    if page_ids is None:
        page_ids = set(section.questions.values_list("pk", flat=True))
    to_save = {qid: v for qid, v in values.items() if qid in page_ids and v is not None and not v.is_empty}
    to_delete = page_ids - set(to_save)
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_SQL, [response.pk])
        row = cursor.fetchone()
        if row is None:
            raise Response.DoesNotExist
        if row[0] == ResponseStatus.SUBMITTED:
            raise AlreadySubmitted
        if to_delete:
            cursor.execute(_DELETE_SQL, [response.pk, sorted(to_delete)])
        if to_save:
            params = []
            for qid, value in sorted(to_save.items()):
                params += [response.pk, qid, list(value.choices), value.text, value.number]
            cursor.execute(_UPSERT_SQL.format(rows=", ".join([_UPSERT_ROW] * len(to_save))), params)


def missing_answers(
    questionnaire: Questionnaire, values: dict[int, Value], questions: list[Question] | None = None
) -> IncompleteResponse | None:
    """`questions`: the questionnaire's questions in display order, with their section (read here
    when not given)."""
    if questions is None:
        questions = questions_for(questionnaire)
    visible = visible_ids(questions, values)
    missing = [q for q in questions if q.required and q.pk in visible and values.get(q.pk, Value()).is_empty]
    if not missing:
        return None
    first_section = missing[0].section
    return IncompleteResponse(
        section=first_section, questions=[q for q in missing if q.section_id == first_section.pk]
    )


def response_submit(*, response_id: int) -> tuple[Response, bool]:
    """Submit a draft. Returns (response, submitted_now): a second or concurrent submission
    of the same draft returns submitted_now=False and changes nothing.

    In an anonymous campaign the link to the invitation is cut here and the address typed for
    the follow-ups moves to a Contact row that nothing joins to the response.
    """
    with transaction.atomic():
        response = (
            Response.objects.select_for_update(of=("self",))
            .select_related("questionnaire__campaign")
            .get(pk=response_id)
        )
        if response.status == ResponseStatus.SUBMITTED:
            return response, False
        questionnaire = response.questionnaire
        _check_open(questionnaire)
        answers = list(response.answers.select_related("question"))
        values = {a.question_id: Value.from_answer(a) for a in answers}
        # Fixed once the campaign is open: kept per process (one read, not two, per submission).
        questions = questions_for(questionnaire)
        problem = missing_answers(questionnaire, values, questions)
        if problem is not None:
            raise problem
        visible = visible_ids(questions, values)
        hidden = [a.pk for a in answers if a.question_id not in visible]
        if hidden:
            Answer.objects.filter(pk__in=hidden).delete()
        typed_email = _record_follow_ups(response, [a for a in answers if a.question_id in visible])
        campaign = questionnaire.campaign
        if response.invitation_id is not None:
            Invitation.objects.filter(pk=response.invitation_id).update(has_responded=True)
        elif typed_email:
            # Invited by email but answered through the public link: no more reminders. The
            # invitation only learns *that* this address answered, as with the personal link.
            Invitation.objects.filter(
                campaign=campaign, email__iexact=typed_email, has_responded=False
            ).update(has_responded=True)
        response.status = ResponseStatus.SUBMITTED
        response.submitted_on = timezone.localdate()
        response.resume_key_hash = None
        if campaign.anonymous:
            response.invitation = None
        response.save(update_fields=["status", "submitted_on", "resume_key_hash", "invitation"])
    return response, True


def _record_follow_ups(response: Response, answers: list[Answer]) -> str:
    """Record the follow-up wishes; returns the address the respondent typed ("" if none)."""
    by_role = {a.question.role: a for a in answers if a.question.role}
    follow_up = by_role.get(QuestionRole.FOLLOW_UP)
    email_answer = by_role.get(QuestionRole.CONTACT_EMAIL)
    wishes = set(follow_up.choices) if follow_up else set()
    wants_report, wants_to_join = WANTS_REPORT in wishes, WANTS_TO_JOIN in wishes
    email = typed = (email_answer.text.strip().lower() if email_answer else "") or ""
    campaign = response.questionnaire.campaign
    if not email and not campaign.anonymous and response.invitation_id:
        email = response.invitation.email
    if email and (wants_report or wants_to_join):
        Contact.objects.bulk_create(
            [Contact(campaign=campaign, public=response.questionnaire.public, email=email)],
            ignore_conflicts=True,
        )
        flags = {}
        if wants_report:
            flags["wants_report"] = True
        if wants_to_join:
            flags["wants_to_join"] = True
        Contact.objects.filter(campaign=campaign, email=email).update(**flags)
    if email_answer is not None and campaign.anonymous:
        # The address lives in the Contact row only: the anonymous response keeps no trace of it.
        email_answer.delete()
    return typed


@transaction.atomic
def answer_tag(*, answer: Answer, tags: list[str], featured: bool, by=None) -> Answer:
    """Staff qualify a free-text answer (frein, levier, besoin, impact) and may quote it."""
    answer.tags = sorted(set(tags))
    answer.featured = featured
    answer.save(update_fields=["tags", "featured"])
    return answer


@dataclass
class ImportedResponse:
    values: dict[int, Value]
    submitted_on: object  # date
    invitation: Invitation | None = None


@transaction.atomic
def responses_import(*, questionnaire: Questionnaire, entries: list[ImportedResponse], by=None) -> int:
    """Bulk-write already-collected, complete responses (a past edition, demo or benchmark data).

    Same rules as a submission: hidden answers dropped, follow-up addresses moved to Contact
    rows (and out of the responses in an anonymous campaign), invitations marked as responded.
    """
    campaign = questionnaire.campaign
    questions = list(questionnaire.questions.all())
    roles = {q.role: q.pk for q in questions if q.role}
    email_qid = roles.get(QuestionRole.CONTACT_EMAIL)
    follow_qid = roles.get(QuestionRole.FOLLOW_UP)
    responses = Response.objects.bulk_create(
        [
            Response(
                questionnaire=questionnaire,
                status=ResponseStatus.SUBMITTED,
                consented_on=entry.submitted_on,
                started_on=entry.submitted_on,
                submitted_on=entry.submitted_on,
                invitation=None if campaign.anonymous else entry.invitation,
            )
            for entry in entries
        ],
        batch_size=1000,
    )
    answers, contacts = [], {}
    for response, entry in zip(responses, entries, strict=True):
        visible = visible_ids(questions, entry.values)
        for qid, value in entry.values.items():
            if qid not in visible or value.is_empty:
                continue
            if qid == email_qid:
                wishes = set(entry.values.get(follow_qid, Value()).choices)
                email = value.text.strip().lower()
                flags = contacts.setdefault(email, [False, False])
                flags[0] |= WANTS_REPORT in wishes
                flags[1] |= WANTS_TO_JOIN in wishes
                if campaign.anonymous:
                    continue
            answers.append(
                Answer(
                    response=response,
                    question_id=qid,
                    choices=list(value.choices),
                    text=value.text,
                    number=value.number,
                )
            )
    Answer.objects.bulk_create(answers, batch_size=2000)
    for email, (wants_report, wants_to_join) in contacts.items():
        if not (wants_report or wants_to_join):
            continue
        Contact.objects.bulk_create(
            [Contact(campaign=campaign, public=questionnaire.public, email=email)], ignore_conflicts=True
        )
        flags = {k: True for k, v in (("wants_report", wants_report), ("wants_to_join", wants_to_join)) if v}
        Contact.objects.filter(campaign=campaign, email=email).update(**flags)
    invited = [entry.invitation.pk for entry in entries if entry.invitation is not None]
    if invited:
        Invitation.objects.filter(pk__in=invited).update(has_responded=True)
    return len(responses)
