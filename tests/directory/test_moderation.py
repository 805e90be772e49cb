import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from actors.enums import ModerationStatus, RevisionStatus, Visibility
from actors.models import Person, Structure
from directory.models import Entry
from directory.services.profiles import (
    CONSENT_VERSION,
    accuracy_profile_from_token,
    accuracy_reminders_send,
    moderation_digest_send,
    person_save,
    profile_approve,
    profile_reject,
    profile_request_changes,
    profile_submit,
)
from tests.factories.actors import UserFactory
from tests.factories.directory import make_person, make_project, make_structure

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_submit_records_consent_and_waits_for_moderation():
    person = make_person(first_name="Rose", last_name="Attente", status=ModerationStatus.DRAFT)

    profile_submit(profile=person, by=person.user, consent=True)

    person.refresh_from_db()
    assert person.status == ModerationStatus.PENDING
    assert person.consent_version == CONSENT_VERSION
    assert person.consent_at is not None
    assert not Entry.objects.filter(person=person).exists()


def test_submit_without_consent_or_with_missing_fields_is_refused():
    user = UserFactory()
    person = person_save(person=None, by=user, changes={"first_name": "Léo", "last_name": "Incomplet"})

    with pytest.raises(ValidationError) as no_consent:
        profile_submit(profile=person, by=user, consent=False)
    with pytest.raises(ValidationError) as missing:
        profile_submit(profile=person, by=user, consent=True)

    assert no_consent.value.messages == [
        "Votre accord pour la publication est nécessaire pour envoyer la fiche."
    ]
    assert missing.value.messages == [
        "Il manque encore : au moins un profil d'acteur, au moins un domaine d'activité, la commune, "
        "au moins un territoire d'activité."
    ]
    person.refresh_from_db()
    assert person.status == ModerationStatus.DRAFT
    assert person.consent_at is None


def test_staff_approves_from_the_queue_and_the_author_is_emailed(
    staff_client, django_capture_on_commit_callbacks
):
    person = make_person(first_name="Rose", last_name="Publiée", status=ModerationStatus.PENDING)
    queue = staff_client.get(reverse("directory:moderation_queue")).content.decode()
    assert "Rose Publiée" in queue

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("directory:moderation_review", args=["personne", person.pk]), {"decision": "approve"}
        )

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.status == ModerationStatus.PUBLISHED
    assert Entry.objects.get(person=person).title_public == "Rose Publiée"
    assert [m.to for m in mail.outbox] == [[person.user.email]]
    assert mail.outbox[0].subject == "Votre fiche est publiée dans l'annuaire du COPS"


def test_reject_needs_a_reason_which_is_emailed(staff_client, django_capture_on_commit_callbacks):
    person = make_person(first_name="Rose", last_name="Refusée", status=ModerationStatus.PENDING)
    url = reverse("directory:moderation_review", args=["personne", person.pk])

    missing = staff_client.post(url, {"decision": "reject", "message": ""})
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, {"decision": "reject", "message": "Ce profil semble être un test."})

    assert "Expliquez à l&#x27;auteur le motif ou les modifications attendues." in missing.content.decode()
    person.refresh_from_db()
    assert person.status == ModerationStatus.REJECTED
    assert person.moderation_note == "Ce profil semble être un test."
    assert "Motif : Ce profil semble être un test." in mail.outbox[0].body


def test_request_changes_sends_the_profile_back_to_draft(django_capture_on_commit_callbacks):
    person = make_person(first_name="Rose", last_name="Brouillon", status=ModerationStatus.PENDING)

    with django_capture_on_commit_callbacks(execute=True):
        profile_request_changes(profile=person, by=UserFactory(), message="Précisez votre commune.")

    person.refresh_from_db()
    assert person.status == ModerationStatus.DRAFT
    assert "Précisez votre commune." in mail.outbox[0].body


def test_edit_of_published_profile_stays_offline_until_approved(client, staff_client):
    person = make_person(first_name="Anne", last_name="Avant", bio="Ancienne présentation.")

    person_save(
        person=person, by=person.user, changes={"bio": "Nouvelle présentation.", "last_name": "Après"}
    )
    profile_submit(profile=person, by=person.user, consent=True)

    page = client.get(reverse("directory:person_detail", args=[person.pk])).content.decode()
    assert "Ancienne présentation." in page and "Nouvelle présentation." not in page
    assert Entry.objects.get(person=person).title_public == "Anne Avant"
    review = staff_client.get(
        reverse("directory:moderation_review", args=["personne", person.pk])
    ).content.decode()
    assert "<del>Ancienne présentation.</del>" in review
    assert "<ins>Nouvelle présentation.</ins>" in review
    assert "<del>Avant</del>" in review and "<ins>Après</ins>" in review

    profile_approve(profile=person, by=UserFactory())

    page = client.get(reverse("directory:person_detail", args=[person.pk])).content.decode()
    assert "Nouvelle présentation." in page
    assert Entry.objects.get(person=person).title_public == "Anne Après"
    person.refresh_from_db()
    assert person.revision is None and person.revision_status == ""


def test_rejected_edit_leaves_the_published_version_online(client):
    person = make_person(first_name="Anne", last_name="Stable", bio="Version publiée.")
    person_save(person=person, by=person.user, changes={"bio": "Version refusée."})
    profile_submit(profile=person, by=person.user, consent=True)

    profile_reject(profile=person, by=UserFactory(), reason="Texte inapproprié.")

    person.refresh_from_db()
    assert person.status == ModerationStatus.PUBLISHED
    assert person.revision_status == RevisionStatus.REJECTED
    assert (
        "Version publiée."
        in client.get(reverse("directory:person_detail", args=[person.pk])).content.decode()
    )


def test_restricting_a_field_applies_at_once_without_moderation(client):
    person = make_person(first_name="Anne", last_name="Discrète", experience="Mon parcours.")
    assert (
        "Mon parcours."
        not in client.get(reverse("directory:person_detail", args=[person.pk])).content.decode()
    )
    person_save(person=person, by=person.user, changes={"visibility": {"experience": Visibility.PUBLIC}})
    profile_submit(profile=person, by=person.user, consent=True)
    profile_approve(profile=person, by=UserFactory())
    assert (
        "Mon parcours." in client.get(reverse("directory:person_detail", args=[person.pk])).content.decode()
    )

    person_save(person=person, by=person.user, changes={"visibility": {"experience": Visibility.STAFF}})

    person.refresh_from_db()
    assert person.field_level("experience") == Visibility.STAFF
    assert person.revision_status == RevisionStatus.DRAFT
    assert (
        "Mon parcours."
        not in client.get(reverse("directory:person_detail", args=[person.pk])).content.decode()
    )


def test_daily_digest_lists_the_queue_once_a_day(staff_user, django_capture_on_commit_callbacks, settings):
    settings.STAFF_EMAIL = "equipe@cops.exemple.fr"
    make_person(first_name="Rose", last_name="Nouvelle", status=ModerationStatus.PENDING)
    make_structure(name="Clinique des Oliviers", status=ModerationStatus.PENDING)
    make_project(
        title="Des usagers au recrutement",
        structure=make_structure(name="Maison de retraite des Tilleuls"),
        status=ModerationStatus.PENDING,
    )

    with django_capture_on_commit_callbacks(execute=True):
        first = moderation_digest_send()
        second = moderation_digest_send()

    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Annuaire : 3 fiches attendent votre modération"
    assert sorted(mail.outbox[0].to) == ["equipe@cops.exemple.fr", staff_user.email]
    assert "- Rose Nouvelle (Toulouse) — nouvelle fiche" in mail.outbox[0].body
    assert "- Clinique des Oliviers (Montauban) — nouvelle fiche" in mail.outbox[0].body
    assert "Projets\n- Des usagers au recrutement (Maison de retraite des Tilleuls) — nouvelle fiche" in (
        mail.outbox[0].body
    )


def test_yearly_accuracy_email_and_one_click_confirmation(client, django_capture_on_commit_callbacks):
    person = make_person(first_name="Yves", last_name="Ancien")
    structure = make_structure(name="Association Vieille Fiche")
    recent = make_person(first_name="Ines", last_name="Récente")
    long_ago = timezone.now() - timedelta(days=400)
    Person.objects.filter(pk=person.pk).update(accuracy_confirmed_at=long_ago)
    Structure.objects.filter(pk=structure.pk).update(accuracy_confirmed_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        sent = accuracy_reminders_send()
        again = accuracy_reminders_send()

    assert (sent, again) == (2, 0)
    assert sorted(tuple(m.to) for m in mail.outbox) == sorted(
        [(person.user.email,), (structure.created_by.email,)]
    )
    body = next(m.body for m in mail.outbox if m.to == [person.user.email])
    link = re.search(r"http://testserver(/annuaire/confirmer/\S+/)", body).group(1)
    assert accuracy_profile_from_token(link.split("/")[-2]) == person

    response = client.get(link)

    assert response.status_code == 200
    assert "est confirmée comme toujours exacte" in response.content.decode()
    person.refresh_from_db()
    assert person.accuracy_confirmed_at > timezone.now() - timedelta(minutes=1)
    assert client.get(reverse("directory:confirm_accuracy", args=["faux-jeton"])).status_code == 400
    recent.refresh_from_db()
    assert recent.accuracy_reminder_sent_at is None


def test_moderation_pages_are_for_staff_only(client, partner_client):
    person = make_person(first_name="Rose", last_name="Cachée", status=ModerationStatus.PENDING)

    assert client.get(reverse("directory:moderation_queue")).status_code == 302
    assert partner_client.get(reverse("directory:moderation_queue")).status_code == 403
    assert (
        partner_client.post(
            reverse("directory:moderation_review", args=["personne", person.pk]), {"decision": "approve"}
        ).status_code
        == 403
    )
    person.refresh_from_db()
    assert person.status == ModerationStatus.PENDING


def test_staff_home_shows_the_moderation_queue_count(staff_client):
    make_person(first_name="Rose", last_name="Une", status=ModerationStatus.PENDING)
    make_person(first_name="Rose", last_name="Deux", status=ModerationStatus.PENDING)

    content = staff_client.get(reverse("platform:staff_home")).content.decode()

    assert 'File de modération</a> <span class="badge text-bg-light border">2</span>' in content
