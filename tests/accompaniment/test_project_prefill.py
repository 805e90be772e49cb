"""From a closed accompaniment to a draft project sheet: exactly what is copied, never what is kept
for the COPS team, the self-assessment only with the participants' agreement, one sheet per
accompaniment, and only for the structure's référents and the team."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from accompaniment.enums import AccompanimentStatus, ContentVisibility
from accompaniment.models import Phase
from accompaniment.services import accompaniments as acc_services
from accompaniment.services import content as content_services
from actors.enums import MembershipStatus, ModerationStatus
from actors.models import Membership
from directory.models import Project, ProjectState
from directory.selectors.projects import radar_rows
from selfassess.enums import Step
from selfassess.models import Criterion, Rating
from tests.accompaniment.conftest import advance
from tests.factories.selfassess import AssessmentSessionFactory, FrameworkFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

MARKER = "NOTE INTERNE"


def _day(value) -> str:
    return formats.date_format(value, "j F Y")


def _session(framework, structure, held_on, scores_by_side):
    """A closed self-assessment session; `scores_by_side`: {side: [[score or None per criterion], …]}."""
    session = AssessmentSessionFactory(
        framework=framework, structure=structure, held_on=held_on, step=Step.CLOSED
    )
    criteria = list(Criterion.objects.filter(framework=framework).order_by("position"))
    for side, people in scores_by_side.items():
        for scores in people:
            participant = ParticipantFactory(session=session, side=side)
            for criterion, score in zip(criteria, scores, strict=True):
                if score is not None:
                    Rating.objects.create(participant=participant, criterion=criterion, score=score)
    return session


@pytest.fixture
def in_progress(accompaniment, participants, staff_user, referent):
    """Phase 3 under way: shared content beside staff-only content carrying the marker."""
    advance(accompaniment, staff_user, participants, phases=2)
    today = timezone.localdate()
    content_services.meeting_add(
        accompaniment=accompaniment, held_on=today, title="Point d'étape partagé", notes="Compte rendu partagé",
        internal_notes=f"Direction réticente {MARKER}", participants=participants, by=staff_user,
    )  # fmt: skip
    content_services.meeting_add(
        accompaniment=accompaniment, held_on=today, title=f"Réunion du binôme {MARKER}",
        notes=f"Stratégie {MARKER}", visibility=ContentVisibility.STAFF, participants=[], by=staff_user,
    )  # fmt: skip
    content_services.finding_add(
        accompaniment=accompaniment, kind="frein", text=f"Frein {MARKER}", by=staff_user,
        visibility=ContentVisibility.STAFF,
    )  # fmt: skip
    content_services.action_add(
        accompaniment=accompaniment, title=f"Action {MARKER}", description=f"Précisions {MARKER}",
        owner=participants[0], due_on=today + timedelta(days=5), by=staff_user, visibility=ContentVisibility.STAFF,
    )  # fmt: skip
    content_services.action_add(
        accompaniment=accompaniment, title="Former deux patients partenaires",
        description="Avec Inès Roux, au printemps", owner=participants[0], due_on=today + timedelta(days=9),
        by=staff_user,
    )  # fmt: skip
    content_services.event_note_add(
        accompaniment=accompaniment, title=f"Appel à la direction {MARKER}", detail=f"Détail {MARKER}",
        visibility=ContentVisibility.STAFF, by=staff_user,
    )  # fmt: skip
    trained = content_services.indicator_add(
        accompaniment=accompaniment, name="Patients partenaires formés", baseline=Decimal("0"),
        target=Decimal("4"), unit="personnes", by=staff_user,
    )  # fmt: skip
    for days_ago, value in ((10, "1"), (1, "2.5")):
        content_services.measurement_add(
            accompaniment=accompaniment, indicator=trained, measured_on=today - timedelta(days=days_ago),
            value=Decimal(value), comment=f"Mesure {MARKER}", by=staff_user,
        )  # fmt: skip
    content_services.indicator_add(
        accompaniment=accompaniment,
        name="Jamais mesuré",
        baseline=Decimal("0"),
        target=Decimal("1"),
        by=staff_user,
    )
    return accompaniment


@pytest.fixture
def closed(in_progress, participants, staff_user):
    advance(in_progress, staff_user, participants, phases=3)
    in_progress.refresh_from_db()
    assert in_progress.status == AccompanimentStatus.COMPLETED
    return in_progress


@pytest.fixture
def with_assessments(closed, staff_user):
    framework = FrameworkFactory()
    today = timezone.localdate()
    start = _session(
        framework, closed.structure, today - timedelta(days=100),
        {"professionnel": [[1, 2, 3, 4], [2, 2, 3, 3]], "usager": [[0, 1, 2, None]]},
    )  # fmt: skip
    end = _session(
        framework, closed.structure, today - timedelta(days=2),
        {"professionnel": [[3, 3, 4, 4]], "usager": [[2, 3, 3, 1], [4, 3, 2, 1]]},
    )  # fmt: skip
    acc_services.accompaniment_attach_assessments(accompaniment=closed, start=start, end=end, by=staff_user)
    closed.refresh_from_db()
    return closed


def _url(accompaniment) -> str:
    return reverse("accompaniment:project_publish", args=[accompaniment.pk])


def _expected_description(accompaniment) -> str:
    phases = list(Phase.objects.filter(accompaniment=accompaniment).order_by("position"))
    start, end = phases[0].started_on, max(phase.ended_on for phase in phases)
    return "\n".join(
        [
            f"Projet accompagné par le COPS Occitanie du {_day(start)} au {_day(end)}.",
            "",
            "Les étapes de l'accompagnement :",
            *(f"- {phase.name} : du {_day(phase.started_on)} au {_day(phase.ended_on)}" for phase in phases),
            "",
            "Le plan d'actions :",
            "- Former deux patients partenaires (à faire)",
            "- Associer les RU au comité (à faire)",
        ]
    )


def test_page_lists_exactly_what_will_be_copied(partner_client, closed):
    response = partner_client.get(_url(closed))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Intégrer les usagers au projet d&#x27;établissement" in page
    assert "Centre d&#x27;hémodialyse de Sète" in page
    assert (
        "<li>Former deux patients partenaires (à faire)</li><li>Associer les RU au comité (à faire)</li>"
        in page
    )
    assert "<li>Réunions avec des RU : 3</li><li>Patients partenaires formés : 2,50 personnes</li>" in page
    assert "Jamais mesuré" not in page
    assert MARKER not in page
    assert "Inès Roux" not in page
    assert "Aucune auto-évaluation avant / après complète" in page


def test_staff_preview_leaves_out_what_is_kept_for_the_team(staff_client, closed):
    response = staff_client.get(_url(closed))

    assert response.status_code == 200
    assert MARKER not in response.content.decode()


def test_post_creates_one_draft_with_the_copied_fields(partner, partner_client, closed):
    response = partner_client.post(_url(closed))

    project = Project.objects.get()
    today = timezone.localdate()
    assert response.status_code == 302
    assert response["Location"] == f"/projets/{project.slug}/modifier/"
    assert project.slug == "integrer-les-usagers-au-projet-detablissement"
    assert project.status == ModerationStatus.DRAFT
    assert project.title == "Intégrer les usagers au projet d'établissement"
    assert project.main_structure == closed.structure
    assert project.accompaniment == closed
    assert project.created_by == partner
    assert project.state == ProjectState.DONE
    assert project.started_on == today - timedelta(days=120)
    assert project.ended_on == today
    assert project.summary == (
        "Un projet du Centre d'hémodialyse de Sète mené en partenariat, accompagné par le COPS Occitanie."
    )
    assert project.description == _expected_description(closed)
    assert project.indicators == [
        {"label": "Réunions avec des RU", "value": 3.0, "unit": "", "measured_on": today.isoformat()},
        {
            "label": "Patients partenaires formés",
            "value": 2.5,
            "unit": "personnes",
            "measured_on": (today - timedelta(days=1)).isoformat(),
        },
    ]
    assert project.radar is None
    assert project.published_at is None
    assert list(project.people.all()) == []


def test_nothing_kept_for_the_team_nor_any_name_reaches_the_project(staff_client, with_assessments):
    staff_client.post(_url(with_assessments), {"radar_consent": "on"})

    project = Project.objects.get()
    values = [str(getattr(project, field.attname)) for field in Project._meta.concrete_fields]
    assert project.radar is not None  # the richest sheet: the test cannot pass by copying nothing
    assert [value for value in values if MARKER in value] == []
    assert [value for value in values if "Inès" in value or "Roux" in value or "Martin" in value] == []
    assert "Compte rendu partagé" not in project.description
    assert "Frein" not in project.description


def test_radar_copied_only_when_the_participants_agreed(partner_client, with_assessments):
    page = partner_client.get(_url(with_assessments)).content.decode()
    response = partner_client.post(_url(with_assessments), {"radar_consent": "on"})

    today = timezone.localdate()
    assert "Professionnels, avant" in page
    assert response.status_code == 302
    assert Project.objects.get().radar == {
        "criteria": ["Court a", "Court b", "Court c", "Court d"],
        "held_on": {
            "before": (today - timedelta(days=100)).isoformat(),
            "after": (today - timedelta(days=2)).isoformat(),
        },
        "before": {
            "Court a": {"professionnel": 1.5, "usager": 0.0},
            "Court b": {"professionnel": 2.0, "usager": 1.0},
            "Court c": {"professionnel": 3.0, "usager": 2.0},
            "Court d": {"professionnel": 3.5, "usager": None},
        },
        "after": {
            "Court a": {"professionnel": 3.0, "usager": 3.0},
            "Court b": {"professionnel": 3.0, "usager": 3.0},
            "Court c": {"professionnel": 4.0, "usager": 2.5},
            "Court d": {"professionnel": 4.0, "usager": 1.0},
        },
    }
    assert '<th scope="row">Court d</th><td>3,50</td><td>4</td><td>—</td><td>1</td>' in page
    # The project page reads it (directory.selectors.projects.radar_rows), whatever the key order.
    table = radar_rows(Project.objects.get().radar)
    columns = [f"{side} {moment}" for side in table["sides"] for moment in ("avant", "après")]
    shown = {row.criterion: dict(zip(columns, row.values, strict=True)) for row in table["rows"]}
    assert shown["Court d"] == {
        "professionnel avant": 3.5,
        "professionnel après": 4.0,
        "usager avant": None,
        "usager après": 1.0,
    }
    assert sorted(shown) == ["Court a", "Court b", "Court c", "Court d"]


def test_radar_left_out_without_the_box(partner_client, with_assessments):
    response = partner_client.post(_url(with_assessments))

    assert response.status_code == 302
    assert Project.objects.get().radar is None


def test_second_click_reuses_the_sheet(partner_client, staff_client, closed):
    first = partner_client.post(_url(closed))
    second = staff_client.post(_url(closed), {"radar_consent": "on"})
    page = partner_client.get(_url(closed)).content.decode()
    detail = partner_client.get(closed.get_absolute_url()).content.decode()

    project = Project.objects.get()
    assert first["Location"] == second["Location"] == f"/projets/{project.slug}/modifier/"
    assert Project.objects.count() == 1
    assert "Ouvrir la fiche projet" in page
    assert f'href="/projets/{project.slug}/modifier/"' in page
    assert "Voir la fiche projet" in detail


def test_closed_accompaniment_page_offers_the_sheet(partner_client, closed):
    response = partner_client.get(closed.get_absolute_url())

    assert response.status_code == 200
    assert "Publier une fiche projet" in response.content.decode()
    assert f'href="{_url(closed)}"' in response.content.decode()


def test_accompaniment_under_way_is_refused(partner_client, in_progress):
    page = partner_client.get(_url(in_progress))
    response = partner_client.post(_url(in_progress))
    detail = partner_client.get(in_progress.get_absolute_url())

    message = "pas terminé : la fiche projet pourra être préparée quand toutes ses phases seront clôturées"
    assert page.status_code == 200
    assert message in page.content.decode()
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Project.objects.count() == 0
    assert "Publier une fiche projet" not in detail.content.decode()


def test_other_partner_and_plain_member_get_404(client, other_partner, partner, password, closed):
    # A member of the structure who is not its référent sees nothing of the accompaniment either.
    from tests.factories.accompaniment import PersonFactory

    member = PersonFactory(user=other_partner)
    Membership.objects.create(person=member, structure=closed.structure, status=MembershipStatus.ACCEPTED)
    client.force_login(other_partner)

    get = client.get(_url(closed))
    post = client.post(_url(closed), {"radar_consent": "on"})

    assert (get.status_code, post.status_code) == (404, 404)
    assert Project.objects.count() == 0


def test_anonymous_is_sent_to_the_login_page(client, closed):
    response = client.post(_url(closed))

    assert response.status_code == 302
    assert response["Location"].startswith("/compte/connexion/")
    assert Project.objects.count() == 0


def test_unverified_referent_may_not_publish(client, unverified_user, closed):
    from tests.factories.accompaniment import make_referent

    make_referent(unverified_user, closed.structure)
    client.force_login(unverified_user)

    response = client.post(_url(closed))

    assert response.status_code == 403
    assert Project.objects.count() == 0


def test_staff_may_publish_for_the_structure(staff_user, staff_client, closed):
    response = staff_client.post(_url(closed))

    project = Project.objects.get()
    assert response["Location"] == f"/projets/{project.slug}/modifier/"
    assert (project.created_by, project.main_structure, project.accompaniment) == (
        staff_user,
        closed.structure,
        closed,
    )


def test_referent_of_a_requested_membership_gets_404(client, other_partner, closed):
    from tests.factories.accompaniment import make_referent

    make_referent(other_partner, closed.structure, status=MembershipStatus.REQUESTED)
    client.force_login(other_partner)

    response = client.post(_url(closed))

    assert response.status_code == 404
    assert Project.objects.count() == 0
