"""What the COPS team keeps for itself never reaches the structure: a marker written in every kind of
staff-only content (a meeting's internal notes, a staff-only meeting, finding, action and history
note, and the corrections made to them) is absent from every page a référent can open, from their
PDF dossier, from every email sent to the structure's people and from every export they can get —
and present for the staff, so that the test cannot pass by showing nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accompaniment.enums import ContentVisibility
from accompaniment.models import Action, Finding, Indicator, Measurement, Meeting
from accompaniment.services import accompaniments as acc_services
from accompaniment.services import content as content_services
from accompaniment.services import evaluations as evaluation_services
from cops.enums import ReportStatus
from cops.models import OutgoingEmail
from cops.reports import report_request
from tests.accompaniment.conftest import advance
from tests.accompaniment.test_reports import pdf_text
from tests.factories.accompaniment import SupportRequestFactory

pytestmark = pytest.mark.django_db

MARKER = "ZQX-INTERNE-7731"


@pytest.fixture
def seeded(accompaniment, participants, staff_user, referent, settings, tmp_path):
    """Phase 4 with shared content around staff-only content that carries the marker."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    advance(accompaniment, staff_user, participants, phases=3)
    today = timezone.localdate()
    shared_meeting = content_services.meeting_add(
        accompaniment=accompaniment, held_on=today, title="Point d'étape partagé", notes="Compte rendu partagé",
        internal_notes=f"Direction réticente {MARKER}", participants=participants, by=staff_user,
    )  # fmt: skip
    content_services.meeting_add(
        accompaniment=accompaniment, held_on=today, title=f"Réunion du binôme {MARKER}",
        notes=f"Stratégie {MARKER}", visibility=ContentVisibility.STAFF, participants=[], by=staff_user,
    )  # fmt: skip
    content_services.finding_add(
        accompaniment=accompaniment, kind="frein", text=f"Frein interne {MARKER}", by=staff_user,
        visibility=ContentVisibility.STAFF,
    )  # fmt: skip
    internal_action = content_services.action_add(
        accompaniment=accompaniment, title=f"Action interne {MARKER}", description=f"Précisions {MARKER}",
        owner=participants[0], due_on=today + timedelta(days=5), by=staff_user, visibility=ContentVisibility.STAFF,
    )  # fmt: skip
    content_services.event_note_add(
        accompaniment=accompaniment, title=f"Appel à la direction {MARKER}", detail=f"Détail {MARKER}",
        visibility=ContentVisibility.STAFF, by=staff_user,
    )  # fmt: skip
    # Corrections of staff-only content: their history lines stay with the team.
    content_services.meeting_update(
        meeting=shared_meeting, held_on=today, title=shared_meeting.title, notes=shared_meeting.notes,
        participants=participants, internal_notes=f"Direction très réticente {MARKER}", by=staff_user,
    )  # fmt: skip
    content_services.action_update(
        action=internal_action, title=f"Action interne corrigée {MARKER}", owner=participants[0],
        due_on=internal_action.due_on, description="", by=staff_user,
    )  # fmt: skip
    content_services.finding_delete(
        finding=content_services.finding_add(
            accompaniment=accompaniment, kind="levier", text=f"Levier interne {MARKER}", by=staff_user,
            visibility=ContentVisibility.STAFF,
        ),
        by=staff_user,
    )  # fmt: skip
    # Shared content, so that the référent's pages have something of each kind.
    indicator = Indicator.objects.get(accompaniment=accompaniment)
    content_services.measurement_add(
        accompaniment=accompaniment, indicator=indicator, measured_on=today - timedelta(days=1),
        value=Decimal("4"), by=staff_user,
    )  # fmt: skip
    return accompaniment


def referent_urls(accompaniment) -> list[str]:
    """Every page of the accompaniment a référent may open (and the app's lists)."""
    pk = accompaniment.pk
    shared = {
        "meeting": Meeting.objects.filter(accompaniment=accompaniment, visibility="partage").first(),
        "finding": Finding.objects.filter(accompaniment=accompaniment, visibility="partage").first(),
        "action": Action.objects.filter(accompaniment=accompaniment, visibility="partage").first(),
        "indicator": Indicator.objects.filter(accompaniment=accompaniment).first(),
        "measurement": Measurement.objects.filter(indicator__accompaniment=accompaniment).first(),
    }
    urls = [
        reverse("accompaniment:landing"),
        reverse("accompaniment:request_list"),
        accompaniment.get_absolute_url(),
        reverse("accompaniment:finding_add", args=[pk]),
        reverse("accompaniment:measurement_add", args=[pk]),
    ]
    for name, item in shared.items():
        assert item is not None, name
        urls += [
            reverse(f"accompaniment:{name}_edit", args=[pk, item.pk]),
            reverse(f"accompaniment:{name}_delete", args=[pk, item.pk]),
        ]
    if accompaniment.request_id:
        urls.append(accompaniment.request.get_absolute_url())
    return urls


def dossier_text(accompaniment, user, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        job = report_request(
            kind="accompaniment.dossier", params={"accompaniment": str(accompaniment.pk)}, by=user
        )
    job.refresh_from_db()
    assert job.status == ReportStatus.DONE, job.error
    return " ".join(pdf_text(job.file.read()).split())


def test_marker_reaches_no_referent_page(partner_client, staff_client, seeded):
    urls = referent_urls(seeded)

    referent_pages = {url: partner_client.get(url) for url in urls}
    staff_page = staff_client.get(seeded.get_absolute_url()).content.decode()

    assert {url: r.status_code for url, r in referent_pages.items()} == dict.fromkeys(urls, 200)
    leaks = [url for url, r in referent_pages.items() if MARKER in r.content.decode()]
    assert leaks == []
    # The staff see each kind of marked content: the test seeds what could leak.
    for text in [
        f"Direction très réticente {MARKER}",
        f"Réunion du binôme {MARKER}",
        f"Frein interne {MARKER}",
        f"Action interne corrigée {MARKER}",
        f"Appel à la direction {MARKER}",
        "Constat supprimé (levier)",
    ]:
        assert text in staff_page, text


def test_marker_reaches_no_referent_dossier(referent, staff_user, seeded, django_capture_on_commit_callbacks):
    referent_text = dossier_text(seeded, referent, django_capture_on_commit_callbacks)
    staff_text = dossier_text(seeded, staff_user, django_capture_on_commit_callbacks)

    assert "Compte rendu partagé" in referent_text
    assert MARKER not in referent_text
    assert staff_text.count(MARKER) >= 6


def test_marker_reaches_no_email_to_the_structure(
    referent, staff_user, seeded, participants, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        evaluation = evaluation_services.evaluation_send_hot(accompaniment=seeded, by=staff_user)
        content_services.send_action_reminders()
        evaluation_services.send_due_evaluations(now=timezone.now() + timedelta(days=10, minutes=1))
        acc_services.phase_close(
            accompaniment=seeded, by=staff_user
        ) if evaluation.responses.exists() else None
        content_services.action_add(
            accompaniment=seeded, title="Action partagée", owner=participants[1],
            due_on=timezone.localdate() + timedelta(days=3), by=staff_user,
        )  # fmt: skip

    structure_people = {p.email for p in participants} | {referent.email}
    to_structure = [m for m in mail.outbox if set(m.to) & structure_people]
    assert len(to_structure) >= 5  # invitations, reminders, the shared action
    assert [m.subject for m in to_structure if MARKER in m.subject + m.body] == []
    outbox = OutgoingEmail.objects.all()
    assert [e.subject for e in outbox if MARKER in e.subject] == []
    # The staff-only action was never sent to its owner, nor reminded.
    assert not [m for m in mail.outbox if "Action interne" in m.subject]


def test_marker_reaches_no_export_a_referent_can_get(partner_client, staff_client, seeded):
    exports = [reverse("accompaniment:export_csv"), reverse("accompaniment:export_xlsx")]
    personal = partner_client.get(reverse("actors:personal_data"))

    assert [partner_client.get(url).status_code for url in exports] == [403, 403]
    assert personal.status_code == 200
    assert MARKER not in personal.content.decode(errors="replace")
    assert [staff_client.get(url).status_code for url in exports] == [200, 200]


def test_a_request_page_shows_no_marker_either(partner_client, referent, structure, seeded):
    support_request = SupportRequestFactory(structure=structure, requested_by=referent)

    page = partner_client.get(support_request.get_absolute_url())

    assert page.status_code == 200
    assert MARKER not in page.content.decode()
