from datetime import timedelta
from pathlib import Path

import pypdf
import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from cops import reports
from cops.enums import ReportStatus
from cops.models import OutgoingEmail, ReportJob
from cops.reports import ReportError, ReportFile, report_build, report_request, report_sweep
from tests.factories.actors import UserFactory
from tests.factories.cops import DoneReportJobFactory, ReportJobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "public"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def queued(monkeypatch):
    """Record the jobs handed to the broker instead of running them (to test queueing itself)."""
    from cops.tasks import build_report

    calls = []
    monkeypatch.setattr(build_report, "apply_async", lambda kwargs, **options: calls.append(kwargs["job_id"]))
    return calls


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def test_report_request_records_a_pending_job_and_queues_it_after_commit(
    staff_user, django_capture_on_commit_callbacks, queued
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = report_request(kind="platform.activity", params={}, by=staff_user)

        assert queued == []  # nothing reaches the broker before the commit

    assert len(callbacks) == 1
    callbacks[0]()
    assert queued == [str(job.pk)]
    job.refresh_from_db()
    assert (job.kind, job.status, job.title, job.requested_by) == (
        "platform.activity",
        ReportStatus.PENDING,
        "Rapport d'activité de la plateforme",
        staff_user,
    )


def test_activity_report_is_built_stored_privately_and_emailed(
    staff_user, django_capture_on_commit_callbacks, private_media, settings
):
    UserFactory.create_batch(2)  # with staff_user: 3 verified partners on the home page

    with django_capture_on_commit_callbacks(execute=True):
        job = report_request(kind="platform.activity", params={}, by=staff_user)

    job.refresh_from_db()
    assert job.status == ReportStatus.DONE
    assert job.attempts == 1
    assert job.filename == f"rapport-activite-cops-{timezone.localdate():%Y-%m-%d}.pdf"
    path = Path(job.file.path)
    assert path.is_relative_to(private_media)
    assert not list(Path(settings.MEDIA_ROOT).glob("**/*.pdf"))
    assert job.size == path.stat().st_size
    text = pdf_text(path)
    assert "Rapport d'activité de la plateforme" in text
    assert "Partenaires inscrits sur la plateforme 3" in text
    assert "Chiffres clés de la plateforme" in text  # the chart's caption
    assert "à la demande de Camille" in text
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [staff_user.email]
    assert message.subject == "Votre rapport « Rapport d'activité de la plateforme » est prêt"
    assert f"http://testserver/rapports/{job.pk}/telecharger/" in message.body
    assert OutgoingEmail.objects.get().sent_at is not None


def test_private_report_file_has_no_public_url():
    job = DoneReportJobFactory()

    with pytest.raises(ValueError, match="no public URL"):
        _ = job.file.url


def test_report_request_refuses_an_unknown_kind(staff_user):
    with pytest.raises(ReportError, match="Ce type de rapport n'existe pas."):
        report_request(kind="nope.nothing", params={}, by=staff_user)

    assert ReportJob.objects.count() == 0


def test_report_request_refuses_someone_without_permission(partner):
    with pytest.raises(PermissionDenied, match="Vous n'avez pas accès à ce rapport."):
        report_request(kind="platform.activity", params={}, by=partner)

    assert ReportJob.objects.count() == 0


def test_report_build_claims_the_job_exactly_once(staff_user, django_capture_on_commit_callbacks):
    job = ReportJobFactory(requested_by=staff_user)

    with django_capture_on_commit_callbacks(execute=True):
        first = report_build(job_id=job.pk)
        second = report_build(job_id=job.pk)

    assert first.status == ReportStatus.DONE
    assert second is None
    job.refresh_from_db()
    assert job.attempts == 1
    assert len(mail.outbox) == 1


def test_report_build_failure_is_recorded_in_french_and_emailed(
    staff_user, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(params):
        raise RuntimeError("disk full")

    monkeypatch.setitem(
        reports._registry,
        "tests.broken",
        reports.ReportType("tests.broken", "Rapport cassé", lambda u, p: True, broken),
    )
    job = ReportJobFactory(kind="tests.broken", title="Rapport cassé", requested_by=staff_user)

    with django_capture_on_commit_callbacks(execute=True):
        report_build(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ReportStatus.FAILED
    assert job.error == (
        "Une erreur technique a empêché la préparation du rapport (RuntimeError). Vous pouvez relancer la demande."
    )
    assert not job.file
    assert job.finished_at is not None
    assert [m.subject for m in mail.outbox] == ["Votre rapport « Rapport cassé » n'a pas pu être préparé"]
    assert f"http://testserver/rapports/{job.pk}/" in mail.outbox[0].body


def test_report_build_shows_a_builder_report_error_verbatim(staff_user, monkeypatch):
    def refuses(params):
        raise ReportError("La campagne demandée n'existe plus.")

    monkeypatch.setitem(
        reports._registry,
        "tests.refuses",
        reports.ReportType("tests.refuses", "R", lambda u, p: True, refuses),
    )
    job = ReportJobFactory(kind="tests.refuses", requested_by=staff_user)

    report_build(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.error) == (ReportStatus.FAILED, "La campagne demandée n'existe plus.")


def test_registered_builder_receives_params_and_title_can_depend_on_them(
    staff_user, monkeypatch, django_capture_on_commit_callbacks
):
    received = []

    def build(params):
        received.append(params)
        return ReportFile(filename="Liste des acteurs (Gard).CSV", content=b"a;b\n", content_type="text/csv")

    monkeypatch.setitem(reports._registry, "tests.csv", None)
    reports.register_report(
        "tests.csv",
        title=lambda params: f"Acteurs du {params['dep']}",
        can_request=lambda u, p: p["dep"] == "30",
    )(build)

    with django_capture_on_commit_callbacks(execute=True):
        job = report_request(kind="tests.csv", params={"dep": "30"}, by=staff_user)

    job.refresh_from_db()
    assert received == [{"dep": "30"}]
    assert (job.title, job.status, job.filename) == (
        "Acteurs du 30",
        ReportStatus.DONE,
        "liste-des-acteurs-gard.csv",
    )
    with pytest.raises(PermissionDenied):
        report_request(kind="tests.csv", params={"dep": "34"}, by=staff_user)


def test_report_sweep_requeues_lost_jobs_and_recovers_dead_workers(
    queued, django_capture_on_commit_callbacks
):
    now = timezone.now()
    lost = ReportJobFactory(queued_at=now - timedelta(minutes=3))
    fresh = ReportJobFactory(queued_at=now - timedelta(seconds=30))
    dead_worker = ReportJobFactory(
        status=ReportStatus.RUNNING, started_at=now - timedelta(minutes=40), attempts=1, queued_at=now
    )
    dead_thrice = ReportJobFactory(
        status=ReportStatus.RUNNING, started_at=now - timedelta(minutes=40), attempts=3, queued_at=now
    )
    working = ReportJobFactory(status=ReportStatus.RUNNING, started_at=now - timedelta(minutes=5), attempts=1)
    too_old = ReportJobFactory(created_at=now - timedelta(hours=25), queued_at=now - timedelta(minutes=3))

    with django_capture_on_commit_callbacks(execute=True):  # the sweep's worker commits as it goes
        count = report_sweep(now=now)

    assert count == 2
    assert sorted(queued) == sorted([str(lost.pk), str(dead_worker.pk)])
    statuses = {job.pk: job.status for job in ReportJob.objects.all()}
    assert statuses == {
        lost.pk: ReportStatus.PENDING,
        fresh.pk: ReportStatus.PENDING,
        dead_worker.pk: ReportStatus.PENDING,
        dead_thrice.pk: ReportStatus.FAILED,
        working.pk: ReportStatus.RUNNING,
        too_old.pk: ReportStatus.FAILED,
    }
    lost.refresh_from_db()
    assert lost.queued_at == now
    # A second sweep right away does not queue the same jobs again.
    assert report_sweep(now=now + timedelta(seconds=60)) == 0


def test_report_request_survives_a_broker_outage(
    staff_user, django_capture_on_commit_callbacks, caplog, unreachable_broker
):
    from cops.celery import app

    app.conf.task_always_eager = False  # restored by the suite's autouse fixture
    with django_capture_on_commit_callbacks(execute=True):
        job = report_request(kind="platform.activity", params={}, by=staff_user)

    job.refresh_from_db()
    assert job.status == ReportStatus.PENDING  # left for the sweep, nothing lost
    assert (
        f"Task cops.build_report(job_id='{job.pk}') not queued, left for the sweep (OperationalError: "
        in (caplog.text)
    )
    assert "Connection refused" in caplog.text or "Error 111" in caplog.text


def test_sweep_task_is_scheduled_every_minute(settings):
    assert settings.CELERY_BEAT_SCHEDULE["cops.sweep_reports"] == {
        "task": "cops.sweep_reports",
        "schedule": 60.0,
    }


# --- Views -------------------------------------------------------------------------------------


def test_staff_home_offers_the_activity_report(staff_client):
    response = staff_client.get(reverse("platform:staff_home"))

    content = response.content.decode()
    assert '<form method="post" action="/rapports/demander/" class="mb-2">' in content
    assert '<input type="hidden" name="kind" value="platform.activity">' in content
    assert "Demander le rapport d'activité</button>" in content


def test_staff_requests_the_activity_report_and_lands_on_its_status_page(
    staff_client, staff_user, django_capture_on_commit_callbacks, queued
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("platform:report_request"), {"kind": "platform.activity"})

    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert response.url == f"/rapports/{job.pk}/"
    assert job.requested_by == staff_user
    assert queued == [str(job.pk)]


def test_partner_cannot_request_the_activity_report(partner_client):
    response = partner_client.post(reverse("platform:report_request"), {"kind": "platform.activity"})

    assert response.status_code == 403
    assert ReportJob.objects.count() == 0


def test_unknown_report_kind_request_says_so(staff_client):
    response = staff_client.post(reverse("platform:report_request"), {"kind": "nope"}, follow=True)

    assert "Ce type de rapport n&#x27;existe pas." in response.content.decode()
    assert ReportJob.objects.count() == 0


def test_status_page_polls_while_pending(partner, partner_client):
    job = ReportJobFactory(requested_by=partner)

    response = partner_client.get(job.get_absolute_url())

    content = response.content.decode()
    assert response.status_code == 200
    assert f'hx-get="/rapports/{job.pk}/" hx-trigger="every 2s" hx-swap="outerHTML"' in content
    assert "En attente</span>" in content
    assert "un courriel sera envoyé à partenaire@exemple.fr" in content
    assert '<div class="report-status" aria-live="polite">' in content


def test_status_partial_for_htmx_stops_polling_when_done(partner, partner_client):
    job = DoneReportJobFactory(requested_by=partner)

    response = partner_client.get(job.get_absolute_url(), headers={"HX-Request": "true"})

    content = response.content.decode()
    assert content.startswith('<section id="report-status" class="card-soft" aria-labelledby')
    assert "<html" not in content
    assert "hx-trigger" not in content
    assert "Prêt</span>" in content
    assert f'href="/rapports/{job.pk}/telecharger/" download>Télécharger le rapport' in content


def test_status_page_of_a_failed_job_offers_a_retry(partner, partner_client, monkeypatch, queued):
    monkeypatch.setitem(
        reports._registry,
        "tests.any",
        reports.ReportType("tests.any", "Rapport test", lambda u, p: True, lambda p: None),
    )
    job = ReportJobFactory(
        kind="tests.any", params={"a": "1"}, requested_by=partner, status=ReportStatus.FAILED, error="Panne."
    )

    page = partner_client.get(job.get_absolute_url()).content.decode()
    response = partner_client.post(reverse("platform:report_retry", args=[job.pk]))

    assert '<p class="mb-2">Panne.</p>' in page
    assert "Relancer la demande</button>" in page
    new_job = ReportJob.objects.exclude(pk=job.pk).get()
    assert (new_job.kind, new_job.params, new_job.status) == ("tests.any", {"a": "1"}, ReportStatus.PENDING)
    assert response.url == f"/rapports/{new_job.pk}/"


def test_download_serves_the_file_to_the_requester_and_staff(partner, partner_client, staff_client):
    job = DoneReportJobFactory(requested_by=partner)

    for client in (partner_client, staff_client):
        response = client.get(job.get_download_url())

        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="rapport-activite.pdf"'
        assert response["Cache-Control"] == "private, no-store"
        assert b"".join(response.streaming_content) == b"%PDF-1.7 rapport\n"


def test_download_and_status_are_404_for_anyone_else(partner, other_partner, client):
    job = DoneReportJobFactory(requested_by=partner)
    client.force_login(other_partner)

    assert client.get(job.get_download_url()).status_code == 404
    assert client.get(job.get_absolute_url()).status_code == 404


def test_download_requires_login(client):
    job = DoneReportJobFactory()

    response = client.get(job.get_download_url())

    assert response.status_code == 302
    assert response.url.startswith("/compte/connexion/?next=")


def test_download_of_an_unfinished_job_is_404(partner, partner_client):
    job = ReportJobFactory(requested_by=partner, status=ReportStatus.RUNNING)

    assert partner_client.get(job.get_download_url()).status_code == 404


def test_report_list_shows_only_my_reports_in_constant_queries(
    partner, partner_client, django_assert_max_num_queries
):
    ReportJobFactory.create_batch(3, requested_by=partner, title="Mon rapport")
    DoneReportJobFactory(requested_by=partner, title="Mon rapport prêt")
    ReportJobFactory(title="Rapport de quelqu'un d'autre")

    with django_assert_max_num_queries(6):
        response = partner_client.get(reverse("platform:report_list"))

    content = response.content.decode()
    assert content.count(">Mon rapport</a></th>") == 3
    assert ">Mon rapport prêt</a></th>" in content
    assert "quelqu&#x27;un d&#x27;autre" not in content
    assert content.count(">Télécharger<span") == 1

    ReportJobFactory.create_batch(10, requested_by=partner, title="Mon rapport")
    with django_assert_max_num_queries(6):
        partner_client.get(reverse("platform:report_list"))


def test_autodiscovery_imports_every_app_reports_module(monkeypatch):
    import importlib.util
    import sys

    from django.apps import apps

    expected = [
        f"{config.name}.reports"
        for config in apps.get_app_configs()
        if config.name != "cops" and importlib.util.find_spec(f"{config.name}.reports") is not None
    ]
    for name in expected:
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setattr(reports, "_registry", {"platform.activity": reports._registry["platform.activity"]})
    monkeypatch.setattr(reports, "_discovered", False)

    kinds = reports.report_types()

    assert all(name in sys.modules for name in expected)
    assert set(kinds) >= {"platform.activity"}
    assert len(kinds) >= 1 + len(expected)  # each app's module registers at least one report


def test_register_report_refuses_a_second_builder_for_the_same_kind(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setattr(reports, "_registry", dict(reports._registry))

    def another_builder(params):
        return ReportFile("x.pdf", b"x")

    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        reports.register_report("platform.activity", title="Autre", can_request=lambda u, p: True)(
            another_builder
        )


def test_admin_lists_report_jobs(admin_client):
    DoneReportJobFactory(title="Rapport d'activité de la plateforme")

    response = admin_client.get(reverse("admin:cops_reportjob_changelist"))

    assert response.status_code == 200
    assert "Rapport d&#x27;activité de la plateforme" in response.content.decode()
    assert admin_client.get(reverse("admin:cops_reportjob_add")).status_code == 403
