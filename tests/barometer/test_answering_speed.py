"""Answering under a burst: each answered page reads what it needs once (the questionnaire's pages
and questions are kept per process once the campaign is open), and neither the consent nor a saved
page touches the home figures' token; only a submission does."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from barometer import selectors
from barometer.enums import CampaignStatus, ResponseStatus
from barometer.logic import Value
from barometer.models import Answer, Campaign, Response
from barometer.services import answering as services
from cops import figures
from tests.barometer.test_answering import start
from tests.factories.barometer import PAGE_ANSWERS, make_questionnaire

pytestmark = pytest.mark.django_db


def _post_page(client, questionnaire, number: int) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/barometre/q/{questionnaire.public_key}/page/{number}/",
            {**PAGE_ANSWERS[number], "action": "next"},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    return [query["sql"] for query in queries]


def test_an_answered_page_reads_a_fixed_number_of_statements(client, questionnaire):
    start(client, questionnaire)
    _post_page(client, questionnaire, 1)  # the first page read the pages and questions once

    second = _post_page(client, questionnaire, 2)  # two pages of answers saved before the third
    third = _post_page(client, questionnaire, 3)

    # Session, draft with its questionnaire and campaign, answers, then BEGIN, lock, upsert, COMMIT.
    assert len(second) == len(third) == 7
    assert not [
        sql
        for sql in second + third
        if 'FROM "barometer_section"' in sql or 'FROM "barometer_question"' in sql
    ]


def test_a_submission_reads_the_questions_from_what_is_kept(client, questionnaire):
    start(client, questionnaire)
    for number in sorted(PAGE_ANSWERS):
        _post_page(client, questionnaire, number)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/barometre/q/{questionnaire.public_key}/envoyer/")

    assert response.status_code == 302 and "/merci/" in response["Location"]
    assert not [q["sql"] for q in queries if 'FROM "barometer_question"' in q["sql"]]
    assert Response.objects.get().status == "submitted"


def test_only_the_submission_replaces_the_home_figures_token(
    client, questionnaire, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as at_consent:
        start(client, questionnaire)
        for number in sorted(PAGE_ANSWERS):
            _post_page(client, questionnaire, number)
    with django_capture_on_commit_callbacks() as at_submit:
        client.post(f"/barometre/q/{questionnaire.public_key}/envoyer/")

    assert figures.bump_figures_version not in at_consent
    assert at_submit.count(figures.bump_figures_version) == 1


def test_a_page_reads_and_writes_the_same_statements_for_one_answer_or_many(client, questionnaire):
    start(client, questionnaire)
    _post_page(client, questionnaire, 1)
    key = questionnaire.public_key

    def save_page_two(data: dict) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.post(f"/barometre/q/{key}/page/2/", {**data, "action": "previous"})
        assert response.status_code == 302
        return len(queries)

    one = save_page_two({"q_depuis": "recent"})
    many = save_page_two({**PAGE_ANSWERS[2], "q_metier": ""})

    # As above, and the removal of the answers left empty.
    assert one == many == 8


def test_a_changed_answer_replaces_the_saved_one_and_an_emptied_one_is_removed(client, questionnaire):
    start(client, questionnaire)
    _post_page(client, questionnaire, 1)
    _post_page(client, questionnaire, 2)
    key = questionnaire.public_key

    changed = {**PAGE_ANSWERS[2], "q_nombre": "3,5", "q_metier": "", "q_freins": ["temps"]}
    client.post(f"/barometre/q/{key}/page/2/", {**changed, "action": "previous"})

    saved = {a.question.code: a for a in Answer.objects.select_related("question")}
    assert saved["nombre"].number == Decimal("3.5")
    assert saved["freins"].choices == ["temps"] and saved["freins"].text == ""
    assert "metier" not in saved
    assert saved["profil"].choices == ["patient"]  # the other page's answers stay


def test_closing_the_campaign_stops_the_next_page_at_once(client, questionnaire):
    start(client, questionnaire)
    _post_page(client, questionnaire, 1)
    Campaign.objects.filter(pk=questionnaire.campaign_id).update(status=CampaignStatus.CLOSED)

    response = client.post(
        f"/barometre/q/{questionnaire.public_key}/page/2/", {**PAGE_ANSWERS[2], "action": "next"}
    )

    assert response.status_code == 410
    assert not Answer.objects.filter(question__code="depuis").exists()


def test_a_draft_submitted_elsewhere_takes_no_more_answers(client, questionnaire):
    start(client, questionnaire)
    _post_page(client, questionnaire, 1)
    draft = Response.objects.get()
    Response.objects.filter(pk=draft.pk).update(
        status=ResponseStatus.SUBMITTED, submitted_on=draft.started_on
    )

    response = client.post(
        f"/barometre/q/{questionnaire.public_key}/page/2/", {**PAGE_ANSWERS[2], "action": "next"}
    )
    assert response.status_code == 302 and "/merci/" in response["Location"]
    # The check under the lock, for a submission between the page's read and its save.
    section = questionnaire.sections.order_by("position")[1]
    with pytest.raises(services.AlreadySubmitted):
        services.response_save_page(
            response=draft,
            section=section,
            values={q.pk: Value(text="x") for q in section.questions.all()},
            questionnaire=questionnaire,
        )
    assert not Answer.objects.filter(question__section=section).exists()


def test_a_draft_is_read_only_under_its_own_questionnaire_key(client, questionnaire, campaign):
    start(client, questionnaire)
    draft = Response.objects.get()
    other = make_questionnaire(campaign, public="aidants")

    found = selectors.draft_for_answering(
        response_id=draft.pk, questionnaire_id=questionnaire.pk, public_key=questionnaire.public_key
    )
    assert found == draft
    assert found.questionnaire == questionnaire and found.questionnaire.campaign == campaign
    assert found.questionnaire.campaign.is_accepting_answers
    assert (
        selectors.draft_for_answering(
            response_id=draft.pk, questionnaire_id=other.pk, public_key=other.public_key
        )
        is None
    )
