"""The charter's public pages keep their aggregates per version of the data: every change shows at
once, the query count does not grow with the signatures, and nothing restricted leaks."""

import re

import pytest

from actors.enums import Visibility
from actors.models import Domain
from actors.selectors import charter as selectors
from actors.services.charter import charter_sign, signature_withdraw
from actors.signals import DIRECTORY_VERSION_NAME
from directory import facets
from directory.facets import VERSION_NAME
from directory.services.merge import person_merge
from directory.services.profiles import person_delete, person_save
from tests.factories.charter import CharterVersionFactory, PersonFactory, StructureFactory, sign

PAGES = ["/charte/", "/charte/statistiques/", "/charte/signataires/", "/"]


@pytest.fixture(autouse=True)
def _fresh_charter_results():
    """The remembered aggregates outlive a test's transaction: every test starts without them."""
    selectors.forget_remembered()
    yield
    selectors.forget_remembered()


@pytest.fixture
def version(db):
    return CharterVersionFactory(year=2026)


def add_signatories(version, count: int) -> None:
    for index in range(count):
        sign(version, structure=StructureFactory(name=f"Structure {index}", domains=["soin-accompagnement"]))
        sign(
            version,
            person=PersonFactory(
                first_name="Prénom",
                last_name=f"Nom{index}",
                profiles=["patient-partenaire"],
                domains=["soin-accompagnement"],
                territories=["34"],
                user=None,
            ),
        )


def names_on(page: str) -> list[str]:
    return re.findall(r'<h3 class="h6 mb-0">(?:<a href="[^"]*">)?([^<]+)', page)


def total_on_statistics(client) -> str:
    page = client.get("/charte/statistiques/").content.decode()
    return re.search(r'<p class="figure-value mb-1">([^<]+)</p>', page).group(1)


def signatory_figure_on_home(client) -> str:
    page = client.get("/").content.decode()
    found = re.search(
        r'figure-value mb-1">([^<]+)</p>\s*<p class="figure-label mb-0"><a href="[^"]*">signataires de la charte 2026',
        page,
    )
    return found.group(1)


def warm(client) -> None:
    """Each cached page served once, so the next reads come from the remembered results."""
    for url in PAGES:
        assert client.get(url).status_code == 200


def test_the_directory_token_named_by_actors_is_the_directorys():
    assert DIRECTORY_VERSION_NAME == VERSION_NAME


def test_a_new_signature_appears_at_once_on_every_cached_page(version, partner, client):
    add_signatories(version, 2)
    person = PersonFactory(
        user=partner, first_name="Sacha", last_name="Martin", profiles=["patient-partenaire"]
    )
    warm(client)
    assert "Sacha Martin" not in names_on(client.get("/charte/signataires/?type=personne").content.decode())

    charter_sign(version=version, by=partner, person=person)

    assert names_on(client.get("/charte/signataires/?type=personne").content.decode()) == [
        "Prénom Nom0",
        "Prénom Nom1",
        "Sacha Martin",
    ]
    assert "Signée à ce jour par <strong>5</strong> partenaires" in client.get("/charte/").content.decode()
    assert total_on_statistics(client) == "5"
    assert signatory_figure_on_home(client) == "5"


def test_a_withdrawal_disappears_at_once_from_every_cached_page(version, partner, client):
    add_signatories(version, 2)
    person = PersonFactory(
        user=partner, first_name="Sacha", last_name="Martin", profiles=["patient-partenaire"]
    )
    signature = charter_sign(version=version, by=partner, person=person)
    warm(client)
    assert "Sacha Martin" in names_on(client.get("/charte/signataires/").content.decode())

    signature_withdraw(signature=signature, by=partner, reason="")

    assert "Sacha Martin" not in names_on(client.get("/charte/signataires/").content.decode())
    assert names_on(client.get("/charte/signataires/?type=personne").content.decode()) == [
        "Prénom Nom0",
        "Prénom Nom1",
    ]
    assert "Signée à ce jour par <strong>4</strong> partenaires" in client.get("/charte/").content.decode()
    assert total_on_statistics(client) == "4"
    assert signatory_figure_on_home(client) == "4"


def test_a_last_name_made_restricted_leaves_the_list_at_once(version, partner, client):
    person = PersonFactory(
        user=partner, first_name="Sacha", last_name="Martin", profiles=["patient-partenaire"]
    )
    charter_sign(version=version, by=partner, person=person)
    warm(client)
    assert "Martin" in client.get("/charte/signataires/").content.decode()

    person_save(person=person, by=partner, changes={"visibility": {"last_name": Visibility.PARTNERS}})

    page = client.get("/charte/signataires/").content.decode()
    assert "Martin" not in page
    assert names_on(page) == []
    assert "Une autre personne a signé la charte sans rendre son nom public" in page
    # Still counted: the statistics and the figures count every standing signature.
    assert total_on_statistics(client) == "1"


def test_a_deleted_profile_leaves_the_list_at_once_and_stays_counted(version, partner, staff_user, client):
    person = PersonFactory(
        user=partner, first_name="Sacha", last_name="Martin", profiles=["patient-partenaire"]
    )
    charter_sign(version=version, by=partner, person=person)
    warm(client)

    person_delete(person=person, by=partner)

    page = client.get("/charte/signataires/").content.decode()
    assert "Martin" not in page
    assert "Sacha" not in page
    assert total_on_statistics(client) == "1"


def test_a_write_outside_the_services_shows_at_once_too(version, client):
    """The admin saves models directly: the token moves with the rows."""
    structure = StructureFactory(name="Maison de santé du Lot")
    sign(version, structure=structure)
    warm(client)

    structure.name = "Maison de santé de Cahors"
    structure.save(update_fields=["name"])

    assert names_on(client.get("/charte/signataires/").content.decode()) == ["Maison de santé de Cahors"]


@pytest.mark.parametrize(
    "url",
    [
        "/charte/",
        "/charte/statistiques/",
        "/charte/signataires/",
        "/charte/signataires/?page=2",
        "/charte/signataires/?type=personne&localisation=est&cote=usager",
        "/",
    ],
)
def test_query_count_is_constant_in_the_number_of_signatures(
    version, client, url, django_assert_max_num_queries
):
    def queries_for(total: int) -> tuple[int, int]:
        add_signatories(version, total // 2 - selectors.signatory_counts(version).structures)
        selectors.forget_remembered()  # the first visitor after a change: the costly path
        facets.bump_version()  # what the directory's indexing of new signatories does (home figures)
        # The first visitor after a change reads every signature (7 queries) and writes the
        # statistics to the shared cache (a few more); the next ones read the token only.
        with django_assert_max_num_queries(20) as cold:
            assert client.get(url).status_code == 200
        with django_assert_max_num_queries(14) as warm_:
            assert client.get(url).status_code == 200
        return len(cold.captured_queries), len(warm_.captured_queries)

    with_few = queries_for(6)
    with_many = queries_for(50)

    assert with_many == with_few
    if url != "/":  # the home page gathers every app's figures; the charter's pages are ours
        assert with_few[1] <= 4


def test_the_cached_list_never_shows_a_restricted_name_to_anyone(
    version, client, partner_client, staff_client
):
    hidden = PersonFactory(
        first_name="Denise", last_name="Secretnom", profiles=["patient-partenaire"], user=None
    )
    hidden.visibility = {"last_name": int(Visibility.STAFF)}
    hidden.save(update_fields=["visibility"])
    sign(version, person=hidden)

    # The staff first: what a higher level may see must never be what the lower levels get.
    for viewer in (staff_client, partner_client, client):
        page = viewer.get("/charte/signataires/").content.decode()
        assert "Secretnom" not in page
        assert names_on(page) == []


def test_remembered_results_are_keyed_by_the_viewer_level(version):
    hidden = PersonFactory(
        first_name="Denise", last_name="Secretnom", profiles=["patient-partenaire"], user=None
    )
    hidden.visibility = {"last_name": int(Visibility.PARTNERS)}
    hidden.save(update_fields=["visibility"])
    sign(version, person=hidden)

    staff_rows = selectors.signatory_list_cached(version, Visibility.STAFF).rows
    public_rows = selectors.signatory_list_cached(version, Visibility.PUBLIC).rows

    assert [row.name for row in staff_rows] == ["Denise Secretnom"]
    assert public_rows == []


def test_a_change_the_directory_announces_shows_at_once(version, client):
    """Changes the charter's own token misses (a queryset update, a reindex) move the directory's."""
    sign(version, structure=StructureFactory(name="Maison de santé du Lot", domains=["soin-accompagnement"]))
    warm(client)
    Domain.objects.filter(code="soin-accompagnement").update(label="Soins et accompagnement au quotidien")

    facets.bump_version()

    page = client.get("/charte/signataires/").content.decode()
    results = page[page.index('<section id="signatories-results"') :]
    assert "<dd>Soins et accompagnement au quotidien</dd>" in results


def test_a_merge_shows_the_kept_profile_at_once(version, staff_user, client):
    keep = PersonFactory(first_name="Sacha", last_name="Martin", profiles=["patient-partenaire"], user=None)
    remove = PersonFactory(
        first_name="Sasha", last_name="Martinn", profiles=["patient-partenaire"], user=None
    )
    sign(version, person=remove)
    warm(client)
    assert names_on(client.get("/charte/signataires/").content.decode()) == ["Sasha Martinn"]

    person_merge(keep=keep, remove=remove, by=staff_user)

    assert names_on(client.get("/charte/signataires/").content.decode()) == ["Sacha Martin"]
