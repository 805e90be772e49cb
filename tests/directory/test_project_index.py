"""Projects in the directory's index: entries, tags, cards, search text, map points, filters."""

import datetime
import json

import pytest
from django.urls import reverse

from actors.enums import ModerationStatus, Visibility
from actors.models import Commune, Structure
from directory.facets import audience_index
from directory.indexing import index_projects, index_structures, project_years, reindex_all
from directory.models import Entry, EntryKind, Project, ProjectPerson, ProjectPersonStatus
from directory.selectors.listing import directory_search, entry_filter
from tests.factories.actors import UserFactory
from tests.factories.directory import make_person, make_project, make_structure

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    user = UserFactory()
    make_person(
        user=user, first_name="Camille", last_name="Autrice", domains=["formation-recherche-innovation"]
    )
    return user


@pytest.fixture
def carrier(author):
    # The author's person becomes the référent of the structure they register.
    return make_structure(by=author, name="Clinique des Projets", structure_type="clinique", commune="31555")


@pytest.fixture
def make(author, carrier):
    def build(**overrides):
        return make_project(by=author, structure=carrier, **overrides)

    return build


def entry_of(project: Project) -> Entry:
    return Entry.objects.get(project=project)


def join(project: Project, person, *, status=ProjectPersonStatus.ACCEPTED, role="co-animatrice"):
    ProjectPerson.objects.create(project=project, person=person, status=status, role=role)
    index_projects([project.pk])


def test_a_published_project_gets_its_entry_tags_card_and_place(make, carrier):
    project = make(
        title="Ateliers co-animés à Purpan",
        state="en_cours",
        started_on=datetime.date(2022, 3, 1),
        ended_on=datetime.date(2024, 6, 30),
        territories=["31", "81"],
        communes=["81004"],
        practices=["education-therapeutique"],
    )
    entry = entry_of(project)

    assert entry.kind == EntryKind.PROJECT
    assert entry.person_id is None and entry.structure_id is None
    assert entry.tags_public == [
        "k:projet",
        "f:c",
        "e:en_cours",
        "y:2022",
        "y:2023",
        "y:2024",
        "d:soin-accompagnement",
        "a:education-therapeutique",
        "t:31",
        "t:81",
        "z:ouest",
        "c:31555",
        *[f"cp:{code}" for code in Commune.objects.get(pk="31555").postal_codes],
        "c:81004",
        *[f"cp:{code}" for code in Commune.objects.get(pk="81004").postal_codes],
    ]
    assert entry.tags_partners == entry.tags_public == entry.tags_staff
    # Placed at the carrying structure's place (its commune's centroid here), not the project's commune.
    assert (entry.latitude, entry.longitude) == (carrier.latitude, carrier.longitude)
    assert entry.location_level == Visibility.PUBLIC
    assert entry.card_public == {
        "id": project.pk,
        "kind": "projet",
        "url": project.get_absolute_url(),
        "title": "Ateliers co-animés à Purpan",
        "subtitle": "Clinique des Projets",
        "place": "Toulouse",
        "domains": ["Soin et accompagnement"],
        "excerpt": "Des patients partenaires co-animent les ateliers d'ETP avec les soignants.",
        "image": "",
        "contact": "",
        "state": "en_cours",
        "state_label": "En cours",
        "years": "2022–2024",
    }


def test_a_project_without_a_placed_structure_sits_at_its_first_commune(make, carrier):
    carrier.latitude = carrier.longitude = None
    carrier.save(update_fields=["latitude", "longitude"])
    project = make(communes=["81004"])
    albi = Commune.objects.get(pk="81004")

    entry = entry_of(project)

    assert (entry.latitude, entry.longitude, entry.commune_id) == (albi.latitude, albi.longitude, "81004")


def test_project_years_run_to_today_when_not_ended():
    project = Project(started_on=datetime.date(2024, 1, 1), ended_on=None)
    assert project_years(project, today=datetime.date(2026, 5, 1)) == [2024, 2025, 2026]
    assert project_years(Project(started_on=None, ended_on=datetime.date(2021, 1, 1))) == [2021]
    assert project_years(Project()) == []


def test_unpublished_projects_are_never_indexed_and_leave_when_unpublished(make, carrier):
    draft = make(title="Projet en brouillon", status=ModerationStatus.DRAFT)
    pending = make(title="Projet en attente", status=ModerationStatus.PENDING)
    published = make(title="Projet publié")

    assert list(Entry.objects.filter(kind=EntryKind.PROJECT).values_list("project_id", flat=True)) == [
        published.pk
    ]
    assert index_projects([draft.pk, pending.pk]) == 0

    Project.objects.filter(pk=published.pk).update(status=ModerationStatus.ARCHIVED)
    index_projects([published.pk])
    assert not Entry.objects.filter(kind=EntryKind.PROJECT).exists()


def test_only_accepted_persons_are_searchable_and_only_for_audiences_allowed(make, carrier):
    project = make(title="Projet participatif")
    public = make_person(first_name="Zélie", last_name="Publique")
    restricted = make_person(
        first_name="Yvon", last_name="Réservé", visibility={"memberships": Visibility.STAFF}
    )
    invited = make_person(first_name="Xavier", last_name="Invité")
    join(project, public)
    join(project, restricted)
    join(project, invited, status=ProjectPersonStatus.INVITED)

    def found(word, level):
        return list(
            entry_filter({"q": word, "type": ["projet"]}, level=level).qs.values_list("project_id", flat=True)
        )

    assert found("Publique", Visibility.PUBLIC) == [project.pk]
    assert found("Réservé", Visibility.PUBLIC) == []
    assert found("Réservé", Visibility.PARTNERS) == []
    assert found("Réservé", Visibility.STAFF) == [project.pk]
    assert found("Invité", Visibility.STAFF) == []
    entry = entry_of(project)
    for audience in ("public", "partners", "staff"):
        assert "Réservé" not in json.dumps(getattr(entry, f"card_{audience}"), ensure_ascii=False)
        assert "Yvon" not in json.dumps(getattr(entry, f"card_{audience}"), ensure_ascii=False)


def test_a_persons_change_of_visibility_reaches_the_projects_they_joined(make, carrier):
    from directory.indexing import index_persons

    project = make(title="Projet participatif")
    person = make_person(first_name="Zélie", last_name="Publique")
    join(project, person)
    assert entry_filter({"q": "Publique", "type": ["projet"]}, level=Visibility.PUBLIC).qs.count() == 1

    person.visibility = {"memberships": Visibility.PARTNERS}
    person.save(update_fields=["visibility"])
    index_persons([person.pk])

    assert entry_filter({"q": "Publique", "type": ["projet"]}, level=Visibility.PUBLIC).qs.count() == 0
    assert entry_filter({"q": "Publique", "type": ["projet"]}, level=Visibility.PARTNERS).qs.count() == 1


def test_a_change_of_the_carrying_structure_reaches_its_projects(make, carrier):
    project = make(title="Projet porté")
    Structure.objects.filter(pk=carrier.pk).update(name="Clinique Renommée", latitude=43.0, longitude=2.0)

    index_structures([carrier.pk])

    entry = entry_of(project)
    assert entry.card_public["subtitle"] == "Clinique Renommée"
    assert (entry.latitude, entry.longitude) == (43.0, 2.0)


def test_reindex_all_counts_projects(make, carrier):
    make(title="Projet A")
    make(title="Projet B", status=ModerationStatus.DRAFT)

    counts = reindex_all()

    assert counts["projects"] == 1
    assert Entry.objects.filter(kind=EntryKind.PROJECT).count() == 1


def test_project_filters_state_year_and_shared_facets(make, carrier):
    make_person(first_name="Anne", last_name="Actrice", domains=["soin-accompagnement"])
    ongoing = make(title="Projet en cours", started_on=datetime.date(2023, 1, 1), state="en_cours")
    done = make(
        title="Projet terminé",
        state="termine",
        started_on=datetime.date(2019, 1, 1),
        ended_on=datetime.date(2020, 12, 31),
        domains=["formation-recherche-innovation"],
        practices=["recherche"],
    )

    def found(data):
        result = directory_search(entry_filter(data, level=Visibility.PUBLIC))
        return sorted(card["title"] for card in _cards(result))

    assert found({"type": ["projet"]}) == ["Projet en cours", "Projet terminé"]
    assert found({"etat": ["termine"]}) == ["Projet terminé"]
    assert found({"annee": ["2020"]}) == ["Projet terminé"]
    assert found({"annee": ["2024"]}) == ["Projet en cours"]
    assert found({"activite": ["recherche"]}) == ["Projet terminé"]
    assert found({"domaine": ["soin-accompagnement"]}) == [
        "Anne Actrice",
        "Clinique des Projets",
        "Projet en cours",
    ]
    facets = {group.name: group for group in directory_search(entry_filter({}, level=0)).facets}
    assert {o.value: o.count for o in facets["type"].options} == {"personne": 2, "structure": 1, "projet": 2}
    assert [o.label for o in facets["type"].options] == ["Personne", "Structure", "Projet"]
    assert facets["type"].label == "Type de fiche"
    assert {o.value: o.count for o in facets["etat"].options} == {"en_projet": 0, "en_cours": 1, "termine": 1}
    # Only the years some project runs are offered, latest first.
    years = [(o.value, o.count) for o in facets["annee"].options]
    assert years[-2:] == [("2020", 1), ("2019", 1)]
    assert ("2023", 1) in years and ("2021", 0) not in years
    # Without projects in the result, the project facets are not offered.
    persons_only = {
        group.name for group in directory_search(entry_filter({"type": ["personne"]}, level=0)).facets
    }
    assert "etat" not in persons_only and "annee" not in persons_only
    assert ongoing.pk != done.pk


def _cards(result):
    from directory.selectors.listing import cards_for

    return cards_for(result.entry_ids(0, 100), result.audience)


def test_geojson_features_of_projects_have_kind_j_and_their_state_family(client, make, carrier):
    project = make(title="Projet cartographié", state="termine")
    make(title="Projet caché", status=ModerationStatus.PENDING)

    data = client.get(reverse("directory:api_geojson"), {"type": ["projet"]}).json()

    assert [feature["properties"] for feature in data["features"]] == [{"id": project.pk, "k": "j", "f": "t"}]


def test_bbox_keeps_the_entries_placed_inside_the_box(client, make, carrier):
    make_structure(name="Hôpital d'Albi", commune="81004")
    make_person(first_name="Nina", last_name="Montpellier", commune="34172")
    make(title="Projet toulousain")
    toulouse_box = "1.2,43.5,1.6,43.7"

    def titles(bbox, level=Visibility.PUBLIC):
        result = directory_search(entry_filter({"bbox": bbox}, level=level))
        return sorted(card["title"] for card in _cards(result))

    # The project's author lives in Toulouse too.
    assert titles(toulouse_box) == ["Camille Autrice", "Clinique des Projets", "Projet toulousain"]
    assert sorted(
        entry_filter({"bbox": toulouse_box}, level=0).qs.values_list("title_public", flat=True)
    ) == ["Camille Autrice", "Clinique des Projets", "Projet toulousain"]
    assert titles("1.2,43.5,4.0,44.0") == [
        "Camille Autrice",
        "Clinique des Projets",
        "Hôpital d'Albi",
        "Nina Montpellier",
        "Projet toulousain",
    ]
    # Invalid boxes are ignored (every entry), never an error.
    everyone = titles("")
    for invalid in ("1,2,3", "a,b,c,d", "1.2,44,1.6,43", "1,2,3,nan", "1,95,2,96"):
        assert titles(invalid) == everyone
        assert client.get(reverse("directory:list"), {"bbox": invalid}).status_code == 200
    geo = client.get(reverse("directory:api_geojson"), {"bbox": toulouse_box}).json()
    assert sorted(f["properties"]["k"] for f in geo["features"]) == ["j", "p", "s"]


def test_a_person_whose_commune_is_restricted_is_outside_every_public_box():
    make_person(
        first_name="Olga", last_name="Discrète", commune="31555", visibility={"commune": Visibility.STAFF}
    )
    box = {"bbox": "1.2,43.5,1.6,43.7"}

    assert directory_search(entry_filter(box, level=Visibility.PUBLIC)).total == 0
    assert entry_filter(box, level=Visibility.PUBLIC).qs.count() == 0
    assert directory_search(entry_filter(box, level=Visibility.STAFF)).total == 1
    index = audience_index("staff", Visibility.STAFF)
    assert index.in_box(1.2, 43.5, 1.6, 43.7).bit_count() == 1


def test_an_erased_persons_name_leaves_the_projects_search_text(make):
    from directory.services.profiles import person_delete

    project = make(title="Projet participatif")
    person = make_person(first_name="Zélie", last_name="Effacée")
    join(project, person)
    assert entry_filter({"q": "Effacée", "type": ["projet"]}, level=Visibility.STAFF).qs.count() == 1

    person_delete(person=person, by=UserFactory(is_staff=True))

    assert entry_filter({"q": "Effacée"}, level=Visibility.STAFF).qs.count() == 0
