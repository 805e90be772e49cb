import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from actors.enums import MembershipStatus, ModerationStatus, Visibility
from actors.models import Membership, Person, Structure
from actors.permissions import is_structure_referent
from directory.models import Entry
from directory.permissions import can_edit_structure
from directory.selectors.profiles import person_possible_duplicates, structure_possible_duplicates
from directory.services.memberships import membership_decide, membership_request
from directory.services.merge import person_merge, structure_merge
from tests.factories.actors import UserFactory
from tests.factories.directory import VALID_FINESS, VALID_SIRET, make_person, make_structure

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def referent():
    return make_person(first_name="Régine", last_name="Référente")


@pytest.fixture
def structure(referent):
    # Registered by the référent, who has a person profile: she becomes its référent.
    return make_structure(
        by=referent.user, name="Maison de santé de Castres", commune="81065", postal_code="81100"
    )


def test_registrant_with_a_profile_becomes_referent(referent, structure):
    membership = Membership.objects.get(structure=structure)

    assert (membership.person_id, membership.is_referent, membership.status) == (
        referent.pk,
        True,
        MembershipStatus.ACCEPTED,
    )
    assert is_structure_referent(referent.user, structure)
    assert can_edit_structure(referent.user, structure)
    assert not can_edit_structure(UserFactory(), structure)


def test_request_emails_the_referents_and_acceptance_lists_the_member(
    referent, structure, client, django_capture_on_commit_callbacks
):
    member = make_person(first_name="Marc", last_name="Membre", visibility={"last_name": Visibility.PARTNERS})

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(member.user).post(
            reverse("directory:membership_request", args=[structure.pk]),
            {"function": "Infirmier coordinateur", "message": "Je travaille ici depuis 2019."},
        )

    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[referent.user.email]]
    assert (
        "Marc Membre demande à apparaître comme membre de « Maison de santé de Castres »"
        in mail.outbox[0].body
    )
    requests_page = client_for(referent.user).get(reverse("directory:membership_requests")).content.decode()
    assert "Infirmier coordinateur" in requests_page
    membership = Membership.objects.get(person=member)

    with django_capture_on_commit_callbacks(execute=True):
        client_for(referent.user).post(
            reverse("directory:membership_decide", args=[membership.pk]), {"decision": "accept"}
        )

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACCEPTED
    assert mail.outbox[-1].to == [member.user.email]
    assert (
        mail.outbox[-1].subject
        == "Vous êtes membre de « Maison de santé de Castres » dans l'annuaire du COPS"
    )
    page = client.get(reverse("directory:structure_detail", args=[structure.pk])).content.decode()
    # The visitor sees the member as the member allows (first name only here).
    assert ">Marc</a> — Infirmier coordinateur" in page


def test_refused_request_and_outsiders_cannot_decide(referent, structure):
    member = make_person(first_name="Marc", last_name="Refusé")
    membership = membership_request(
        person=member, structure=structure, function="Bénévole", message="", by=member.user
    )

    outsider = client_for(UserFactory())
    forbidden = outsider.post(
        reverse("directory:membership_decide", args=[membership.pk]), {"decision": "accept"}
    )
    membership_decide(membership=membership, accept=False, by=referent.user)

    assert forbidden.status_code == 403
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.REFUSED
    with pytest.raises(ValidationError):
        membership_decide(membership=membership, accept=True, by=referent.user)


def test_a_second_request_is_refused_while_one_is_pending(structure):
    member = make_person(first_name="Marc", last_name="Double")
    membership_request(person=member, structure=structure, function="", message="", by=member.user)

    with pytest.raises(ValidationError) as error:
        membership_request(person=member, structure=structure, function="", message="", by=member.user)

    assert error.value.messages == ["Vous avez déjà demandé à rejoindre cette structure."]


def test_duplicates_are_found_by_email_identifier_or_similar_name():
    first = make_person(
        first_name="Jean-Pierre", last_name="Fabre", email="jp.fabre@exemple.fr", commune="34172"
    )
    by_email = make_person(
        first_name="JP", last_name="F.", email="JP.Fabre@exemple.fr", status=ModerationStatus.DRAFT
    )
    by_name = make_person(
        first_name="Jean Pierre", last_name="Fabres", commune="34172", status=ModerationStatus.DRAFT
    )
    elsewhere = make_person(
        first_name="Jean-Pierre", last_name="Fabre", commune="31555", status=ModerationStatus.DRAFT
    )
    hospital = make_structure(
        name="Centre hospitalier d'Albi", siret=VALID_SIRET, commune="81004", postal_code="81000"
    )
    same_siret = make_structure(name="CH Albi", siret=VALID_SIRET, status=ModerationStatus.DRAFT)
    same_finess = make_structure(name="Autre nom", finess=VALID_FINESS, status=ModerationStatus.DRAFT)
    Structure.objects.filter(pk=hospital.pk).update(finess=VALID_FINESS)

    assert person_possible_duplicates(by_email) == [first]
    assert first in person_possible_duplicates(by_name)
    assert first not in person_possible_duplicates(elsewhere)
    assert hospital in structure_possible_duplicates(same_siret)
    assert hospital in structure_possible_duplicates(same_finess)


def test_merge_persons_moves_memberships_fills_blanks_and_keeps_the_strictest_visibility(structure):
    keep = make_person(
        first_name="Julie", last_name="Martin", bio="", visibility={"email": Visibility.PUBLIC}
    )
    remove = make_person(
        first_name="Julie",
        last_name="Martin",
        bio="Ma présentation.",
        email="julie@exemple.fr",
        domains=["formation-recherche-innovation"],
        visibility={"email": Visibility.STAFF},
        status=ModerationStatus.DRAFT,
    )
    Person.objects.filter(pk=remove.pk).update(user=None)
    remove.refresh_from_db()
    Membership.objects.create(
        person=remove, structure=structure, function="Patiente partenaire", status="acceptee"
    )

    merged = person_merge(keep=keep, remove=remove, by=UserFactory())

    assert not Person.objects.filter(pk=remove.pk).exists()
    assert merged.bio == "Ma présentation."
    assert merged.email == "julie@exemple.fr"
    assert merged.field_level("email") == Visibility.STAFF
    assert sorted(merged.domains.values_list("code", flat=True)) == [
        "formation-recherche-innovation",
        "soin-accompagnement",
    ]
    assert list(Membership.objects.filter(person=merged).values_list("structure_id", "function")) == [
        (structure.pk, "Patiente partenaire")
    ]
    assert Entry.objects.filter(person=merged).count() == 1


def test_merge_of_two_profiles_with_accounts_is_refused():
    first, second = make_person(first_name="A", last_name="Un"), make_person(first_name="A", last_name="Deux")

    with pytest.raises(ValidationError):
        person_merge(keep=first, remove=second, by=UserFactory())

    assert Person.objects.filter(pk__in=[first.pk, second.pk]).count() == 2


def test_merge_structures_through_the_staff_page(staff_client, referent, structure):
    duplicate = make_structure(
        name="Maison de santé Castres", commune="81065", postal_code="81100", status=ModerationStatus.PENDING
    )
    member = make_person(first_name="Nora", last_name="Membre")
    Membership.objects.create(
        person=member, structure=duplicate, status=MembershipStatus.ACCEPTED, function="Kiné"
    )
    review = staff_client.get(
        reverse("directory:moderation_review", args=["structure", duplicate.pk])
    ).content.decode()
    assert "Maison de santé de Castres" in review  # flagged as a possible duplicate

    response = staff_client.post(
        reverse("directory:merge_profiles", args=["structure", structure.pk, duplicate.pk]),
        {"keep": structure.pk, "remove": duplicate.pk, "confirm": "on"},
    )

    assert response.status_code == 302
    assert not Structure.objects.filter(pk=duplicate.pk).exists()
    assert sorted(
        Membership.objects.filter(structure=structure).values_list("person__first_name", flat=True)
    ) == [
        "Nora",
        "Régine",
    ]


def test_structure_merge_service_keeps_published_state(structure):
    draft = make_structure(
        name="MSP Castres", status=ModerationStatus.DRAFT, website="https://msp.exemple.fr"
    )

    merged = structure_merge(keep=draft, remove=structure, by=UserFactory())

    assert merged.status == ModerationStatus.PUBLISHED
    assert merged.website == "https://msp.exemple.fr"
    assert Entry.objects.filter(structure=merged).exists()
