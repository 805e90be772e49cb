"""Answering under a burst: each answered page reads what it needs once (the questionnaire's pages
and questions are kept per process once the campaign is open), and neither the consent nor a saved
page touches the home figures' token; only a submission does."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from barometer.models import Response
from cops import figures
from tests.barometer.test_answering import start
from tests.factories.barometer import PAGE_ANSWERS

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

    assert len(second) == len(third) <= 9
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
