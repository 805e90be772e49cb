"""The public signatories list, its filters, the statistics page, and what must never leak."""

import html
import re

import pytest

from actors.enums import ModerationStatus, Visibility
from tests.factories.charter import CharterVersionFactory, PersonFactory, StructureFactory, hide_name, sign


@pytest.fixture
def version(db):
    return CharterVersionFactory(year=2026)


@pytest.fixture
def cast(version):
    """Two structures, three named persons, one person with a hidden name, one unpublished person."""
    chu = StructureFactory(name="CHU de Montpellier", domains=["soin-accompagnement"])
    chu.zone = "est"
    chu.save(update_fields=["zone"])
    assoc = StructureFactory(
        name="Association des patients du Tarn", domains=["formation-recherche-innovation"]
    )
    assoc.zone = "ouest"
    assoc.save(update_fields=["zone"])
    alice = PersonFactory(
        first_name="Alice",
        last_name="Patientpartenaire",
        profiles=["patient-partenaire"],
        domains=["formation-recherche-innovation"],
        territories=["31"],
        user=None,
    )
    bruno = PersonFactory(
        first_name="Bruno",
        last_name="Infirmier",
        profiles=["professionnel-sanitaire"],
        domains=["soin-accompagnement"],
        territories=["34"],
        user=None,
    )
    chloe = PersonFactory(
        first_name="Chloé",
        last_name="Deuxcotes",
        profiles=["proche-aidant", "professionnel-social"],
        territories=["34", "31"],
        user=None,
    )
    hidden = hide_name(
        PersonFactory(first_name="Denise", last_name="Secretnom", profiles=["patient-partenaire"], user=None)
    )
    draft = PersonFactory(
        first_name="Émile", last_name="Brouillonnom", status=ModerationStatus.DRAFT, user=None
    )
    for structure in (chu, assoc):
        sign(version, structure=structure)
    for person in (alice, bruno, chloe, hidden, draft):
        sign(version, person=person)
    return {"chu": chu, "assoc": assoc, "alice": alice, "bruno": bruno, "chloe": chloe}


def names_on(page: str) -> list[str]:
    return re.findall(r'<h3 class="h6 mb-0">(?:<a href="[^"]*">)?([^<]+)', page)


def test_signatories_page_lists_structures_then_persons_with_public_names(cast, client):
    page = client.get("/charte/signataires/").content.decode()

    assert names_on(page) == [
        "Association des patients du Tarn",
        "CHU de Montpellier",
        "Alice Patientpartenaire",
        "Bruno Infirmier",
        "Chloé Deuxcotes",
    ]
    assert "7 signataires" not in page and "5 signataires" in page
    assert "2 autres personnes ont signé la charte sans rendre leur nom public" in page


def test_a_hidden_name_or_an_unpublished_profile_never_appears(cast, client):
    for url in (
        "/charte/signataires/",
        "/charte/statistiques/",
        "/charte/",
        "/charte/signataires/?type=personne",
    ):
        page = client.get(url).content.decode()
        assert "Secretnom" not in page
        assert "Brouillonnom" not in page


def test_signatories_filter_by_type(cast, client):
    page = client.get("/charte/signataires/?type=structure").content.decode()

    assert names_on(page) == ["Association des patients du Tarn", "CHU de Montpellier"]


def test_signatories_filter_by_side_counts_persons_on_both_sides_in_each(cast, client):
    users = names_on(client.get("/charte/signataires/?cote=usager").content.decode())
    pros = names_on(client.get("/charte/signataires/?cote=professionnel").content.decode())

    assert users == ["Alice Patientpartenaire", "Chloé Deuxcotes"]
    assert pros == ["Bruno Infirmier", "Chloé Deuxcotes"]


def test_signatories_filter_by_localisation(cast, client):
    est = names_on(client.get("/charte/signataires/?localisation=est").content.decode())
    region = names_on(client.get("/charte/signataires/?localisation=region").content.decode())

    assert est == ["CHU de Montpellier", "Bruno Infirmier"]
    assert region == ["Chloé Deuxcotes"]


def test_signatories_filter_by_domain(cast, client, django_db_blocker):
    from actors.models import Domain

    domain = Domain.objects.get(code="formation-recherche-innovation")

    page = client.get(f"/charte/signataires/?domaine={domain.pk}").content.decode()

    assert names_on(page) == ["Association des patients du Tarn", "Alice Patientpartenaire"]


def test_a_restricted_field_does_not_count_in_filters(cast, client):
    alice = cast["alice"]
    alice.visibility = {"profiles": int(Visibility.PARTNERS)}
    alice.save(update_fields=["visibility"])

    users = names_on(client.get("/charte/signataires/?cote=usager").content.decode())

    assert users == ["Chloé Deuxcotes"]


def test_unknown_filter_values_are_ignored(cast, client):
    response = client.get("/charte/signataires/?type=robot&domaine=abc&localisation=mars")

    assert response.status_code == 200
    assert len(names_on(response.content.decode())) == 5


def test_signatories_htmx_request_returns_only_the_results(cast, client):
    response = client.get("/charte/signataires/?type=structure", headers={"HX-Request": "true"})

    page = response.content.decode()
    assert page.lstrip().startswith('<section id="signatories-results"')
    assert "<html" not in page


def test_signatories_query_count_does_not_grow_with_the_list(version, client, django_assert_max_num_queries):
    def add(count):
        for _ in range(count):
            sign(version, structure=StructureFactory(domains=["soin-accompagnement"]))
            sign(
                version,
                person=PersonFactory(
                    profiles=["patient-partenaire"], domains=["soin-accompagnement"], user=None
                ),
            )

    add(3)
    with django_assert_max_num_queries(12) as small:
        client.get("/charte/signataires/")
    add(40)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/charte/signataires/")


def test_statistics_page_reproduces_the_committee_charts_with_tables(cast, client):
    page = client.get("/charte/statistiques/").content.decode()

    for title in ("Type de participation", "Profils des personnes signataires", "Localisation en Occitanie"):
        assert f'<figcaption class="chart-title">{title}</figcaption>' in page
    assert "Domaines d&#x27;activité" in page or "Domaines d'activité" in page
    assert page.count("<svg") >= 5
    assert page.count('<table class="table table-sm chart-table">') >= 5
    # By type: 2 structures, 5 persons (the hidden and the unpublished count, unnamed).
    assert re.search(r"<th scope=\"row\">Structure</th><td>2</td>", page)
    assert re.search(r"<th scope=\"row\">Individuelle</th><td>5</td>", page)
    # By side: Alice + Denise (hidden name, public profile) on the users' side; Bruno; Chloé on both;
    # Émile (unpublished) not communicated.
    assert '<th scope="row">Patients, proches-aidants, représentants des usagers</th><td>2</td>' in page
    assert '<th scope="row">Professionnels du système de santé</th><td>1</td>' in page
    assert '<th scope="row">Les deux</th><td>1</td>' in page
    assert '<th scope="row">Non communiqué</th><td>1</td>' in page


def test_statistics_by_localisation_split_structures_and_persons(cast, client):
    page = client.get("/charte/statistiques/").content.decode()

    assert '<th scope="row">Est</th><td>1</td><td>1</td>' in page  # CHU, Bruno
    assert '<th scope="row">Ouest</th><td>1</td><td>1</td>' in page  # association, Alice
    assert '<th scope="row">Région</th><td>0</td><td>1</td>' in page  # Chloé
    assert '<th scope="row">Non communiquée</th><td>0</td><td>2</td>' in page  # Denise, Émile


def test_statistics_count_a_withdrawal_out(cast, version, client):
    from actors.enums import Role
    from actors.services.charter import signature_withdraw
    from tests.factories.actors import UserFactory

    staff = UserFactory(roles=[Role.STAFF])
    signature_withdraw(signature=version.signatures.get(structure=cast["chu"]), by=staff)

    page = client.get("/charte/statistiques/").content.decode()

    assert re.search(r"<th scope=\"row\">Structure</th><td>1</td>", page)
    assert "CHU de Montpellier" not in client.get("/charte/signataires/").content.decode()


def test_statistics_of_a_previous_version(cast, client):
    older = CharterVersionFactory(year=2024)
    sign(older, structure=cast["chu"])

    page = client.get("/charte/statistiques/?annee=2024").content.decode()

    assert re.search(r"<th scope=\"row\">Structure</th><td>1</td>", page)
    assert re.search(r"<th scope=\"row\">Individuelle</th><td>0</td>", page)


def test_pages_without_any_version_say_so(client, db):
    def text(url):
        return html.unescape(client.get(url).content.decode())

    assert "La charte n'est pas encore publiée" in text("/charte/")
    assert "aucun signataire pour l'instant" in text("/charte/signataires/")
    assert "aucune statistique pour l'instant" in text("/charte/statistiques/")
