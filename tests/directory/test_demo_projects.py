"""The demo's projects: the ten pitches of the JRPS 2023 with the structures the seed names, and
generated projects in proportion to --scale, deterministic for a seed, published ones indexed."""

import random
from datetime import date

import pytest
from django.utils import timezone

from actors.enums import ModerationStatus
from actors.models import Commune
from cops.demo import DemoContext
from directory import demo
from directory.models import Entry, Project, ProjectPerson, ProjectPersonStatus
from tests.factories.accompaniment import PersonFactory, StructureFactory

JRPS = {
    "Programme d’Accompagnement Covid Long occitanie - PACLO": (
        "Association AprèsJ20 Covid Long",
        ["Occitan’Air"],
        "31555",
    ),
    "Itinéraire maladies rares : une carte mentale pour trouver le chemin simple vers des solutions": (
        "Maladies rares Occitanie",
        [],
        "34172",
    ),
    "La participation des résidants au processus de recrutement des professionnels : la Maison (au service) "
    "des résidants": ("Maison de Retraite Protestante Montpellier", [], "34172"),
    "Centre de santé communautaire Human Santé": ("Human Santé", [], "34172"),
    "Le parent ressource au sein des consultations multidisciplinaires : ateliers éducatifs à destination "
    "des enfants porteurs de fente et de leurs parents": (
        "Association Tremplin Pierre Robin",
        ["CHU de Toulouse"],
        "31555",
    ),
    "Accompagnement des patients sous thérapie orale (TO) par des patientes partenaires (PP)": (
        "Institut du Cancer de Montpellier (ICM)",
        [],
        "34172",
    ),
    "Pré-nat HUB": ("IFRASS", [], "31555"),
    "Formation Education Thérapeutique du Patient 40h, Faculté U Nîmes": ("UTEP CHU Nîmes", [], "30189"),
    "Construire un projet des usagers dans une dynamique de partenariat en santé": (
        "Centre Hémodialyse St Guilhem Sète",
        [],
        "34301",
    ),
    "Expert profane à la MDPH de l’Aude : pair-aidance et prise en compte des besoins": (
        "MDPH 11",
        [],
        "11069",
    ),
}


def test_the_ten_jrps_pitches_are_published_with_their_structures(demo):
    projects = Project.objects.filter(title__in=JRPS).select_related("main_structure").order_by("title")

    seeded = {
        project.title: (
            project.main_structure.name,
            sorted(project.structures.values_list("name", flat=True)),
            project.main_structure.commune_id,
        )
        for project in projects
    }
    assert seeded == JRPS
    assert {project.status for project in projects} == {ModerationStatus.PUBLISHED}
    assert {project.main_structure.status for project in projects} == {ModerationStatus.PUBLISHED}
    assert {project.state for project in projects} == {"termine", "en_cours"}
    assert {project.started_on for project in projects} == {date(2023, 1, 1)}
    assert all(
        project.summary and project.domains.exists() and project.practices.exists() for project in projects
    )
    assert all(project.brakes and project.levers for project in projects)
    # On the map and in the list: every published pitch has its entry in the directory's index.
    assert Entry.objects.filter(project__in=projects).count() == 10
    accepted = ProjectPerson.objects.filter(project__in=projects, status=ProjectPersonStatus.ACCEPTED)
    assert sorted(accepted.values_list("person__user__email", flat=True)) == [
        "marc.delmas@cops.demo",
        "nadia.benali@cops.demo",
        "partenaire@cops.demo",
    ]


def test_generated_projects_are_indexed_when_published(demo):
    generated = Project.objects.exclude(title__in=JRPS)

    published = generated.filter(status=ModerationStatus.PUBLISHED)
    assert generated.count() == 1  # int(20 × 0.08) at the test site's scale of 20
    assert published.count() + generated.exclude(status=ModerationStatus.PUBLISHED).count() == 1
    assert Entry.objects.filter(project__in=published).count() == published.count()
    assert not Entry.objects.filter(project__in=generated.exclude(status=ModerationStatus.PUBLISHED)).exists()


def _generate(scale: int, seed: int, structures, links=(), person_ids=frozenset()) -> list[Project]:
    ctx = DemoContext(scale=scale, seed=seed, rng=random.Random(seed), log=lambda line: None)
    communes = {structure.commune_id: structure.commune for structure in structures}
    demo._demo_generated_projects(ctx, timezone.now(), structures, communes, list(links), set(person_ids))
    return list(Project.objects.order_by("pk"))


@pytest.fixture
def structures(db):
    communes = list(Commune.objects.filter(insee_code__in=["31555", "34172", "81004"]).order_by("insee_code"))
    return [StructureFactory(commune=communes[index % 3]) for index in range(12)]


@pytest.mark.django_db
def test_generated_projects_follow_the_scale(structures):
    small = _generate(100, 7, structures)
    Project.objects.all().delete()
    large = _generate(250, 7, structures)

    assert (len(small), len(large)) == (8, 20)
    assert {project.main_structure_id for project in large} <= {structure.pk for structure in structures}
    assert len({project.slug for project in large}) == 20
    assert all(project.domains.exists() and project.territories.exists() for project in large)
    assert {project.state for project in large} <= {"en_projet", "en_cours", "termine"}
    assert all(
        project.ended_on is None or project.ended_on >= project.started_on
        for project in large
        if project.started_on
    )


@pytest.mark.django_db
def test_generated_projects_are_the_same_for_a_seed(structures):
    def fingerprint(projects):
        return [
            (p.title, p.slug, p.state, p.started_on, p.main_structure_id, p.status, sorted(p.brakes))
            for p in projects
        ]

    first = fingerprint(_generate(200, 11, structures))
    Project.objects.all().delete()
    again = fingerprint(_generate(200, 11, structures))
    Project.objects.all().delete()
    other = fingerprint(_generate(200, 12, structures))

    assert first == again
    assert first != other


@pytest.mark.django_db
def test_generated_projects_name_only_accepted_published_members(structures):
    person = PersonFactory()
    hidden = PersonFactory(status=ModerationStatus.PENDING)
    links = [(person.pk, s.pk, "Bénévole", False) for s in structures] + [
        (hidden.pk, s.pk, "Bénévole", False) for s in structures
    ]

    _generate(1000, 3, structures, links=links, person_ids={person.pk})

    people = ProjectPerson.objects.all()
    assert people.exists()
    assert set(people.values_list("person_id", "status").distinct()) == {
        (person.pk, ProjectPersonStatus.ACCEPTED)
    }


@pytest.mark.django_db
def test_a_second_run_adds_no_project(structures):
    _generate(100, 7, structures)
    again = _generate(100, 7, structures)

    assert len(again) == 8
