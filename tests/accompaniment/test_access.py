"""Who sees and does what: référents their own accompaniments, other partners nothing, CoPil the requests,
staff everything."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accompaniment.models import Action, Finding, Measurement
from accompaniment.services import content as content_services
from tests.accompaniment.conftest import advance
from tests.factories.accompaniment import SupportRequestFactory

pytestmark = pytest.mark.django_db

SECRET = "Constat confidentiel sur l'équipe de nuit"


@pytest.fixture
def seeded(accompaniment, participants, staff_user):
    """An accompaniment in its third phase, with content that must not leak."""
    advance(accompaniment, staff_user, participants, phases=2)
    content_services.finding_add(accompaniment=accompaniment, kind="frein", text=SECRET, by=staff_user)
    return accompaniment


def read_urls(accompaniment) -> list[str]:
    return [
        reverse("accompaniment:detail", args=[accompaniment.pk]),
        reverse("accompaniment:finding_add", args=[accompaniment.pk]),
        reverse("accompaniment:measurement_add", args=[accompaniment.pk]),
    ]


def staff_only_urls(accompaniment) -> list[str]:
    phase = accompaniment.phases.get(position=1)
    return [
        reverse("accompaniment:edit", args=[accompaniment.pk]),
        reverse("accompaniment:convention_edit", args=[accompaniment.pk]),
        reverse("accompaniment:phase_close", args=[accompaniment.pk]),
        reverse("accompaniment:phase_reopen", args=[accompaniment.pk, phase.pk]),
        reverse("accompaniment:phase_dates", args=[accompaniment.pk, phase.pk]),
        reverse("accompaniment:participant_add", args=[accompaniment.pk]),
        reverse("accompaniment:meeting_add", args=[accompaniment.pk]),
        reverse("accompaniment:action_add", args=[accompaniment.pk]),
        reverse("accompaniment:indicator_add", args=[accompaniment.pk]),
        reverse("accompaniment:hot_evaluation_send", args=[accompaniment.pk]),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client, seeded):
    for url in read_urls(seeded) + staff_only_urls(seeded):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/compte/connexion/"), url


def test_another_partner_sees_nothing_not_even_that_it_exists(other_partner, seeded):
    client = Client()
    client.force_login(other_partner)

    statuses = {url: client.get(url).status_code for url in read_urls(seeded) + staff_only_urls(seeded)}
    post = client.post(
        reverse("accompaniment:finding_add", args=[seeded.pk]), {"kind": "levier", "text": "x"}
    )
    landing = client.get(reverse("accompaniment:landing")).content.decode()

    assert set(statuses.values()) == {404}, statuses
    assert post.status_code == 404
    assert Finding.objects.filter(text="x").count() == 0
    assert escape(seeded.title) not in landing and escape(SECRET) not in landing


def test_copil_member_sees_no_accompaniment(copil_client, seeded):
    assert {copil_client.get(url).status_code for url in read_urls(seeded)} == {404}


def test_referent_sees_their_accompaniment_and_contributes_but_does_not_steer(
    partner_client, referent, seeded, staff_user
):
    detail = partner_client.get(seeded.get_absolute_url())
    staff_pages = {url: partner_client.get(url).status_code for url in staff_only_urls(seeded)}
    action = Action.objects.get(accompaniment=seeded)
    indicator = seeded.indicators.get()

    finding = partner_client.post(
        reverse("accompaniment:finding_add", args=[seeded.pk]),
        {"kind": "levier", "text": "Une direction engagée"},
    )
    status = partner_client.post(
        reverse("accompaniment:action_status", args=[seeded.pk, action.pk]), {"status": "realisee"}
    )
    measurement = partner_client.post(
        reverse("accompaniment:measurement_add", args=[seeded.pk]),
        {"indicator": indicator.pk, "measured_on": timezone.localdate().isoformat(), "value": "4"},
    )
    close = partner_client.post(
        reverse("accompaniment:phase_close", args=[seeded.pk]), {"ended_on": timezone.localdate().isoformat()}
    )

    assert detail.status_code == 200
    assert escape(SECRET) in detail.content.decode()
    assert set(staff_pages.values()) == {403}, staff_pages
    assert (finding.status_code, status.status_code, measurement.status_code, close.status_code) == (
        302,
        302,
        302,
        403,
    )
    action.refresh_from_db()
    assert (action.status, action.completed_on, action.updated_by) == (
        "realisee",
        timezone.localdate(),
        referent,
    )
    assert list(Measurement.objects.values_list("value", "recorded_by")) == [(Decimal("4.00"), referent.pk)]
    assert seeded.phases.get(position=3).status == "en_cours"


def test_referent_page_offers_contribution_but_no_staff_controls(partner_client, referent, seeded):
    content = partner_client.get(seeded.get_absolute_url()).content.decode()

    assert "Ajouter un constat" in content
    assert "Enregistrer une mesure" in content
    assert "Mettre à jour" in content
    assert "Clôturer la phase" not in content
    assert "Ajouter une action" not in content
    assert "Renseigner la convention" not in content


def test_staff_sees_everything_and_steers(staff_client, seeded):
    assert {staff_client.get(url).status_code for url in read_urls(seeded) + staff_only_urls(seeded)} == {200}
    content = staff_client.get(seeded.get_absolute_url()).content.decode()
    assert "Clôturer la phase" in content
    assert "Ajouter une action" in content


def test_admin_is_staff_too(admin_client, seeded):
    assert admin_client.get(seeded.get_absolute_url()).status_code == 200
    assert admin_client.get(reverse("accompaniment:board")).status_code == 200


def test_board_and_exports_are_for_staff_only(
    client, partner_client, copil_client, staff_client, referent, seeded
):
    urls = [
        reverse("accompaniment:board"),
        reverse("accompaniment:export_csv"),
        reverse("accompaniment:export_xlsx"),
    ]

    assert {partner_client.get(url).status_code for url in urls} == {403}
    assert {copil_client.get(url).status_code for url in urls} == {403}
    assert {client.get(url).status_code for url in urls} == {302}
    assert {staff_client.get(url).status_code for url in urls} == {200}


def test_referent_sees_the_decisions_on_their_request_not_on_others(partner_client, referent, structure):
    mine = SupportRequestFactory(structure=structure, requested_by=referent)
    theirs = SupportRequestFactory()

    assert partner_client.get(mine.get_absolute_url()).status_code == 200
    assert partner_client.get(theirs.get_absolute_url()).status_code == 404
    assert partner_client.get(reverse("accompaniment:request_decide", args=[mine.pk])).status_code == 403


def test_copil_sees_every_request_and_may_decide(copil_client, structure):
    support_request = SupportRequestFactory(structure=structure)

    page = copil_client.get(support_request.get_absolute_url()).content.decode()

    assert "Enregistrer la décision du CoPil" in page
    assert (
        copil_client.get(reverse("accompaniment:request_decide", args=[support_request.pk])).status_code
        == 200
    )


def test_dossier_report_may_be_requested_only_by_who_sees_the_accompaniment(
    partner_client, referent, other_partner, seeded
):
    from cops.models import ReportJob

    other = Client()
    other.force_login(other_partner)
    data = {"kind": "accompaniment.dossier", "param_accompaniment": str(seeded.pk)}

    refused = other.post(reverse("platform:report_request"), data)
    accepted = partner_client.post(reverse("platform:report_request"), data)

    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert list(ReportJob.objects.values_list("kind", "requested_by")) == [
        ("accompaniment.dossier", referent.pk)
    ]


def test_overdue_action_is_flagged_in_words_on_the_page(staff_client, seeded):
    Action.objects.filter(accompaniment=seeded).update(due_on=timezone.localdate() - timedelta(days=3))

    content = staff_client.get(seeded.get_absolute_url()).content.decode()

    assert "1 action en retard" in content
    assert "En retard" in content
