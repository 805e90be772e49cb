"""Reads used by the views, the exports and the reports."""

import functools

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
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


def _columns(model, alias: str) -> tuple[list[str], str]:
    fields = model._meta.concrete_fields
    return [f.attname for f in fields], ", ".join(f'{alias}."{f.column}"' for f in fields)


@functools.cache
def _draft_statement() -> tuple[list[str], list[str], list[str], str]:
    """The draft, questionnaire and campaign columns and their one statement, built once per process
    (as the ORM would write it with select_related, whose compilation cost more than the query)."""
    response_names, response_columns = _columns(Response, "r")
    questionnaire_names, questionnaire_columns = _columns(Questionnaire, "q")
    campaign_names, campaign_columns = _columns(Campaign, "c")
    sql = (
        f"SELECT {response_columns}, {questionnaire_columns}, {campaign_columns} "
        f"FROM {Response._meta.db_table} r "
        f"JOIN {Questionnaire._meta.db_table} q ON q.id = r.questionnaire_id "
        f"JOIN {Campaign._meta.db_table} c ON c.id = q.campaign_id "
        "WHERE r.id = %s AND q.id = %s AND q.public_key = %s"
    )
    return response_names, questionnaire_names, campaign_names, sql


def draft_for_answering(*, response_id: int, questionnaire_id: int, public_key: str) -> Response | None:
    """A draft with its questionnaire and campaign (read afresh: their status and dates decide
    whether answers are accepted), if it belongs to the questionnaire of this public key."""
    response_names, questionnaire_names, campaign_names, sql = _draft_statement()
    with connection.cursor() as cursor:
        cursor.execute(sql, [response_id, questionnaire_id, public_key])
        row = cursor.fetchone()
    if row is None:
        return None
    split, end = len(response_names), len(response_names) + len(questionnaire_names)
    db = connection.alias
    response = Response.from_db(db, response_names, row[:split])
    questionnaire = Questionnaire.from_db(db, questionnaire_names, row[split:end])
    questionnaire.campaign = Campaign.from_db(db, campaign_names, row[end:])
    response.questionnaire = questionnaire
    return response


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


def results_fingerprint(campaign: Campaign) -> str:
    """What the public results of `campaign` depend on, read in one query (about 2 ms).

    The editions only (an event's satisfaction questionnaire is a campaign of its own, with no
    part in an edition's results).

    Changes whenever a submitted response of the campaign or of an earlier edition (the
    comparison column) is added, deleted or changed (PostgreSQL gives every written row a new
    `xmin`), whenever an answer is featured or no longer is, a report is published, or the
    campaign's own row changes (publication, title, dates). The answers of a submitted response
    are written with it and never change afterwards (tags aside, which no public page shows).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT
              (SELECT count(*) || ':' || coalesce(sum(r.id), 0) || ':' || coalesce(max(r.xmin::text::bigint), 0)
                 FROM barometer_response r
                WHERE r.questionnaire_id IN (SELECT q.id FROM barometer_questionnaire q
                    JOIN barometer_campaign c ON c.id = q.campaign_id
                    WHERE c.year <= %s AND c.event_id IS NULL)
                  AND r.status = %s),
              (SELECT count(*) || ':' || coalesce(sum(a.id), 0) || ':' || coalesce(max(a.xmin::text::bigint), 0)
                 FROM barometer_answer a WHERE a.featured),
              (SELECT count(*) || ':' || coalesce(max(p.xmin::text::bigint), 0)
                 FROM barometer_publishedreport p WHERE p.campaign_id = %s),
              (SELECT string_agg(c.id || ':' || c.xmin, ',' ORDER BY c.id)
                 FROM barometer_campaign c WHERE c.year <= %s AND c.event_id IS NULL)
            """,
            [campaign.year, ResponseStatus.SUBMITTED, campaign.pk, campaign.year],
        )
        return "|".join(str(part) for part in cursor.fetchone())


def uncertain_deliveries(campaign: Campaign) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(invitation__campaign=campaign, status=DeliveryStatus.UNCERTAIN)
        .select_related("invitation__questionnaire")
        .order_by("sent_at", "pk")
    )


def round_eligibility(campaign: Campaign, rounds: dict) -> dict[int, dict]:
    """Per scheduled round: who it can still reach and why the others cannot (one query).

    Mirrors the sending engine's rule: a person gets a round if they have not answered, not
    unsubscribed, not already had this round, and — for a reminder — were sent an earlier
    email before the reminder's date. Returns {number: {"eligible", "responded", "unsubscribed",
    "delivered", "invited_late", "never_invited", "total"}}.
    """
    if not rounds:
        return {}
    pending = Q(has_responded=False, unsubscribed_at__isnull=True)
    queryset = Invitation.objects.filter(campaign=campaign)
    aggregates = {
        "total": Count("pk"),
        "responded": Count("pk", filter=Q(has_responded=True)),
        "unsubscribed": Count("pk", filter=Q(has_responded=False, unsubscribed_at__isnull=False)),
    }
    reached = [DeliveryStatus.SENT, DeliveryStatus.UNCERTAIN]
    for number, sending_round in rounds.items():
        queryset = queryset.annotate(
            **{f"had_{number}": Exists(Delivery.objects.filter(invitation=OuterRef("pk"), round=number))}
        )
        if number == 0:
            aggregates["eligible_0"] = Count("pk", filter=pending & Q(had_0=False))
            aggregates["delivered_0"] = Count("pk", filter=pending & Q(had_0=True))
            continue
        earlier = Delivery.objects.filter(invitation=OuterRef("pk"), round__lt=number, status__in=reached)
        queryset = queryset.annotate(
            **{
                f"before_{number}": Exists(earlier.filter(sent_at__lt=sending_round.scheduled_at)),
                f"ever_{number}": Exists(earlier),
            }
        )
        had, before, ever = f"had_{number}", f"before_{number}", f"ever_{number}"
        aggregates[f"eligible_{number}"] = Count("pk", filter=pending & Q(**{had: False, before: True}))
        aggregates[f"delivered_{number}"] = Count("pk", filter=pending & Q(**{had: True}))
        aggregates[f"late_{number}"] = Count(
            "pk", filter=pending & Q(**{had: False, before: False, ever: True})
        )
        aggregates[f"never_{number}"] = Count("pk", filter=pending & Q(**{had: False, ever: False}))
    found = queryset.aggregate(**aggregates)
    return {
        number: {
            "total": found["total"],
            "responded": found["responded"],
            "unsubscribed": found["unsubscribed"],
            "eligible": found[f"eligible_{number}"],
            "delivered": found[f"delivered_{number}"],
            "invited_late": found.get(f"late_{number}", 0),
            "never_invited": found.get(f"never_{number}", 0),
        }
        for number in rounds
    }


def first_invitation_sent_at(campaign: Campaign):
    """When the first invitation email left (None if none did)."""
    return (
        Delivery.objects.filter(
            invitation__campaign=campaign,
            round=0,
            status__in=[DeliveryStatus.SENT, DeliveryStatus.UNCERTAIN],
        )
        .order_by("sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )


def round_reason(number: int, found: dict, first_sent) -> str:
    """Why a due round can reach nobody, in words computed from `round_eligibility`'s figures."""
    from django.utils import formats
    from django.utils import timezone as tz
    from django.utils.translation import ngettext

    if found["eligible"]:
        return ""
    if not found["total"]:
        return _("Aucune invitation importée : importez d'abord la liste des personnes à inviter.")
    parts = []
    if found["responded"]:
        parts.append(
            ngettext("%(n)s personne a déjà répondu", "%(n)s personnes ont déjà répondu", found["responded"])
            % {"n": found["responded"]}
        )
    if found["unsubscribed"]:
        parts.append(
            ngettext("%(n)s s'est désinscrite", "%(n)s se sont désinscrites", found["unsubscribed"])
            % {"n": found["unsubscribed"]}
        )
    if found["delivered"]:
        parts.append(
            ngettext("%(n)s l'a déjà reçu", "%(n)s l'ont déjà reçu", found["delivered"])
            % {"n": found["delivered"]}
        )
    if found["invited_late"]:
        when = formats.date_format(tz.localtime(first_sent), "j F Y à H:i") if first_sent is not None else "?"
        parts.append(
            ngettext(
                "%(n)s n'a pas reçu l'invitation avant cette relance : l'invitation est partie le %(date)s, "
                "après la date de cette relance",
                "%(n)s n'ont pas reçu l'invitation avant cette relance : l'invitation est partie le %(date)s, "
                "après la date de cette relance",
                found["invited_late"],
            )
            % {"n": found["invited_late"], "date": when}
        )
    if found["never_invited"] and number > 0:
        parts.append(
            ngettext(
                "%(n)s n'a jamais reçu l'invitation",
                "%(n)s n'ont jamais reçu l'invitation",
                found["never_invited"],
            )
            % {"n": found["never_invited"]}
        )
    everyone_done = found["delivered"] and not (found["invited_late"] or found["never_invited"])
    lead = _("Envoi terminé") if everyone_done else _("Personne ne peut recevoir cet envoi")
    return f"{lead} : {' ; '.join(parts)}."
