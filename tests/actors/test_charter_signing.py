"""Signing the charter for oneself or for a structure, and withdrawing a signature."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from actors.enums import ActorKind
from actors.models import Signature
from actors.services.charter import charter_sign, signature_withdraw
from tests.factories.actors import UnverifiedUserFactory
from tests.factories.charter import (
    CharterVersionFactory,
    PersonFactory,
    StructureFactory,
    make_referent,
    sign,
)


@pytest.fixture
def version(db):
    return CharterVersionFactory(year=2026, title="Charte d'engagement 2026")


@pytest.fixture
def person(partner):
    return PersonFactory(user=partner, first_name="Sacha", last_name="Martin")


@pytest.fixture
def structure(person):
    structure = StructureFactory(name="CHU de Montpellier")
    make_referent(person, structure)
    return structure


def test_sign_for_oneself_records_who_for_whom_which_version_and_when(version, person, partner):
    signature = charter_sign(version=version, by=partner, person=person)

    assert Signature.objects.count() == 1
    signature.refresh_from_db()
    assert (signature.version, signature.kind, signature.person, signature.structure) == (
        version,
        ActorKind.PERSON,
        person,
        None,
    )
    assert signature.signed_by == partner
    assert signature.signer_name == "Sacha Martin"
    assert signature.signed_at is not None
    assert signature.withdrawn_at is None


def test_sign_for_a_structure_as_its_referent(version, person, structure, partner):
    signature = charter_sign(version=version, by=partner, structure=structure)

    assert list(Signature.objects.values_list("kind", "structure__name", "signed_by__email")) == [
        (ActorKind.STRUCTURE, "CHU de Montpellier", "partenaire@exemple.fr")
    ]
    assert signature.person is None


def test_sign_for_a_structure_one_is_not_referent_of_is_refused_and_saves_nothing(version, other_partner):
    PersonFactory(user=other_partner)
    structure = StructureFactory(name="Clinique du Parc")

    with pytest.raises(ValidationError) as error:
        charter_sign(version=version, by=other_partner, structure=structure)

    assert error.value.messages == [
        "Vous ne pouvez pas signer pour « Clinique du Parc » : seuls les référents de la structure peuvent "
        "l'engager."
    ]
    assert Signature.objects.count() == 0


def test_a_simple_member_is_not_a_referent(version, other_partner):
    member = PersonFactory(user=other_partner)
    structure = StructureFactory(name="Clinique du Parc")
    membership = make_referent(member, structure)
    membership.is_referent = False
    membership.save()

    with pytest.raises(ValidationError):
        charter_sign(version=version, by=other_partner, structure=structure)

    assert Signature.objects.count() == 0


def test_signing_twice_for_the_same_version_is_refused_with_a_clear_message(version, person, partner):
    first = charter_sign(version=version, by=partner, person=person)

    with pytest.raises(ValidationError) as error:
        charter_sign(version=version, by=partner, person=person)

    day = first.signed_at.astimezone().day
    assert error.value.messages[0].startswith("« Sacha Martin » a déjà signé la charte 2026, le ")
    assert str(day) in error.value.messages[0]
    assert Signature.objects.count() == 1


def test_signing_for_someone_else_is_refused(version, other_partner):
    someone = PersonFactory(first_name="Lou", last_name="Bernard")

    with pytest.raises(ValidationError) as error:
        charter_sign(version=version, by=other_partner, person=someone)

    assert error.value.messages == [
        "Vous ne pouvez signer la charte en tant que personne qu'en votre propre nom."
    ]
    assert Signature.objects.count() == 0


def test_an_unverified_account_cannot_sign(version):
    user = UnverifiedUserFactory()
    person = PersonFactory(user=user)

    with pytest.raises(ValidationError) as error:
        charter_sign(version=version, by=user, person=person)

    assert error.value.messages == ["Confirmez d'abord votre adresse électronique pour signer la charte."]
    assert Signature.objects.count() == 0


def test_a_version_past_its_validity_cannot_be_signed(person, partner):
    version = CharterVersionFactory(year=2020, valid_from=date(2020, 1, 1), valid_until=date(2020, 12, 31))

    with pytest.raises(ValidationError) as error:
        charter_sign(version=version, by=partner, person=person)

    assert error.value.messages == ["Cette version de la charte n'est pas ouverte à la signature."]
    assert Signature.objects.count() == 0


def test_a_signature_can_be_withdrawn_by_its_signatory_then_signed_again(version, person, partner):
    signature = charter_sign(version=version, by=partner, person=person)

    signature_withdraw(signature=signature, by=partner, reason="Je change de région.")
    again = charter_sign(version=version, by=partner, person=person)

    signature.refresh_from_db()
    assert signature.withdrawn_by == partner
    assert signature.withdrawal_reason == "Je change de région."
    assert signature.withdrawn_at is not None
    assert again.pk != signature.pk
    assert Signature.objects.filter(withdrawn_at__isnull=True).get() == again


def test_withdrawing_someone_elses_signature_is_refused_and_saves_nothing(
    version, person, partner, other_partner
):
    signature = charter_sign(version=version, by=partner, person=person)

    with pytest.raises(ValidationError) as error:
        signature_withdraw(signature=signature, by=other_partner)

    assert error.value.messages == [
        "Vous ne pouvez pas retirer cette signature : seuls la personne signataire, les référents de la "
        "structure signataire et l'équipe du COPS le peuvent."
    ]
    signature.refresh_from_db()
    assert signature.withdrawn_at is None
    assert signature.withdrawn_by is None


def test_another_referent_of_the_structure_may_withdraw_its_signature(
    version, structure, partner, other_partner
):
    make_referent(PersonFactory(user=other_partner), structure)
    signature = charter_sign(version=version, by=partner, structure=structure)

    signature_withdraw(signature=signature, by=other_partner)

    signature.refresh_from_db()
    assert signature.withdrawn_by == other_partner


def test_withdrawing_twice_is_refused(version, person, partner, staff_user):
    signature = charter_sign(version=version, by=partner, person=person)
    signature_withdraw(signature=signature, by=staff_user)

    with pytest.raises(ValidationError) as error:
        signature_withdraw(signature=signature, by=partner)

    assert error.value.messages[0].startswith("Cette signature a déjà été retirée le ")
    signature.refresh_from_db()
    assert signature.withdrawn_by == staff_user


def test_the_database_refuses_two_standing_signatures_of_one_signatory(version, person):
    sign(version, person=person)

    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        sign(version, person=person)


# --- Through the pages ---------------------------------------------------------------------------------


def test_sign_page_signs_for_a_structure_and_says_so(version, structure, partner_client):
    response = partner_client.post(
        "/charte/signer/", {"signatory": f"structure:{structure.pk}", "accept": "on"}, follow=True
    )

    assert response.status_code == 200
    assert "Merci : la signature de la charte 2026 pour « CHU de Montpellier » est enregistrée." in (
        response.content.decode()
    )
    assert Signature.objects.get().structure == structure


def test_sign_page_refuses_a_structure_one_does_not_represent_keeping_the_form(
    version, person, partner_client
):
    other = StructureFactory(name="Clinique du Parc")

    response = partner_client.post("/charte/signer/", {"signatory": f"structure:{other.pk}", "accept": "on"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "Le formulaire contient une erreur" in page
    assert "Vous ne pouvez pas signer pour « Clinique du Parc »" in page
    assert Signature.objects.count() == 0


def test_sign_page_requires_the_commitment_box(version, person, partner_client):
    response = partner_client.post("/charte/signer/", {"signatory": f"personne:{person.pk}"})

    assert response.status_code == 400
    assert "Cochez cette case pour confirmer votre engagement." in response.content.decode()
    assert Signature.objects.count() == 0


def test_sign_page_twice_shows_the_already_signed_message(version, person, partner_client):
    partner_client.post("/charte/signer/", {"signatory": f"personne:{person.pk}", "accept": "on"})

    response = partner_client.post("/charte/signer/", {"signatory": f"personne:{person.pk}", "accept": "on"})

    assert response.status_code == 400
    assert "« Sacha Martin » a déjà signé la charte 2026" in response.content.decode()
    assert Signature.objects.count() == 1


def test_sign_page_without_a_person_profile_explains_and_links_to_the_directory(version, partner_client):
    response = partner_client.get("/charte/signer/")

    page = response.content.decode()
    assert "Créez d'abord votre fiche dans l'annuaire" in page
    assert "Créer ma fiche dans l&#x27;annuaire" in page or "Créer ma fiche dans l'annuaire" in page


def test_sign_page_lists_oneself_and_the_represented_structures(version, structure, person, partner_client):
    sign(version, person=person)

    page = partner_client.get("/charte/signer/").content.decode()

    assert "Sacha Martin" in page
    assert "CHU de Montpellier" in page
    assert "Déjà signée le" in page  # the person's own signature, shown as done


def test_sign_page_sends_anonymous_visitors_to_the_login(version, client):
    response = client.get("/charte/signer/")

    assert response.status_code == 302
    assert response["Location"].startswith("/compte/connexion/")


def test_withdraw_page_is_not_found_for_someone_elses_signature(version, person, other_partner):
    from django.test import Client

    signature = sign(version, person=person)
    client = Client()
    client.force_login(other_partner)

    page = client.get(f"/charte/signatures/{signature.pk}/retirer/")
    response = client.post(f"/charte/signatures/{signature.pk}/retirer/", {"reason": ""})

    assert (page.status_code, response.status_code) == (404, 404)
    assert "Sacha Martin" not in page.content.decode()
    signature.refresh_from_db()
    assert signature.withdrawn_at is None


def test_withdraw_page_withdraws_ones_own_signature(version, person, partner_client):
    signature = sign(version, person=person)

    response = partner_client.post(
        f"/charte/signatures/{signature.pk}/retirer/", {"reason": "Départ"}, follow=True
    )

    assert "La signature de « Sacha Martin » pour la charte 2026 est retirée." in response.content.decode()
    signature.refresh_from_db()
    assert signature.withdrawal_reason == "Départ"


def test_charter_page_shows_the_current_version_and_my_signatures(version, person, partner_client):
    CharterVersionFactory(year=2025, title="Charte d'engagement 2025")
    sign(version, person=person)

    page = partner_client.get("/charte/").content.decode()

    assert "<h1>Charte d&#x27;engagement 2026</h1>" in page or "<h1>Charte d'engagement 2026</h1>" in page
    assert "Les signataires reconnaissent les savoirs de chacun." in page
    assert "Retirer cette signature" in page
    assert "Charte d&#x27;engagement 2025" in page or "Charte d'engagement 2025" in page


def test_the_charte_nav_link_lands_on_the_charter_page(version, client):
    response = client.get("/charte/")

    assert response.status_code == 200
    assert response.templates[0].name == "charter/charter.html"
    assert 'href="/charte/" aria-current="page"' in response.content.decode()


def test_draft_versions_are_not_public(client, db):
    CharterVersionFactory(year=2027, published_at=None, title="Brouillon 2027")

    assert "Brouillon 2027" not in client.get("/charte/").content.decode()
    assert client.get("/charte/2027/").status_code == 404


def test_staff_may_not_be_impersonated_by_a_partner_on_staff_pages(partner_client, db):
    for url in ("/charte/gestion/", "/charte/gestion/versions/nouvelle/", "/charte/signataires/export/csv/"):
        assert partner_client.get(url).status_code == 403
