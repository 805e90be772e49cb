"""Issue 19: the public results are rendered once per state of their data, and any change shows at once."""

import re

import pytest

from barometer import results_cache
from barometer.enums import CampaignStatus, Public
from barometer.models import PublishedReport
from barometer.services import answering
from barometer.services import campaigns as campaign_services
from tests.barometer.test_results import add_response
from tests.factories.barometer import CampaignFactory, make_questionnaire

PAGE = "/barometre/resultats/2040/"
SECTION = "/barometre/resultats/2040/public/patients/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    results_cache.reset()
    yield
    results_cache.reset()


@pytest.fixture
def published(db):
    campaign = CampaignFactory(year=2040, status=CampaignStatus.PUBLISHED)
    questionnaire = make_questionnaire(campaign, Public.PATIENTS)
    for i in range(12):
        add_response(questionnaire, {"engage": ["oui" if i < 7 else "non"], "metier": f"Métier {i}"})
    return campaign


def test_a_second_request_is_served_from_the_cache_in_a_constant_number_of_queries(
    client, published, django_assert_num_queries
):
    first = client.get(PAGE).content

    # The campaign, the data's fingerprint; nothing else (no session for a visitor).
    with django_assert_num_queries(2):
        second = client.get(PAGE).content
    with django_assert_num_queries(2):
        client.get(PAGE)

    # Identical but for the per-request CSRF token of the page around the results.
    def without_token(page: bytes) -> bytes:
        page = re.sub(rb'"X-CSRFToken": "[^"]*"', b"", page)
        return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", page)

    assert without_token(second) == without_token(first)


def test_a_new_response_shows_at_once(client, published):
    assert "12 réponses" in client.get(PAGE).content.decode()

    add_response(published.questionnaires.get(), {"engage": ["oui"]})

    assert "13 réponses" in client.get(PAGE).content.decode()


def test_a_deleted_response_shows_at_once(client, published):
    client.get(SECTION)

    published.questionnaires.get().responses.order_by("pk").first().delete()

    assert "11 réponses." in client.get(SECTION).content.decode()


def test_a_featured_quote_shows_at_once_and_goes_at_once(client, published):
    answer = published.questionnaires.get().responses.first().answers.get(question__code="metier")
    assert "Paroles de répondants" not in client.get(PAGE).content.decode()

    answering.answer_tag(answer=answer, tags=[], featured=True)
    shown = client.get(PAGE).content.decode()
    answering.answer_tag(answer=answer, tags=[], featured=False)
    gone = client.get(PAGE).content.decode()

    assert "« Métier 0 »" in shown or f"« {answer.text} »" in shown
    assert "Paroles de répondants" not in gone


def test_withdrawing_the_publication_and_publishing_a_report_show_at_once(client, published):
    assert client.get(PAGE).status_code == 200
    assert "Télécharger le rapport complet" not in client.get(PAGE).content.decode()

    PublishedReport.objects.create(campaign=published, content=b"%PDF-1.7\n")
    with_report = client.get(PAGE).content.decode()
    campaign_services.campaign_set_status(campaign=published, status=CampaignStatus.CLOSED)
    withdrawn = client.get(PAGE)

    assert "Télécharger le rapport complet" in with_report
    assert withdrawn.status_code == 404


def test_the_signed_in_menu_is_never_served_to_someone_else(client, staff_client, published):
    staff_page = staff_client.get(PAGE).content.decode()

    visitor_page = client.get(PAGE).content.decode()

    assert "Se déconnecter" in staff_page or "Déconnexion" in staff_page
    assert "Se déconnecter" not in visitor_page and "Déconnexion" not in visitor_page


def test_filters_are_part_of_the_key(client, published):
    whole = client.get(PAGE).content.decode()

    filtered = client.get(f"{PAGE}?territoire=nord").content.decode()

    assert "n&#x27;existe pas" not in whole
    assert "La valeur « nord » du filtre « Territoire » n&#x27;existe pas" in filtered
