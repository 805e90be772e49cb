"""Charter versions, publication, and the renewal invitations (exactly one per person and version)."""

from collections import Counter
from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from actors.models import CharterVersion, RenewalInvitation
from actors.selectors.charter import charter_current_version
from actors.services import charter as services
from actors.tasks import send_charter_renewals
from cops.models import OutgoingEmail
from tests.factories.actors import UserFactory
from tests.factories.charter import (
    CharterVersionFactory,
    PersonFactory,
    StructureFactory,
    make_referent,
    sign,
)


@pytest.fixture
def previous(db):
    return CharterVersionFactory(year=2025, title="Charte d'engagement 2025")


@pytest.fixture
def draft(db):
    return CharterVersionFactory(year=2026, title="Charte d'engagement 2026", published_at=None)


def signatories(previous, count: int) -> list[str]:
    emails = []
    for index in range(count):
        user = UserFactory(email=f"signataire{index}@exemple.fr")
        sign(previous, person=PersonFactory(user=user))
        emails.append(user.email)
    return emails


# --- Versions ---------------------------------------------------------------------------------------------


def test_version_end_before_start_is_refused_and_nothing_saved(staff_user, db):
    with pytest.raises(ValidationError) as error:
        services.charter_version_save(
            version=None,
            year=2026,
            title="Charte 2026",
            text="Texte",
            valid_from=date(2026, 6, 1),
            valid_until=date(2026, 1, 1),
            by=staff_user,
        )

    assert error.value.message_dict == {
        "valid_until": ["La fin de validité doit être postérieure ou égale au début de validité."]
    }
    assert CharterVersion.objects.count() == 0


def test_two_versions_for_one_year_are_refused(previous, staff_user):
    with pytest.raises(ValidationError) as error:
        services.charter_version_save(
            version=None,
            year=2025,
            title="Doublon",
            text="Texte",
            valid_from=date(2025, 1, 1),
            valid_until=None,
            by=staff_user,
        )

    assert error.value.message_dict == {"year": ["Une version de la charte existe déjà pour l'année 2025."]}


def test_a_published_text_is_frozen_but_its_validity_may_move(previous, staff_user):
    with pytest.raises(ValidationError):
        services.charter_version_save(
            version=previous,
            year=2025,
            title=previous.title,
            text="Un autre texte",
            valid_from=previous.valid_from,
            valid_until=None,
            by=staff_user,
        )
    services.charter_version_save(
        version=previous,
        year=2025,
        title=previous.title,
        text=previous.text,
        valid_from=previous.valid_from,
        valid_until=date(2025, 12, 31),
        by=staff_user,
    )

    previous.refresh_from_db()
    assert previous.text.startswith("Les signataires reconnaissent")
    assert previous.valid_until == date(2025, 12, 31)


def test_publishing_makes_the_version_current(
    previous, draft, staff_user, django_capture_on_commit_callbacks
):
    assert charter_current_version() == previous

    with django_capture_on_commit_callbacks(execute=True):
        services.charter_version_publish(version=draft, by=staff_user)

    assert charter_current_version() == draft
    draft.refresh_from_db()
    assert draft.published_by == staff_user


def test_publishing_twice_is_refused(previous, staff_user):
    with pytest.raises(ValidationError) as error:
        services.charter_version_publish(version=previous, by=staff_user)

    assert error.value.messages == ["Cette version de la charte est déjà publiée."]


def test_an_older_version_cannot_be_published_after_a_newer_one(previous, staff_user):
    old = CharterVersionFactory(year=2024, published_at=None)

    with pytest.raises(ValidationError) as error:
        services.charter_version_publish(version=old, by=staff_user)

    assert error.value.messages == ["La version 2025, plus récente, est déjà publiée."]
    old.refresh_from_db()
    assert old.published_at is None


# --- Renewal invitations --------------------------------------------------------------------------------


def test_publication_invites_each_previous_signatory_once_by_email(
    previous, draft, staff_user, django_capture_on_commit_callbacks
):
    emails = signatories(previous, 3)

    with django_capture_on_commit_callbacks(execute=True):
        count = services.charter_version_publish(version=draft, by=staff_user)

    assert count == 3
    assert sorted(message.to[0] for message in mail.outbox) == sorted(emails)
    message = mail.outbox[0]
    assert message.subject == "La charte d'engagement 2026 du COPS est publiée : renouvelez votre engagement"
    assert "Vous aviez signé la charte 2025 pour :" in message.body
    assert "http://testserver/charte/signer/" in message.body
    assert RenewalInvitation.objects.filter(sent_at__isnull=True).count() == 0


def test_one_person_signing_for_herself_and_a_structure_gets_one_invitation_listing_both(
    previous, draft, staff_user, django_capture_on_commit_callbacks
):
    user = UserFactory(email="referente@exemple.fr")
    person = PersonFactory(user=user, first_name="Inès", last_name="Roux")
    structure = StructureFactory(name="Association France Rein Gard")
    make_referent(person, structure)
    sign(previous, person=person)
    sign(previous, structure=structure, by=user)

    with django_capture_on_commit_callbacks(execute=True):
        services.charter_version_publish(version=draft, by=staff_user)

    assert [message.to for message in mail.outbox] == [["referente@exemple.fr"]]
    assert "- Inès Roux\n- Association France Rein Gard\n" in mail.outbox[0].body


def test_withdrawn_signatories_are_not_invited(
    previous, draft, staff_user, django_capture_on_commit_callbacks
):
    emails = signatories(previous, 2)
    withdrawn = previous.signatures.get(person__user__email=emails[0])
    services.signature_withdraw(signature=withdrawn, by=withdrawn.signed_by)

    with django_capture_on_commit_callbacks(execute=True):
        services.charter_version_publish(version=draft, by=staff_user)

    assert [message.to for message in mail.outbox] == [[emails[1]]]


def test_a_structure_whose_signer_left_is_invited_through_its_current_referents(
    previous, draft, staff_user, django_capture_on_commit_callbacks
):
    structure = StructureFactory(name="Clinique du Parc", email="contact@clinique.exemple.fr")
    former = UserFactory(email="ancien@exemple.fr")
    sign(previous, structure=structure, by=former)  # the signer is no longer a référent
    make_referent(PersonFactory(user=UserFactory(email="nouvelle@exemple.fr")), structure)

    with django_capture_on_commit_callbacks(execute=True):
        services.charter_version_publish(version=draft, by=staff_user)

    assert [message.to for message in mail.outbox] == [["nouvelle@exemple.fr"]]


def test_the_renewal_task_run_twice_sends_exactly_one_email_per_signatory(
    previous, draft, staff_user, django_capture_on_commit_callbacks
):
    emails = signatories(previous, 5)
    services.charter_version_publish(version=draft, by=staff_user)  # rows prepared, task not run (no commit)

    with django_capture_on_commit_callbacks(execute=True):
        first = send_charter_renewals.apply(kwargs={"version_id": draft.pk}).get()
    with django_capture_on_commit_callbacks(execute=True):
        second = send_charter_renewals.apply(kwargs={"version_id": draft.pk}).get()

    assert (first, second) == (5, 0)
    assert Counter(message.to[0] for message in mail.outbox) == Counter({email: 1 for email in emails})
    assert OutgoingEmail.objects.filter(template="charter/emails/renewal").count() == 5


def test_a_batch_interrupted_midway_resumes_without_sending_twice(
    previous, draft, staff_user, monkeypatch, django_capture_on_commit_callbacks
):
    """Batches of two; the worker dies while writing the third invitation: the first batch stays
    sent, the second is rolled back with its outbox rows, and the rerun sends the rest — each once."""
    emails = signatories(previous, 5)
    monkeypatch.setattr(services, "RENEWAL_BATCH_SIZE", 2)
    services.charter_version_publish(version=draft, by=staff_user)
    real_send = services.send_templated_email
    calls = {"count": 0}

    def dying_send(**kwargs):
        calls["count"] += 1
        if calls["count"] == 3:
            real_send(**kwargs)  # the outbox row is written…
            raise SystemExit("worker killed")  # …and the process dies before the commit
        return real_send(**kwargs)

    monkeypatch.setattr(services, "send_templated_email", dying_send)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(SystemExit):
        services.renewal_invitations_send(version_id=draft.pk)
    assert RenewalInvitation.objects.filter(sent_at__isnull=False).count() == 2
    assert OutgoingEmail.objects.filter(template="charter/emails/renewal").count() == 2

    monkeypatch.setattr(services, "send_templated_email", real_send)
    with django_capture_on_commit_callbacks(execute=True):
        resumed = services.renewal_invitations_send(version_id=draft.pk)

    assert resumed == 3
    assert Counter(message.to[0] for message in mail.outbox) == Counter({email: 1 for email in emails})


def test_the_sweep_sends_invitations_left_behind(
    previous, draft, staff_user, django_capture_on_commit_callbacks
):
    from actors.tasks import send_pending_committee_mail

    emails = signatories(previous, 2)
    services.charter_version_publish(version=draft, by=staff_user)  # the broker "lost" the task

    with django_capture_on_commit_callbacks(execute=True):
        sent = send_pending_committee_mail.apply().get()

    assert sent == 2
    assert sorted(message.to[0] for message in mail.outbox) == sorted(emails)


def test_publish_page_publishes_and_reports_the_invitations(previous, draft, staff_client):
    signatories(previous, 2)

    response = staff_client.post(f"/charte/gestion/versions/{draft.pk}/publier/", follow=True)

    assert "La charte 2026 est publiée. Invitations à renouveler l&#x27;engagement envoyées : 2." in (
        response.content.decode()
    ) or "La charte 2026 est publiée. Invitations à renouveler l'engagement envoyées : 2." in (
        response.content.decode()
    )
    draft.refresh_from_db()
    assert draft.is_published


def test_version_form_refuses_an_end_before_the_start_keeping_the_text(staff_client, db):
    response = staff_client.post(
        "/charte/gestion/versions/nouvelle/",
        {
            "year": "2026",
            "title": "Charte 2026",
            "text": "Mon texte soigneusement rédigé",
            "valid_from": "2026-06-01",
            "valid_until": "2026-01-01",
        },
    )

    page = response.content.decode()
    assert "La fin de validité doit être postérieure ou égale au début de validité." in page
    assert "Mon texte soigneusement rédigé" in page
    assert CharterVersion.objects.count() == 0
