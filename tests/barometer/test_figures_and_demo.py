import random

from barometer import figures
from barometer.demo import seed
from barometer.enums import CampaignStatus, ResponseStatus
from barometer.models import Campaign, Contact, Delivery, Response
from cops.demo import DemoContext
from tests.barometer.test_results import add_response


def test_home_figures_count_submitted_responses_and_joiners(questionnaire):
    add_response(questionnaire, {"engage": ["oui"]})
    add_response(questionnaire, {"engage": ["non"]})
    add_response(questionnaire, {"engage": ["oui"]}, submitted=False)
    Contact.objects.create(
        campaign=questionnaire.campaign, public="patients", email="a@exemple.fr", wants_to_join=True
    )

    found = {f.label: f.value for f in figures.home_figures()}

    assert (
        found["réponses au baromètre régional"]
        == 2
        + Response.objects.exclude(questionnaire=questionnaire)
        .filter(status=ResponseStatus.SUBMITTED)
        .count()
    )
    assert found["répondants souhaitant rejoindre la dynamique régionale"] == 1


def test_staff_section_shows_campaigns_only_to_staff(staff_user, partner, questionnaire):
    sections = figures.staff_sections(staff_user)

    assert figures.staff_sections(partner) == []
    assert sections[0].title == "Baromètre régional"
    labels = [link.label for link in sections[0].links]
    assert "Toutes les campagnes et une nouvelle édition" in labels
    assert any(label.startswith("Baromètre 2026 (ouverte)") for label in labels)


def test_staff_home_lists_the_barometer(staff_client, questionnaire):
    body = staff_client.get("/equipe/").content.decode()

    assert "Baromètre régional" in body
    assert "/barometre/equipe/" in body


def test_demo_seeds_a_published_2023_and_an_open_2026_through_the_services(db):
    logs = []
    ctx = DemoContext(scale=40, seed=1, rng=random.Random(1), log=logs.append)

    seed(ctx)

    first, current = Campaign.objects.get(year=2023), Campaign.objects.get(year=2026)
    assert first.status == CampaignStatus.PUBLISHED
    assert (
        Response.objects.filter(questionnaire__campaign=first, status=ResponseStatus.SUBMITTED).count() == 60
    )
    assert current.status == CampaignStatus.OPEN
    assert current.copied_from == first
    assert current.invitations.count() == 80
    assert Delivery.objects.filter(invitation__campaign=current, round=0, status="sent").count() == 80
    assert current.invitations.filter(has_responded=True).count() == 10
    assert not Response.objects.filter(questionnaire__campaign=current, invitation__isnull=False).exists()
    assert logs[-1].startswith("Baromètre : 2023 publié (60 réponses), 2026 ouvert (80 invitations")
