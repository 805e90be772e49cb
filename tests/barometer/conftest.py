import pytest

from tests.factories.barometer import CampaignFactory, make_questionnaire


@pytest.fixture
def campaign(db):
    return CampaignFactory(year=2026, title="Baromètre 2026")


@pytest.fixture
def questionnaire(campaign):
    return make_questionnaire(campaign)


def answer_all(client, questionnaire, pages, start_consent=True):
    """Walk a client through consent and every page with `pages` answers, then submit."""
    key = questionnaire.public_key
    if start_consent:
        response = client.get(f"/barometre/q/{key}/")
        client_key = response.context["form"].initial["client_key"]
        client.post(f"/barometre/q/{key}/", {"client_key": client_key, "consent": "on"})
    for number, data in sorted(pages.items()):
        response = client.post(f"/barometre/q/{key}/page/{number}/", {**data, "action": "next"})
        assert response.status_code == 302, response.content.decode()[:3000]
    return client.post(f"/barometre/q/{key}/envoyer/")
