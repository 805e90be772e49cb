import gzip
import json

import pytest
from django.urls import reverse

from actors.enums import ModerationStatus, Visibility
from actors.models import ActorProfile, Commune, Domain
from directory import listing_cache
from directory.indexing import index_projects
from directory.models import Project, ProjectPerson, ProjectPersonStatus
from directory.services.bulk import ProfileRow, persons_bulk_create, structures_bulk_create
from tests.factories.actors import UserFactory
from tests.factories.directory import make_person, make_project, make_structure

pytestmark = pytest.mark.django_db


def add_actors(count: int, *, start: int = 0) -> None:
    """Published persons and structures across Occitanie, through the bulk services."""
    profile = ActorProfile.objects.get(code="patient-partenaire").pk
    domain = Domain.objects.get(code="soin-accompagnement").pk
    communes = ["31555", "34172", "81004", "82121", "66136", "30189"]
    persons = [
        ProfileRow(
            fields={
                "first_name": f"Prénom{n}",
                "last_name": f"Nom{n}",
                "commune_id": communes[n % len(communes)],
                "bio": "Patient partenaire engagé.",
                "visibility": {"last_name": int(Visibility.PARTNERS)} if n % 3 == 0 else {},
            },
            many_to_many={"profiles": [profile], "domains": [domain], "territories": ["31", "34"]},
            status=ModerationStatus.PUBLISHED,
        )
        for n in range(start, start + count - count // 4)
    ]
    structures = [
        ProfileRow(
            fields={"name": f"Structure {n}", "commune_id": communes[n % len(communes)]},
            many_to_many={"domains": [domain], "territories": ["81"]},
            status=ModerationStatus.PUBLISHED,
        )
        for n in range(start, start + count // 4)
    ]
    persons_bulk_create(rows=persons)
    structures_bulk_create(rows=structures)


@pytest.mark.parametrize("path_name", ["directory:list", "directory:map", "directory:patient_partners"])
def test_page_query_count_is_the_same_with_10_and_200_results(
    client, path_name, django_assert_max_num_queries
):
    params = {"domaine": "soin-accompagnement", "q": "partenaire"}
    add_actors(10)
    client.get(reverse(path_name), params)  # warm the per-process caches (taxonomy choices)
    with django_assert_max_num_queries(20) as small:
        client.get(reverse(path_name), params)
    with_10 = len(small.captured_queries)  # read now: the next request resets the query log

    add_actors(190, start=10)
    client.get(reverse(path_name), params)  # the in-memory index reloads once after a change
    with django_assert_max_num_queries(with_10):
        response = client.get(reverse(path_name), params)

    assert response.status_code == 200


def test_api_list_query_count_is_the_same_with_10_and_200_results(client, django_assert_max_num_queries):
    add_actors(10)
    client.get(reverse("directory:api_actors"))
    with django_assert_max_num_queries(10) as small:
        first = client.get(reverse("directory:api_actors"), {"taille": 200}).json()
    with_10 = len(small.captured_queries)

    add_actors(190, start=10)
    with django_assert_max_num_queries(with_10):
        second = client.get(reverse("directory:api_actors"), {"taille": 200}).json()

    assert (first["count"], len(first["results"])) == (10, 10)
    assert (second["count"], len(second["results"])) == (200, 200)


def test_api_list_filters_and_paginates(client):
    make_person(first_name="Alice", last_name="Filtrée", domains=["formation-recherche-innovation"])
    add_actors(8)

    page = client.get(reverse("directory:api_actors"), {"taille": 3, "type": "personne"}).json()
    filtered = client.get(
        reverse("directory:api_actors"), {"domaine": "formation-recherche-innovation"}
    ).json()

    assert page["count"] == 7 and len(page["results"]) == 3 and "page=2" in page["next"]
    assert [item["title"] for item in filtered["results"]] == ["Alice Filtrée"]
    assert filtered["results"][0]["url"] == "http://testserver" + reverse(
        "directory:person_detail", args=[filtered["results"][0]["id"]]
    )


def test_api_details_and_unpublished_actors(client):
    person = make_person(first_name="Berthe", last_name="Api", email="berthe@exemple.fr")
    structure = make_structure(name="Clinique de l'API", siret="73282932000074")
    draft = make_person(first_name="Caché", last_name="Brouillon", status=ModerationStatus.DRAFT)

    person_data = client.get(reverse("directory:api_person", args=[person.pk])).json()
    structure_data = client.get(reverse("directory:api_structure", args=[structure.pk])).json()

    assert person_data["title"] == "Berthe Api"
    assert "email" not in person_data  # partners only by default
    assert person_data["profiles"] == ["Patient partenaire"]
    assert structure_data["siret"] == "73282932000074"
    assert structure_data["commune"] == "Montauban"
    assert client.get(reverse("directory:api_person", args=[draft.pk])).status_code == 404


def test_geojson_is_compact_rounded_and_honours_filters(client):
    make_person(first_name="Dora", last_name="Carte", commune="81004", profiles=["proche-aidant"])
    make_person(
        first_name="Eve", last_name="Cachée", commune="34172", visibility={"commune": Visibility.STAFF}
    )
    make_structure(name="Hôpital de la Carte", commune="82121")

    response = client.get(reverse("directory:api_geojson"), HTTP_ACCEPT_ENCODING="gzip")
    data = json.loads(gzip.decompress(response.content))
    filtered = client.get(reverse("directory:api_geojson"), {"type": "structure"}).json()

    assert response["Content-Type"] == "application/geo+json"
    assert response["Content-Encoding"] == "gzip"
    assert data["type"] == "FeatureCollection"
    points = sorted((f["properties"]["k"], f["geometry"]["coordinates"]) for f in data["features"])
    albi, montauban = Commune.objects.get(pk="81004"), Commune.objects.get(pk="82121")
    # Albi's and Montauban's centroids, 4 decimals; Eve's commune is staff-only: not on the map.
    assert points == [
        ("p", [round(albi.longitude, 4), round(albi.latitude, 4)]),
        ("s", [round(montauban.longitude, 4), round(montauban.latitude, 4)]),
    ]
    assert set(data["features"][0]) == {"type", "geometry", "properties"}
    assert set(data["features"][0]["properties"]) == {"id", "k", "f"}
    # Icon families: Dora is a proche-aidante (usagers' side), the hospital a health establishment.
    assert sorted((f["properties"]["k"], f["properties"]["f"]) for f in data["features"]) == [
        ("p", "u"),
        ("s", "h"),
    ]
    assert [f["properties"]["k"] for f in filtered["features"]] == ["s"]


def test_geojson_has_no_format_parameter_and_refuses_invalid_filters(client):
    make_structure(name="Hôpital de la Carte", commune="82121")
    url = reverse("directory:api_geojson")
    plain = client.get(url)

    with_format = [client.get(url, {"format": value}) for value in ("", "json", "xml")]
    invalid = client.get(url, {"type": "inconnu"})
    parameters = client.get(reverse("directory:api_schema"), {"format": "json"}).json()["paths"][
        "/api/annuaire/carte.geojson"
    ]["get"]["parameters"]

    # One representation: `format` is not a parameter, whatever its value the same GeoJSON comes back.
    assert [(r.status_code, r["Content-Type"], r.content) for r in with_format] == [
        (200, "application/geo+json", plain.content)
    ] * 3
    assert "format" not in {parameter["name"] for parameter in parameters}
    # An invalid filter is refused as on the list, not ignored (which would map everyone).
    assert invalid.status_code == 400
    assert list(invalid.json()) == ["type"]


def test_openapi_schema_declares_the_values_the_filters_validate(client):
    schema = client.get(reverse("directory:api_schema"), {"format": "json"}).json()

    for path in ("/api/annuaire/acteurs/", "/api/annuaire/carte.geojson"):
        parameters = {p["name"]: p["schema"] for p in schema["paths"][path]["get"]["parameters"]}
        assert parameters["domaine"] == {
            "type": "array",
            "items": {
                "type": "string",
                "enum": list(Domain.objects.filter(is_active=True).values_list("code", flat=True)),
            },
        }
        assert parameters["type"]["items"]["enum"] == ["personne", "structure", "projet"]
        assert parameters["etat"]["items"]["enum"] == ["en_projet", "en_cours", "termine"]
        assert "2020" in parameters["annee"]["items"]["enum"]
        assert parameters["bbox"] == {"type": "string", "pattern": r"^[^\x00]*$"}
        assert parameters["territoire"]["items"]["enum"][:4] == ["est", "ouest", "region", "09"]
        assert parameters["rayon"]["enum"] == ["", "5", "10", "20", "50", "100"]
        assert parameters["code_postal"]["pattern"] == "^([0-9]{5})?$"
        assert parameters["q"]["pattern"] == parameters["commune"]["pattern"] == r"^[^\x00]*$"


def test_api_refuses_a_malformed_page_size_or_page(client):
    make_structure(name="Hôpital de la Page", commune="82121")
    url = reverse("directory:api_actors")

    statuses = {
        value: client.get(url, {"taille": value}).status_code for value in ("", "0", "-3", "deux", "500")
    }
    empty_page = client.get(url, {"page": ""})

    assert statuses == {"": 400, "0": 400, "-3": 400, "deux": 400, "500": 200}
    assert list(client.get(url, {"taille": "0"}).json()) == ["taille"]
    assert empty_page.status_code == 400


def test_api_refuses_a_postal_code_in_non_ascii_digits(client):
    # The schema says [0-9]{5}: Arabic-Indic digits (which Python's \d accepts) are refused too.
    response = client.get(reverse("directory:api_actors"), {"code_postal": "٣٤٠٠٠"})

    assert response.status_code == 400
    assert list(response.json()) == ["code_postal"]


def test_openapi_schema_and_self_hosted_docs(client):
    schema = client.get(reverse("directory:api_schema"))
    docs = client.get(reverse("directory:api_docs")).content.decode()

    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/annuaire/acteurs/" in text and "/api/annuaire/carte.geojson" in text
    assert "/api/annuaire/projets/{id}/" in text
    assert "territoire" in text and "taille" in text
    assert "cdn" not in docs.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs


def test_keyword_search_is_rate_limited(client, settings):
    settings.RATE_LIMITS = {"directory.search": (2, 60)}

    codes = [client.get(reverse("directory:list"), {"q": "hôpital"}).status_code for _ in range(3)]
    api = client.get(reverse("directory:api_actors"), {"q": "hôpital"}).status_code
    plain = client.get(reverse("directory:list")).status_code

    assert codes == [200, 200, 429]
    assert api == 429
    assert plain == 200


def add_projects(count: int, *, start: int = 0) -> None:
    """Published projects carried by one structure, written directly and indexed in one batch."""
    carrier = make_structure(name=f"Porteuse {start}", commune="34172")
    domain = Domain.objects.get(code="soin-accompagnement")
    projects = Project.objects.bulk_create(
        Project(
            title=f"Projet {n}",
            slug=f"projet-{n}",
            summary="Un projet partenarial.",
            main_structure=carrier,
            status=ModerationStatus.PUBLISHED,
        )
        for n in range(start, start + count)
    )
    for project in projects:
        project.domains.add(domain)
    index_projects([project.pk for project in projects])


def test_list_query_count_is_the_same_with_projects_in_the_results(client, django_assert_max_num_queries):
    params = {"domaine": "soin-accompagnement"}
    add_actors(8)
    add_projects(2)
    client.get(reverse("directory:list"), params)  # warm the per-process caches
    listing_cache.reset()  # but not the rendered list: measure a real rendering
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("directory:list"), params)
    with_few = len(small.captured_queries)

    add_projects(40, start=2)
    client.get(reverse("directory:list"), params)
    listing_cache.reset()
    with django_assert_max_num_queries(with_few):
        response = client.get(reverse("directory:list"), params | {"type": "projet"})

    content = response.content.decode()
    assert content.count('class="actor-card kind-projet"') == 20  # one page
    assert "Porté par Porteuse 2" in content and "En cours" in content


def test_project_card_on_the_list_page_and_in_the_api(client):
    import datetime

    project = make_project(
        title="Binômes en ETP",
        started_on=datetime.date(2021, 9, 1),
        ended_on=datetime.date(2023, 6, 1),
        state="termine",
    )

    page = client.get(reverse("directory:list"), {"type": "projet"}).content.decode()
    api = client.get(reverse("directory:api_actors"), {"type": "projet"}).json()

    assert 'class="actor-card kind-projet"' in page
    assert f'<a href="{project.get_absolute_url()}">Binômes en ETP</a>' in page
    assert '<span class="tag project-state project-state-termine">Terminé</span>' in page
    assert "2021–2023" in page and "Porté par Centre hospitalier de Montauban" in page
    assert api["count"] == 1
    assert api["results"][0] | {"id": 0} == {
        "id": 0,
        "kind": "projet",
        "title": "Binômes en ETP",
        "subtitle": "Centre hospitalier de Montauban",
        "place": "Montauban",
        "domains": ["Soin et accompagnement"],
        "excerpt": "Des patients partenaires co-animent les ateliers d'ETP avec les soignants.",
        "url": "http://testserver" + project.get_absolute_url(),
        "badges": [],
        "state": "termine",
        "years": "2021–2023",
    }


def test_project_detail_api_shows_accepted_persons_as_each_audience_may_see_them(client):
    project = make_project(title="Projet API")
    shown = make_person(first_name="Rose", last_name="Visible", visibility={"last_name": Visibility.PARTNERS})
    hidden = make_person(
        first_name="Jules", last_name="Discret", visibility={"memberships": Visibility.PARTNERS}
    )
    declined = make_person(first_name="Paul", last_name="Refus")
    ProjectPerson.objects.create(
        project=project, person=shown, status=ProjectPersonStatus.ACCEPTED, role="pair"
    )
    ProjectPerson.objects.create(project=project, person=hidden, status=ProjectPersonStatus.ACCEPTED)
    ProjectPerson.objects.create(project=project, person=declined, status=ProjectPersonStatus.DECLINED)
    url = reverse("directory:api_project", args=[project.pk])

    public = client.get(url).json()
    partner = UserFactory()
    make_person(user=partner)
    client.force_login(partner)
    as_partner = client.get(url).json()

    assert public["title"] == "Projet API"
    assert public["kind"] == "projet"
    assert public["subtitle"] == "Centre hospitalier de Montauban"
    assert public["badges"] == ["En cours"]
    assert public["url"] == "http://testserver" + project.get_absolute_url()
    assert public["domains"] == ["Soin et accompagnement"]
    assert public["practices"] == ["Éducation thérapeutique du patient (ETP)"]
    assert [s["name"] for s in public["structures"]] == ["Centre hospitalier de Montauban"]
    assert [(p["title"], p["role"]) for p in public["persons"]] == [("Rose", "pair")]
    assert sorted((p["title"], p["role"]) for p in as_partner["persons"]) == [
        ("Jules Discret", ""),
        ("Rose Visible", "pair"),
    ]
    assert "Refus" not in json.dumps(as_partner) and "Discret" not in json.dumps(public)


@pytest.mark.parametrize("status", [ModerationStatus.DRAFT, ModerationStatus.PENDING])
def test_an_unpublished_project_is_in_no_api_answer(client, status):
    project = make_project(title="Projet pas encore publié", status=status)

    assert client.get(reverse("directory:api_project", args=[project.pk])).status_code == 404
    assert client.get(reverse("directory:api_project", args=[987654])).status_code == 404
    assert client.get(reverse("directory:api_actors"), {"type": "projet"}).json()["count"] == 0
    assert client.get(reverse("directory:api_geojson"), {"type": "projet"}).json()["features"] == []
    assert "pas encore publié" not in client.get(reverse("directory:list")).content.decode()
