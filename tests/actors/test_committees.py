"""Committees: CoPil binômes and mandates, the CoPart's validation, the public composition."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from actors.charter_enums import CommitteeKind, MeetingStatus
from actors.enums import Side
from actors.models import Binome, CompositionValidation, Mandate
from actors.selectors.committees import copart_invitees, copil_public_composition
from actors.services import committees as services
from tests.factories.actors import UserFactory
from tests.factories.charter import (
    CharterVersionFactory,
    PersonFactory,
    StructureFactory,
    committee,
    hide_name,
    make_meeting,
    sign,
)


@pytest.fixture
def copil(db):
    return committee("copil")


@pytest.fixture
def pro(db):
    return PersonFactory(first_name="Paul", last_name="Soignant", user=UserFactory(email="paul@exemple.fr"))


@pytest.fixture
def patient(db):
    return PersonFactory(first_name="Lina", last_name="Partenaire", user=UserFactory(email="lina@exemple.fr"))


def test_standard_committees_exist(db):
    from actors.models import Committee

    kinds = list(Committee.objects.values_list("kind", flat=True))
    assert kinds.count(CommitteeKind.COPART) == 1
    assert kinds.count(CommitteeKind.COPIL) == 1
    assert kinds.count(CommitteeKind.COTEC) == 1
    assert sorted(
        Committee.objects.filter(kind=CommitteeKind.WORKING_GROUP).values_list("short_name", flat=True)
    ) == [
        "GT Communication",
        "GT Culture partagée",
        "GT Dynamiques représentationnelles",
        "GT Formation",
        "GT Management et dynamique du partenariat",
        "GT Soins cliniques et éducatifs",
        "GT Suivi et coordination",
    ]


def test_binome_seats_a_professional_and_a_patient_with_the_same_period(copil, pro, patient, staff_user):
    binome = services.binome_create(
        committee=copil,
        professional=pro,
        partner=patient,
        start_date=date(2025, 1, 1),
        end_date=date(2027, 12, 31),
        by=staff_user,
    )

    assert sorted(binome.mandates.values_list("person__first_name", "side", "start_date", "end_date")) == [
        ("Lina", Side.USER, date(2025, 1, 1), date(2027, 12, 31)),
        ("Paul", Side.PROFESSIONAL, date(2025, 1, 1), date(2027, 12, 31)),
    ]


def test_mandate_ending_before_it_starts_is_refused_and_nothing_saved(copil, pro, patient, staff_user):
    with pytest.raises(ValidationError) as error:
        services.binome_create(
            committee=copil,
            professional=pro,
            partner=patient,
            start_date=date(2025, 6, 1),
            end_date=date(2025, 1, 1),
            by=staff_user,
        )

    assert error.value.message_dict == {
        "end_date": ["La date de fin du mandat ne peut pas précéder sa date de début."]
    }
    assert Binome.objects.count() == 0
    assert Mandate.objects.count() == 0


def test_mandate_update_with_end_before_start_is_refused(pro, staff_user):
    cotec = committee("cotec")
    mandate = services.mandate_create(
        committee=cotec, person=pro, start_date=date(2025, 1, 1), end_date=None, by=staff_user
    )

    with pytest.raises(ValidationError):
        services.mandate_update(
            mandate=mandate, start_date=date(2025, 1, 1), end_date=date(2024, 1, 1), role="", by=staff_user
        )

    mandate.refresh_from_db()
    assert mandate.end_date is None


def test_the_database_refuses_a_mandate_ending_before_it_starts(pro, db):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Mandate.objects.create(
            committee=committee("cotec"), person=pro, start_date=date(2025, 6, 1), end_date=date(2025, 1, 1)
        )


def test_a_binome_needs_two_different_persons(copil, pro, staff_user):
    with pytest.raises(ValidationError) as error:
        services.binome_create(
            committee=copil,
            professional=pro,
            partner=pro,
            start_date=date(2025, 1, 1),
            end_date=None,
            by=staff_user,
        )

    assert error.value.messages == ["Un binôme réunit deux personnes différentes."]


def test_overlapping_mandates_of_one_person_are_refused(pro, staff_user):
    gt = committee("gt-formation")
    services.mandate_create(
        committee=gt, person=pro, start_date=date(2025, 1, 1), end_date=date(2025, 12, 31), by=staff_user
    )

    with pytest.raises(ValidationError) as error:
        services.mandate_create(
            committee=gt, person=pro, start_date=date(2025, 6, 1), end_date=None, by=staff_user
        )

    assert error.value.messages == ["Paul Soignant a déjà un mandat au GT Formation sur cette période."]
    assert Mandate.objects.count() == 1


def test_the_copart_has_no_mandates(pro, staff_user):
    with pytest.raises(ValidationError) as error:
        services.mandate_create(
            committee=committee("copart"),
            person=pro,
            start_date=date(2025, 1, 1),
            end_date=None,
            by=staff_user,
        )

    assert "Le Comité des Partenaires n'a pas de mandats" in error.value.messages[0]


def test_copart_members_are_the_current_signatories(pro, patient, db):
    old = CharterVersionFactory(year=2025)
    current = CharterVersionFactory(year=2026)
    sign(old, person=pro)
    sign(current, person=patient)
    structure = StructureFactory(name="CH d'Albi")
    sign(
        current,
        structure=structure,
        by=UserFactory(email="referent@ch-albi.fr", first_name="Max", last_name="Roy"),
    )

    invitees = copart_invitees()

    assert sorted(invitee.email for invitee in invitees) == ["lina@exemple.fr", "referent@ch-albi.fr"]
    assert "Max Roy (CH d'Albi)" in [invitee.name for invitee in invitees]


def test_validation_by_a_copart_meeting_records_date_and_meeting(copil, pro, patient, staff_user):
    binome = services.binome_create(
        committee=copil,
        professional=pro,
        partner=patient,
        start_date=date(2025, 1, 1),
        end_date=None,
        by=staff_user,
    )
    meeting = make_meeting(committee("copart"), days=-30, title="CoPart de printemps")

    validation = services.composition_validate(
        committee=copil,
        meeting=meeting,
        validated_on=date(2025, 3, 14),
        mandates=list(binome.mandates.all()),
        note="Unanimité",
        by=staff_user,
    )

    assert (validation.meeting, validation.validated_on, validation.note) == (
        meeting,
        date(2025, 3, 14),
        "Unanimité",
    )
    assert set(Mandate.objects.values_list("validation", flat=True)) == {validation.pk}


def test_validation_must_come_from_a_copart_meeting(copil, pro, patient, staff_user):
    binome = services.binome_create(
        committee=copil,
        professional=pro,
        partner=patient,
        start_date=date(2025, 1, 1),
        end_date=None,
        by=staff_user,
    )
    copil_meeting = make_meeting(copil, days=-3)

    with pytest.raises(ValidationError) as error:
        services.composition_validate(
            committee=copil,
            meeting=copil_meeting,
            validated_on=date(2025, 3, 14),
            mandates=list(binome.mandates.all()),
            note="",
            by=staff_user,
        )

    assert error.value.message_dict == {
        "meeting": ["La composition du CoPil est validée par une réunion du Comité des Partenaires."]
    }
    assert CompositionValidation.objects.count() == 0


def test_public_copil_page_shows_only_validated_current_binomes(copil, pro, patient, staff_user, client):
    validated = services.binome_create(
        committee=copil,
        professional=pro,
        partner=patient,
        start_date=date(2025, 1, 1),
        end_date=None,
        by=staff_user,
    )
    services.binome_create(
        committee=copil,
        professional=PersonFactory(first_name="Noé", last_name="Enattente", user=None),
        partner=PersonFactory(first_name="Zoé", last_name="Enattente", user=None),
        start_date=date(2025, 1, 1),
        end_date=None,
        by=staff_user,
    )
    services.composition_validate(
        committee=copil,
        meeting=make_meeting(committee("copart"), days=-30),
        validated_on=date(2025, 3, 14),
        mandates=list(validated.mandates.all()),
        note="",
        by=staff_user,
    )

    page = client.get("/comites/copil/").content.decode()

    assert "Paul Soignant" in page
    assert "Lina Partenaire" in page
    assert "Enattente" not in page
    assert "validé par le CoPart le 14 mars 2025" in page
    binomes, _structures = copil_public_composition()
    assert [(b.professional.name, b.partner.name) for b in binomes] == [("Paul Soignant", "Lina Partenaire")]


def test_public_copil_page_respects_a_hidden_last_name(copil, pro, patient, staff_user, client):
    hide_name(patient)
    binome = services.binome_create(
        committee=copil,
        professional=pro,
        partner=patient,
        start_date=date(2025, 1, 1),
        end_date=None,
        by=staff_user,
    )
    services.composition_validate(
        committee=copil,
        meeting=make_meeting(committee("copart"), days=-30),
        validated_on=date(2025, 3, 14),
        mandates=list(binome.mandates.all()),
        note="",
        by=staff_user,
    )

    page = client.get("/comites/copil/").content.decode()

    assert "Lina" in page
    assert "Lina P." not in page
    assert "Partenaire</" not in page and "Lina Partenaire" not in page


def test_binome_form_refuses_an_end_before_start_keeping_the_input(pro, patient, staff_client):
    response = staff_client.post(
        "/comites/gestion/copil/binomes/nouveau/",
        {
            "professional": "paul@exemple.fr",
            "partner": "lina@exemple.fr",
            "start_date": "2025-06-01",
            "end_date": "2025-01-01",
        },
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "La date de fin du mandat ne peut pas précéder sa date de début." in page
    assert 'value="paul@exemple.fr"' in page
    assert Mandate.objects.count() == 0


def test_binome_form_with_an_unknown_address_says_so(staff_client, db):
    response = staff_client.post(
        "/comites/gestion/copil/binomes/nouveau/",
        {"professional": "inconnu@exemple.fr", "partner": "autre@exemple.fr", "start_date": "2025-01-01"},
    )

    assert "Aucune fiche de l&#x27;annuaire ne correspond à l&#x27;adresse « inconnu@exemple.fr »." in (
        response.content.decode()
    )


def test_staff_pages_are_closed_to_partners(partner_client, db):
    for url in ("/comites/gestion/", "/comites/gestion/copil/", "/comites/gestion/copil/binomes/nouveau/"):
        assert partner_client.get(url).status_code == 403


def test_staff_committee_pages_render(staff_client, pro, patient, staff_user):
    services.binome_create(
        committee=committee("copil"),
        professional=pro,
        partner=patient,
        start_date=date(2025, 1, 1),
        end_date=None,
        by=staff_user,
    )
    make_meeting(committee("copil"), days=5, title="CoPil d'été")

    overview = staff_client.get("/comites/gestion/").content.decode()
    detail = staff_client.get("/comites/gestion/copil/").content.decode()

    assert "CoPil d&#x27;été" in overview or "CoPil d'été" in overview
    assert "Paul Soignant" in detail and "À valider" in detail
    assert str(MeetingStatus.PLANNED.label) in detail
