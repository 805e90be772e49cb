"""Reads used by the views, the exports and the reports."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from barometer.enums import CampaignStatus, DeliveryStatus, QuestionType, ResponseStatus
from barometer.logic import OTHER
from barometer.models import Answer, Campaign, Choice, Delivery, Invitation, Question, Questionnaire, Response

_frozen_questions: dict[int, list[Question]] = {}


def questions_for(questionnaire: Questionnaire) -> list[Question]:
    """The questions in display order, with their choices (one query each).

    Once a campaign has left its draft state its questions can no longer change, so they are
    kept in memory: every answered page would otherwise load them again.
    """
    cached = _frozen_questions.get(questionnaire.pk)
    if cached is not None:
        return cached
    questions = list(
        questionnaire.questions.select_related("section")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("position", "pk")))
        .order_by("section__position", "section_id", "position", "pk")
    )
    if questionnaire.campaign.status != CampaignStatus.DRAFT:
        if len(_frozen_questions) > 100:
            _frozen_questions.clear()
        _frozen_questions[questionnaire.pk] = questions
    return questions


def display_value(question: Question, answer: Answer | None) -> str:
    if answer is None:
        return ""
    if question.has_choices:
        labels = {c.value: c.label for c in question.choices.all()}
        parts = []
        for value in answer.choices:
            if value == OTHER:
                parts.append(_("Autre : %(text)s") % {"text": answer.text})
            else:
                parts.append(labels.get(value, value))
        return " ; ".join(parts)
    if question.type == QuestionType.NUMBER and answer.number is not None:
        return number_format(answer.number.normalize(), use_l10n=True)
    return answer.text


def response_summary(response: Response, sections) -> list[dict]:
    questions = questions_for(response.questionnaire)
    answers = {a.question_id: a for a in response.answers.all()}
    summary = []
    for number, section in enumerate(sections, start=1):
        rows = [
            {"question": q, "value": display_value(q, answers.get(q.pk))}
            for q in questions
            if q.section_id == section.pk and q.pk in answers
        ]
        summary.append({"number": number, "section": section, "rows": rows})
    return summary


def campaigns_with_counts() -> QuerySet[Campaign]:
    return Campaign.objects.annotate(
        submitted=Count(
            "questionnaires__responses",
            filter=Q(questionnaires__responses__status=ResponseStatus.SUBMITTED),
            distinct=True,
        ),
        invited=Count("invitations", distinct=True),
        invited_responded=Count("invitations", filter=Q(invitations__has_responded=True), distinct=True),
    ).order_by("-year")


def current_campaign() -> Campaign | None:
    """The campaign to feature publicly: the open one, else the last published one."""
    return (
        Campaign.objects.filter(status=CampaignStatus.OPEN).order_by("-year").first()
        or Campaign.objects.filter(status=CampaignStatus.PUBLISHED).order_by("-year").first()
    )


def published_campaigns() -> QuerySet[Campaign]:
    return Campaign.objects.filter(status=CampaignStatus.PUBLISHED).order_by("-year")


def delivery_counts(campaign: Campaign) -> dict[int, dict[str, int]]:
    """Per round: how many in each status (sent, uncertain, in progress, skipped, failed)."""
    rows = (
        Delivery.objects.filter(invitation__campaign=campaign)
        .values("round", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["round"], {s.value: 0 for s in DeliveryStatus})[row["status"]] = row["n"]
    return counts


def failed_deliveries(campaign: Campaign) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(invitation__campaign=campaign, status=DeliveryStatus.FAILED)
        .select_related("invitation__questionnaire")
        .order_by("round", "invitation__email")
    )


def invitations_for(campaign: Campaign) -> QuerySet[Invitation]:
    return Invitation.objects.filter(campaign=campaign).select_related("questionnaire").order_by("email")


def questionnaires_with_counts(campaign: Campaign) -> list[Questionnaire]:
    return list(
        campaign.questionnaires.annotate(
            submitted=Count("responses", filter=Q(responses__status=ResponseStatus.SUBMITTED), distinct=True),
            drafts=Count("responses", filter=Q(responses__status=ResponseStatus.DRAFT), distinct=True),
            invited=Count("invitations", distinct=True),
            invited_responded=Count("invitations", filter=Q(invitations__has_responded=True), distinct=True),
            question_count=Count("questions", distinct=True),
        ).order_by("position")
    )


def invitation_stats(campaign: Campaign) -> dict[str, int]:
    return Invitation.objects.filter(campaign=campaign).aggregate(
        total=Count("pk"),
        responded=Count("pk", filter=Q(has_responded=True)),
        unsubscribed=Count("pk", filter=Q(unsubscribed_at__isnull=False)),
    )


def invitations_with_rounds(campaign: Campaign) -> QuerySet[Invitation]:
    return invitations_for(campaign).prefetch_related(
        Prefetch("deliveries", queryset=Delivery.objects.order_by("round"))
    )


def free_texts(
    questionnaire: Questionnaire, *, query: str = "", tag: str = "", featured: bool = False
) -> QuerySet[Answer]:
    """Free-text answers (text questions and "Autre, précisez") of submitted responses."""
    queryset = (
        Answer.objects.filter(
            response__questionnaire=questionnaire, response__status=ResponseStatus.SUBMITTED
        )
        .exclude(text="")
        .exclude(question__type=QuestionType.EMAIL)
        .select_related("question")
        .order_by("question__section__position", "question__position", "pk")
    )
    if query:
        queryset = queryset.filter(text__unaccent__icontains=query)
    if tag:
        queryset = queryset.filter(tags__contains=[tag])
    if featured:
        queryset = queryset.filter(featured=True)
    return queryset


def featured_quotes(campaign: Campaign) -> QuerySet[Answer]:
    return (
        Answer.objects.filter(
            response__questionnaire__campaign=campaign,
            response__status=ResponseStatus.SUBMITTED,
            featured=True,
        )
        .select_related("question", "response__questionnaire")
        .order_by("response__questionnaire__position", "question__position", "pk")
    )
