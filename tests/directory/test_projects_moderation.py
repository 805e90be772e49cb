"""Moderation of project sheets: the directory's queue and review page, the same engine as profiles."""

import html

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from actors.enums import ModerationStatus, RevisionStatus
from directory.models import Project, ProjectDocument
from directory.services.profiles import moderation_digest_send, profile_submit
from directory.services.projects import project_document_add, project_save
from tests.factories.actors import UserFactory
from tests.factories.directory import make_person, make_project, make_structure, project_changes

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.SITE_URL = "https://cops.exemple.fr"


@pytest.fixture
def author():
    user = UserFactory(email="auteur@exemple.fr", first_name="Inès", last_name="Garcia")
    make_person(user=user)
    return user


@pytest.fixture
def pending(author):
    structure = make_structure(by=author, name="Centre hospitalier de Montauban")
    project = make_project(
        by=author, structure=structure, title="Ateliers partagés", status=ModerationStatus.PENDING
    )
    project_document_add(
        project=project,
        by=author,
        kind="pitch",
        title="Pitch",
        upload=SimpleUploadedFile("pitch.pdf", PDF),
        file_format="pdf",
    )
    return Project.objects.get(pk=project.pk)


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_queue_lists_projects_with_their_label(staff_client, pending):
    response = staff_client.get(reverse("directory:moderation_queue"))

    page = text(response)
    assert response.status_code == 200
    assert "Ateliers partagés" in page
    assert "porté par Centre hospitalier de Montauban" in page
    assert reverse("directory:moderation_review", args=["projet", pending.pk]) in page


def test_review_page_is_for_staff_only(partner_client, pending):
    url = reverse("directory:moderation_review", args=["projet", pending.pk])

    assert partner_client.get(url).status_code in (302, 403)
    assert Client().get(url).status_code == 302


def test_approve_publishes_the_project_and_its_documents(
    staff_client, pending, author, django_capture_on_commit_callbacks
):
    url = reverse("directory:moderation_review", args=["projet", pending.pk])
    review = staff_client.get(url)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, {"decision": "approve", "message": ""})

    pending.refresh_from_db()
    assert "Ateliers partagés" in text(review)
    assert response.status_code == 302
    assert pending.status == ModerationStatus.PUBLISHED
    assert list(ProjectDocument.objects.values_list("approved", flat=True)) == [True]
    assert [(m.subject, m.to) for m in mail.outbox] == [
        ("Votre projet est publié sur la cartographie du COPS", ["auteur@exemple.fr"])
    ]
    assert f"https://cops.exemple.fr/projets/{pending.slug}/" in mail.outbox[0].body
    assert Client().get(pending.get_absolute_url()).status_code == 200


def test_refusal_needs_a_reason_which_is_emailed(staff_client, pending, django_capture_on_commit_callbacks):
    url = reverse("directory:moderation_review", args=["projet", pending.pk])

    without = staff_client.post(url, {"decision": "reject", "message": ""})
    pending.refresh_from_db()

    assert without.status_code == 200
    assert "Expliquez à l'auteur le motif ou les modifications attendues." in text(without)
    assert pending.status == ModerationStatus.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, {"decision": "reject", "message": "Ce n'est pas un projet de partenariat."})
    pending.refresh_from_db()

    assert pending.status == ModerationStatus.REJECTED
    assert pending.moderation_note == "Ce n'est pas un projet de partenariat."
    assert [m.subject for m in mail.outbox] == ["Votre projet n'a pas pu être publié"]
    assert "Motif : Ce n'est pas un projet de partenariat." in mail.outbox[0].body
    assert list(ProjectDocument.objects.values_list("approved", flat=True)) == [False]
    assert Client().get(pending.get_absolute_url()).status_code == 404


def test_request_changes_sends_the_project_back_to_its_author(
    staff_client, pending, django_capture_on_commit_callbacks
):
    url = reverse("directory:moderation_review", args=["projet", pending.pk])

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, {"decision": "changes", "message": "Précisez les dates."})
    pending.refresh_from_db()

    assert pending.status == ModerationStatus.DRAFT
    assert [m.subject for m in mail.outbox] == ["Votre projet : quelques modifications demandées"]
    assert f"https://cops.exemple.fr/projets/{pending.slug}/modifier/" in mail.outbox[0].body


def test_review_of_an_edit_shows_the_diff(staff_client, author):
    structure = make_structure(by=author, name="Clinique du Parc")
    project = make_project(by=author, structure=structure, title="Ancien titre", brakes=["disponibilite"])
    project_save(
        project=project,
        by=author,
        changes=project_changes(main_structure=structure, title="Nouveau titre", brakes=[]),
    )
    profile_submit(profile=Project.objects.get(pk=project.pk), by=author, consent=True)

    page = text(staff_client.get(reverse("directory:moderation_review", args=["projet", project.pk])))

    assert "Modifications proposées" in page
    assert "<del>Ancien titre</del>" in page and "<ins>Nouveau titre</ins>" in page
    assert "<del>Le manque de disponibilité des patients et usagers</del>" in page
    assert Project.objects.get(pk=project.pk).revision_status == RevisionStatus.PENDING


def test_projects_cannot_be_merged(staff_client, pending):
    other = make_project(structure=make_structure(name="Autre structure"), status=ModerationStatus.PENDING)

    response = staff_client.get(reverse("directory:merge_profiles", args=["projet", pending.pk, other.pk]))

    assert response.status_code == 404


def test_daily_digest_counts_projects(staff_user, pending, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = moderation_digest_send()

    assert sent is True
    assert "1 fiche de l'annuaire attend une décision" in mail.outbox[0].body
