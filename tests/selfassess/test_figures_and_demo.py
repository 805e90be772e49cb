import random

import pytest
from django.urls import reverse

from cops.demo import DemoContext
from cops.figures import home_figures, staff_sections
from selfassess import demo
from selfassess.enums import Side, Step
from selfassess.models import AssessmentSession, JointRating, Rating
from selfassess.results import session_results
from selfassess.services import session_close, session_close_individual
from tests.factories.selfassess import AssessmentSessionFactory, ParticipantFactory
from tests.selfassess.conftest import rate, text


@pytest.mark.django_db
def test_home_figure_counts_sessions_past_individual_step(client, staff_user):
    for step in (Step.INDIVIDUAL, Step.GROUP, Step.CLOSED):
        session = AssessmentSessionFactory(facilitator=staff_user)
        rate(ParticipantFactory(session=session), {"a": 1})
        if step != Step.INDIVIDUAL:
            session_close_individual(session=session, by=staff_user)
        if step == Step.CLOSED:
            session_close(session=session, by=staff_user)

    figures = {figure.label: figure.value for figure in home_figures()}
    page = text(client.get(reverse("home")))

    assert figures["auto-évaluations menées"] == 2
    assert 'href="/auto-evaluation/">auto-évaluations menées</a>' in page


@pytest.mark.django_db
def test_staff_section_for_staff_only(staff_user, partner, staff_client, admin_client):
    AssessmentSessionFactory()

    section = next(s for s in staff_sections(staff_user) if s.title == "Auto-évaluation")
    page = text(staff_client.get(reverse("platform:staff_home")))
    admin_page = text(admin_client.get(reverse("platform:staff_home")))

    assert [(link.label, link.count) for link in section.links][:2] == [
        ("Toutes les séances", 1),
        ("Séances à l'étape individuelle", 1),
    ]
    # The admin site refuses staff who are not admins: its link is for admins only.
    assert "Référentiels (administration)" not in page
    assert "Référentiels (administration)" in admin_page
    assert all(s.title != "Auto-évaluation" for s in staff_sections(partner))


@pytest.mark.django_db
def test_demo_builds_sessions_through_services(staff_user, partner):
    ctx = DemoContext(
        scale=100,
        seed=7,
        rng=random.Random(7),
        log=lambda line: None,
        shared={"accounts": {"equipe@cops.demo": staff_user, "partenaire@cops.demo": partner}},
    )

    demo.seed(ctx)

    sessions = {s.title: s for s in AssessmentSession.objects.all()}
    assert len(sessions) == 5
    assert sessions["Groupe qualité – point de départ"].step == Step.CLOSED
    assert sessions["Groupe qualité – bilan à six mois"].step == Step.CLOSED
    assert sessions["Atelier « Se situer » – consultation de diabétologie"].step == Step.GROUP
    assert sessions["Comité des usagers – lancement"].step == Step.INDIVIDUAL
    assert sessions["Comité des usagers – lancement"].facilitator == partner
    closed = sessions["Groupe qualité – bilan à six mois"]
    assert JointRating.objects.filter(session=closed).count() == 11
    assert Rating.objects.filter(participant__session=closed).count() == 6 * 11
    binome = session_results(sessions["Atelier « Se situer » – consultation de diabétologie"])
    assert binome.respondents == {Side.PROFESSIONAL: 1, Side.USER: 1}
    # Seeding again adds nothing.
    demo.seed(ctx)
    assert AssessmentSession.objects.count() == 5
