"""The directory's "engagé(e) dans la charte COPS" filter and badge follow the signatures."""

import pytest

from actors.enums import Visibility
from actors.selectors.charter import signatory_list
from actors.services.charter import charter_sign, charter_version_publish, signature_withdraw
from directory.indexing import ENGAGED_TAG, index_persons, index_structures
from directory.models import Entry
from tests.factories.charter import CharterVersionFactory, PersonFactory, StructureFactory, make_referent

BADGE = "Engagé(e) dans la charte COPS"


@pytest.fixture
def version(db):
    return CharterVersionFactory(year=2026)


@pytest.fixture
def actors(partner):
    person = PersonFactory(user=partner, first_name="Sacha", last_name="Martin")
    signing = StructureFactory(name="Clinique des Signataires")
    other = StructureFactory(name="Centre des Autres")
    make_referent(person, signing)
    index_persons([person.pk])
    index_structures([signing.pk, other.pk])
    return person, signing, other


def test_signing_tags_the_directory_entry_and_withdrawing_removes_it(
    version, actors, partner, django_capture_on_commit_callbacks
):
    person, signing, _other = actors

    with django_capture_on_commit_callbacks(execute=True):
        signature = charter_sign(version=version, by=partner, structure=signing)
    tagged = Entry.objects.get(structure=signing)
    with django_capture_on_commit_callbacks(execute=True):
        signature_withdraw(signature=signature, by=partner)
    untagged = Entry.objects.get(structure=signing)

    assert ENGAGED_TAG in tagged.tags_public and ENGAGED_TAG in tagged.tags_partners
    assert ENGAGED_TAG not in untagged.tags_public


def test_directory_filter_keeps_only_engaged_actors_and_cards_show_the_badge(
    version, actors, partner, client, django_capture_on_commit_callbacks
):
    person, signing, other = actors
    with django_capture_on_commit_callbacks(execute=True):
        charter_sign(version=version, by=partner, structure=signing)

    everyone = client.get("/annuaire/").content.decode()
    engaged = client.get("/annuaire/?charte=engage").content.decode()

    assert "Centre des Autres" in everyone and "Clinique des Signataires" in everyone
    assert "Clinique des Signataires" in engaged
    assert "Centre des Autres" not in engaged
    assert "Sacha Martin" not in engaged
    assert engaged.count(BADGE) >= 2  # the facet's label and the card's badge
    assert "charte" in engaged and 'value="engage"' in engaged


def test_detail_page_and_api_detail_carry_the_badge(
    version, actors, partner, client, django_capture_on_commit_callbacks
):
    person, signing, other = actors
    with django_capture_on_commit_callbacks(execute=True):
        charter_sign(version=version, by=partner, person=person)

    page = client.get(f"/annuaire/personnes/{person.pk}/").content.decode()
    other_page = client.get(f"/annuaire/structures/{other.pk}/").content.decode()
    api = client.get(f"/api/annuaire/personnes/{person.pk}/", headers={"Accept": "application/json"}).json()

    assert f'<li class="tag tag-badge">{BADGE}</li>' in page
    assert BADGE not in other_page
    assert api["badges"] == [BADGE]


def test_a_new_version_moves_the_badge_to_those_who_renew(
    version, actors, partner, staff_user, django_capture_on_commit_callbacks
):
    person, signing, _other = actors
    with django_capture_on_commit_callbacks(execute=True):
        charter_sign(version=version, by=partner, structure=signing)
    new = CharterVersionFactory(year=2027, published_at=None)

    with django_capture_on_commit_callbacks(execute=True):
        charter_version_publish(version=new, by=staff_user)
    before_renewal = Entry.objects.get(structure=signing).tags_public
    new.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        charter_sign(version=new, by=partner, structure=signing)
    after_renewal = Entry.objects.get(structure=signing).tags_public

    assert ENGAGED_TAG not in before_renewal
    assert ENGAGED_TAG in after_renewal


def test_a_signatory_hidden_from_the_signatories_page_carries_no_badge(
    version, actors, partner, client, django_capture_on_commit_callbacks
):
    """The signatories page names a person only when their last name is public: the badge and the
    filter, which say the same thing, follow the same consent."""
    visible, _signing, _other = actors
    hidden = PersonFactory(
        first_name="Dominique", last_name="Discret", visibility={"last_name": Visibility.PARTNERS}
    )
    index_persons([hidden.pk])
    with django_capture_on_commit_callbacks(execute=True):
        charter_sign(version=version, by=partner, person=visible)
        charter_sign(version=version, by=hidden.user, person=hidden)

    hidden_detail = client.get(f"/api/annuaire/personnes/{hidden.pk}/").json()
    visible_detail = client.get(f"/api/annuaire/personnes/{visible.pk}/").json()
    listed = {
        card["id"]: card["badges"]
        for card in client.get("/api/annuaire/acteurs/?type=personne").json()["results"]
    }
    engaged = [card["id"] for card in client.get("/api/annuaire/acteurs/?charte=engage").json()["results"]]
    named_on_signatories_page = [row.name for row in signatory_list(version).rows]

    assert named_on_signatories_page == ["Sacha Martin"]
    assert hidden_detail["badges"] == []
    assert visible_detail["badges"] == [BADGE]
    assert listed[hidden.pk] == []
    assert listed[visible.pk] == [BADGE]
    assert engaged == [visible.pk]
