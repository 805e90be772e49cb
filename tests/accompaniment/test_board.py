"""The staff board: one kanban per phase template, filters, overdue work said in words, constant queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accompaniment.enums import EvaluationKind
from accompaniment.models import Action, Evaluation, PhaseTemplate
from actors.enums import Role
from actors.models import Commune
from cops.figures import home_figures, staff_sections
from tests.accompaniment.conftest import advance
from tests.factories.accompaniment import StructureFactory, SupportRequestFactory, make_accompaniment
from tests.factories.actors import UserFactory

pytestmark = pytest.mark.django_db


def commune_in(departement: str) -> Commune:
    return Commune.objects.filter(departement_id=departement).order_by("insee_code").first()


@pytest.fixture
def portfolio(staff_user, participants, accompaniment):
    """Three accompaniments: phase 3 in Sète (34, Est), phase 1 in Toulouse (31, Ouest), one on another template."""
    accompaniment.structure.commune = commune_in("34")
    accompaniment.structure.save()
    advance(accompaniment, staff_user, participants, phases=2)
    other_lead = UserFactory(first_name="Jade", last_name="Autre", roles=[Role.STAFF])
    toulouse = make_accompaniment(
        structure=StructureFactory(name="CHU de Toulouse", commune=commune_in("31")),
        title="Un parent partenaire en hôpital de jour",
        support_type="patient_partenaire",
        professional_lead=other_lead,
    )
    project = make_accompaniment(
        structure=StructureFactory(name="IFSI d'Albi", commune=commune_in("81")),
        title="Co-écrire des scénarios de simulation",
        support_type="formation",
        template=PhaseTemplate.objects.get(code="appui-projet"),
        professional_lead=staff_user,
    )
    return {"sete": accompaniment, "toulouse": toulouse, "albi": project, "other_lead": other_lead}


def test_board_shows_one_kanban_per_template_with_cards_in_their_phase(staff_client, portfolio):
    response = staff_client.get(reverse("accompaniment:board"))

    boards = response.context["boards"]
    five = next(b for b in boards if b.template.code == "cinq-phases")
    project = next(b for b in boards if b.template.code == "appui-projet")
    assert [c.title for c in five.columns] == [
        "Retour d'expérience",
        "Co-construction",
        "Dynamique partenariale",
        "Évaluation à chaud",
        "Évaluation d'impact",
        "Terminés",
    ]
    assert [[a.title for a in c.cards] for c in five.columns] == [
        ["Un parent partenaire en hôpital de jour"],
        [],
        ["Intégrer les usagers au projet d'établissement"],
        [],
        [],
        [],
    ]
    assert len(project.columns) == 8
    assert [a.title for a in project.columns[0].cards] == ["Co-écrire des scénarios de simulation"]
    content = response.content.decode()
    assert "3 accompagnements en cours" in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("support_type=formation", {"Co-écrire des scénarios de simulation"}),
        ("zone=est", {"Intégrer les usagers au projet d'établissement"}),
        ("zone=ouest", {"Un parent partenaire en hôpital de jour", "Co-écrire des scénarios de simulation"}),
        ("departement=31", {"Un parent partenaire en hôpital de jour"}),
        ("template=__project__", {"Co-écrire des scénarios de simulation"}),
    ],
)
def test_board_filters_by_type_territory_and_template(staff_client, portfolio, query, expected):
    query = query.replace("__project__", str(PhaseTemplate.objects.get(code="appui-projet").pk))

    response = staff_client.get(reverse("accompaniment:board") + "?" + query)

    titles = {
        a.title for board in response.context["boards"] for column in board.columns for a in column.cards
    }
    assert titles == expected


def test_board_filters_by_binome_member(staff_client, portfolio):
    response = staff_client.get(reverse("accompaniment:board") + f"?lead={portfolio['other_lead'].pk}")

    titles = {
        a.title for board in response.context["boards"] for column in board.columns for a in column.cards
    }
    assert titles == {"Un parent partenaire en hôpital de jour"}


def test_overdue_actions_and_evaluations_are_highlighted_with_words(staff_client, portfolio, staff_user):
    Action.objects.filter(accompaniment=portfolio["sete"]).update(
        due_on=timezone.localdate() - timedelta(days=1)
    )
    Evaluation.objects.create(
        accompaniment=portfolio["toulouse"],
        kind=EvaluationKind.IMPACT,
        scheduled_for=timezone.localdate() - timedelta(days=3),
        questions=[],
    )

    everything = staff_client.get(reverse("accompaniment:board"))
    alerts_only = staff_client.get(reverse("accompaniment:board") + "?alerts=on")

    content = everything.content.decode()
    assert "1 action en retard" in content
    assert "Évaluation en retard" in content
    assert "1 évaluation en retard" in content
    titles = {
        a.title for board in alerts_only.context["boards"] for column in board.columns for a in column.cards
    }
    assert titles == {
        "Intégrer les usagers au projet d'établissement",
        "Un parent partenaire en hôpital de jour",
    }


def test_board_query_count_does_not_grow_with_accompaniments(
    staff_client, staff_user, django_assert_max_num_queries
):
    for index in range(2):
        make_accompaniment(
            structure=StructureFactory(), title=f"Accompagnement {index}", professional_lead=staff_user
        )
    with django_assert_max_num_queries(14):
        staff_client.get(reverse("accompaniment:board"))
    for index in range(10):
        make_accompaniment(
            structure=StructureFactory(), title=f"Autre accompagnement {index}", professional_lead=staff_user
        )

    with django_assert_max_num_queries(14):
        response = staff_client.get(reverse("accompaniment:board"))

    assert response.content.decode().count("Autre accompagnement") == 10


def test_landing_explains_the_phases_and_offers_the_request_to_referents(
    client, partner_client, referent, structure
):
    anonymous = client.get(reverse("accompaniment:landing")).content.decode()
    own = partner_client.get(reverse("accompaniment:landing")).content.decode()

    assert "Les cinq phases d'un accompagnement" in anonymous
    assert escape("Co-construction d'un plan d'actions et co-élaboration des indicateurs") in anonymous
    assert escape("Évaluation de l'impact de la démarche partenariale mise en place") in anonymous
    assert "Se connecter pour demander un appui" in anonymous
    assert reverse("accompaniment:request_create") in own
    assert escape(structure.name) in own


def test_landing_lists_a_referents_accompaniments_and_requests(
    partner_client, referent, accompaniment, structure
):
    SupportRequestFactory(structure=structure, requested_by=referent, title="Deuxième demande")

    content = partner_client.get(reverse("accompaniment:landing")).content.decode()

    assert escape(accompaniment.title) in content
    assert "Phase en cours : Retour d&#x27;expérience" in content
    assert "Deuxième demande" in content


def test_home_figure_and_staff_section(staff_user, accompaniment):
    SupportRequestFactory()

    figures = {f.label: f.value for f in home_figures()}
    sections = [s for s in staff_sections(staff_user) if s.title == "Accompagnements"]

    assert figures["accompagnements menés par le COPS"] == 1
    assert len(sections) == 1
    links = {link.label: link.count for link in sections[0].links}
    assert links["Demandes d'appui à examiner"] == 1
    assert links["Tableau des accompagnements en cours"] == 1


def test_staff_section_is_only_for_staff(partner):
    assert [s for s in staff_sections(partner) if s.title == "Accompagnements"] == []
