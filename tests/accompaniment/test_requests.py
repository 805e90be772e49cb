"""Requests for support: a référent asks, the CoPil decides, the requester hears of each decision."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accompaniment.enums import DecisionOutcome, RequestStatus
from accompaniment.models import RequestComplement, RequestDecision, SupportRequest
from actors.charter_enums import CommitteeKind
from actors.models.committees import Committee, Meeting
from tests.factories.accompaniment import StructureFactory, SupportRequestFactory, make_referent

pytestmark = pytest.mark.django_db


def request_data(structure, **overrides):
    return {
        "structure": structure.pk,
        "support_type": "patient_partenaire",
        "title": "Intégrer un médiateur de santé pair",
        "context": "Le CSAPA souhaite accueillir un médiateur de santé pair.",
        "expected_outcome": "Une fiche de poste co-écrite et un accueil préparé.",
        "contact_name": "Sacha Martin",
        "contact_email": "sacha.martin@csapa.fr",
        "contact_phone": "04 67 00 00 00",
        **overrides,
    }


def copil_meeting(days_ago: int = 2) -> Meeting:
    committee, _created = Committee.objects.get_or_create(
        kind=CommitteeKind.COPIL,
        defaults={"name": "Comité de Pilotage", "short_name": "CoPil", "slug": "copil"},
    )
    start = timezone.now() - timedelta(days=days_ago)
    return Meeting.objects.create(
        committee=committee,
        title="CoPil de printemps",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        location="Toulouse",
    )


def test_referent_submits_a_request_and_both_sides_are_emailed(
    referent, partner_client, structure, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        response = partner_client.post(reverse("accompaniment:request_create"), request_data(structure))

    support_request = SupportRequest.objects.get()
    assert response.status_code == 302
    assert response.url == support_request.get_absolute_url()
    assert (support_request.structure, support_request.requested_by, support_request.status) == (
        structure,
        referent,
        RequestStatus.SUBMITTED,
    )
    assert support_request.contact_email == "sacha.martin@csapa.fr"
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["partenaire@exemple.fr", "sacha.martin@csapa.fr"], "Votre demande d'appui au COPS est bien reçue"),
        ([settings.STAFF_EMAIL], "Nouvelle demande d'appui : Intégrer un médiateur de santé pair"),
    ]


def test_request_form_keeps_what_was_typed_and_saves_nothing_on_error(referent, partner_client, structure):
    response = partner_client.post(
        reverse("accompaniment:request_create"),
        request_data(structure, contact_email="pas-une-adresse", context=""),
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert SupportRequest.objects.count() == 0
    assert "Le formulaire contient 2 erreurs" in content
    assert "Intégrer un médiateur de santé pair" in content
    assert "Saisissez une adresse e-mail valide." in content


def test_a_partner_who_is_no_referent_cannot_request_and_is_told_how(partner_client):
    response = partner_client.get(reverse("accompaniment:request_create"))

    assert response.status_code == 403
    assert "La demande est faite par un référent de la structure" in response.content.decode()


def test_a_referent_cannot_request_for_a_structure_of_which_they_are_no_referent(referent, partner_client):
    other = StructureFactory(name="Clinique voisine")

    response = partner_client.post(reverse("accompaniment:request_create"), request_data(other))

    assert response.status_code == 200
    assert SupportRequest.objects.count() == 0
    assert "Sélectionnez un choix valide" in response.content.decode()


def test_a_pending_referent_membership_does_not_allow_a_request(partner, partner_client, structure):
    make_referent(partner, structure, status="demandee")

    response = partner_client.post(reverse("accompaniment:request_create"), request_data(structure))

    assert response.status_code == 403
    assert SupportRequest.objects.count() == 0


def test_copil_accepts_a_request_linked_to_its_meeting_and_the_requester_is_emailed(
    copil_client, copil_user, referent, structure, django_capture_on_commit_callbacks
):
    support_request = SupportRequestFactory(structure=structure, requested_by=referent)
    meeting = copil_meeting()

    with django_capture_on_commit_callbacks(execute=True):
        response = copil_client.post(
            reverse("accompaniment:request_decide", args=[support_request.pk]),
            {
                "outcome": "acceptee",
                "reason": "",
                "decided_on": meeting.starts_at.date().isoformat(),
                "copil_meeting": meeting.pk,
            },
        )

    assert response.status_code == 302
    decision = RequestDecision.objects.get()
    assert (decision.outcome, decision.copil_meeting, decision.recorded_by) == (
        "acceptee",
        meeting,
        copil_user,
    )
    support_request.refresh_from_db()
    assert support_request.status == RequestStatus.ACCEPTED
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["partenaire@exemple.fr"]
    assert mail.outbox[0].subject == "Votre demande d'appui au COPS est acceptée"
    assert "elle est acceptée" in mail.outbox[0].body


def test_declining_needs_a_reason_which_is_sent_to_the_requester(
    staff_client, referent, structure, django_capture_on_commit_callbacks
):
    support_request = SupportRequestFactory(structure=structure, requested_by=referent)
    url = reverse("accompaniment:request_decide", args=[support_request.pk])
    today = timezone.localdate().isoformat()

    without = staff_client.post(url, {"outcome": "refusee", "reason": "", "decided_on": today})
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            url,
            {"outcome": "refusee", "reason": "Hors du champ du partenariat en santé.", "decided_on": today},
        )

    assert "Indiquez le motif du refus : il sera transmis au demandeur." in without.content.decode()
    assert list(RequestDecision.objects.values_list("outcome", "reason")) == [
        ("refusee", "Hors du champ du partenariat en santé.")
    ]
    assert SupportRequest.objects.get().status == RequestStatus.DECLINED
    assert [m.subject for m in mail.outbox] == ["Réponse du COPS à votre demande d'appui"]
    assert "Hors du champ du partenariat en santé." in mail.outbox[0].body


def test_more_information_then_complement_sends_the_request_back_to_the_copil(
    staff_client, partner_client, referent, structure, django_capture_on_commit_callbacks, settings
):
    support_request = SupportRequestFactory(structure=structure, requested_by=referent)
    today = timezone.localdate().isoformat()

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            reverse("accompaniment:request_decide", args=[support_request.pk]),
            {"outcome": "complement", "reason": "Combien de patients sont concernés ?", "decided_on": today},
        )
    support_request.refresh_from_db()
    status_after_question = support_request.status
    with django_capture_on_commit_callbacks(execute=True):
        partner_client.post(
            reverse("accompaniment:request_complete", args=[support_request.pk]),
            {"text": "Environ 120 patients dialysés."},
        )

    support_request.refresh_from_db()
    assert status_after_question == RequestStatus.MORE_INFO
    assert support_request.status == RequestStatus.SUBMITTED
    assert RequestComplement.objects.get().text == "Environ 120 patients dialysés."
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["partenaire@exemple.fr"], "Le CoPil du COPS a besoin de précisions sur votre demande"),
        ([settings.STAFF_EMAIL], "Demande d'appui complétée : Projet des usagers du centre d'hémodialyse"),
    ]
    assert "Combien de patients sont concernés ?" in mail.outbox[0].body
    assert f"/accompagnements/demandes/{support_request.pk}/completer/" in mail.outbox[0].body


def test_a_final_decision_cannot_be_decided_again(staff_user, structure):
    from django.core.exceptions import ValidationError

    from accompaniment.services.requests import support_request_decide

    support_request = SupportRequestFactory(structure=structure, status=RequestStatus.DECLINED)

    with pytest.raises(ValidationError) as error:
        support_request_decide(
            support_request=support_request,
            outcome=DecisionOutcome.ACCEPTED,
            reason="",
            decided_on=timezone.localdate(),
            by=staff_user,
        )

    assert error.value.messages == ["Cette demande a déjà reçu une décision définitive (refusée)."]
    assert RequestDecision.objects.count() == 0


def test_decision_date_cannot_be_in_the_future_nor_before_the_request(staff_client, structure):
    support_request = SupportRequestFactory(structure=structure)
    url = reverse("accompaniment:request_decide", args=[support_request.pk])

    future = staff_client.post(
        url, {"outcome": "acceptee", "decided_on": (timezone.localdate() + timedelta(days=1)).isoformat()}
    )
    before = staff_client.post(
        url, {"outcome": "acceptee", "decided_on": (timezone.localdate() - timedelta(days=30)).isoformat()}
    )

    assert "La date de la décision ne peut pas être dans le futur." in future.content.decode()
    assert "La décision ne peut pas précéder le dépôt de la demande." in before.content.decode()
    assert RequestDecision.objects.count() == 0


def test_complement_is_refused_when_the_copil_asked_for_nothing(partner_client, referent, structure):
    support_request = SupportRequestFactory(structure=structure, requested_by=referent)

    response = partner_client.post(
        reverse("accompaniment:request_complete", args=[support_request.pk]), {"text": "Précisions"}
    )

    assert escape("Le CoPil n'attend pas de complément pour cette demande.") in response.content.decode()
    assert RequestComplement.objects.count() == 0


def test_queue_is_for_staff_and_copil_a_referent_sees_only_their_requests(
    client, staff_client, copil_client, partner_client, referent, structure, other_partner
):
    mine = SupportRequestFactory(structure=structure, requested_by=referent, title="Notre projet")
    SupportRequestFactory(structure=StructureFactory(), title="Projet d'une autre structure")
    other_client = client
    other_client.force_login(other_partner)

    staff = staff_client.get(reverse("accompaniment:request_list")).content.decode()
    copil = copil_client.get(reverse("accompaniment:request_list")).content.decode()
    own = partner_client.get(reverse("accompaniment:request_list")).content.decode()
    other = other_client.get(reverse("accompaniment:request_list"))

    theirs = escape("Projet d'une autre structure")
    assert "Notre projet" in staff and theirs in staff
    assert "Notre projet" in copil and theirs in copil
    assert "Notre projet" in own and theirs not in own
    assert other.status_code == 403
    assert other_client.get(mine.get_absolute_url()).status_code == 404


def test_request_queue_query_count_does_not_grow_with_requests(copil_client, django_assert_max_num_queries):
    for index in range(3):
        SupportRequestFactory(title=f"Demande {index}")
    with django_assert_max_num_queries(12):
        copil_client.get(reverse("accompaniment:request_list"))
    for index in range(12):
        SupportRequestFactory(title=f"Autre demande {index}")

    with django_assert_max_num_queries(12):
        response = copil_client.get(reverse("accompaniment:request_list"))

    assert response.content.decode().count("Autre demande") == 12


def test_copil_member_records_a_decision_but_sees_no_accompaniment(copil_client, accompaniment):
    response = copil_client.get(accompaniment.get_absolute_url())

    assert response.status_code == 404
