"""The nightly purge: each kind of personal data goes exactly when its retention period is over.

Every category seeds one row a second past its period (deleted) and one a second short of it
(kept), plus the rows the purge must never touch whatever their age.
"""

import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from accompaniment.models import SupportRequest
from actors.charter_enums import Attendance
from actors.enums import ContactPolicy, ModerationStatus, RevisionStatus
from actors.models import MeetingParticipant, Person, Structure, User
from barometer.enums import Public, ResponseStatus
from barometer.models import Contact, Delivery, Invitation, Response
from cops.enums import ReportStatus
from cops.mail import MAX_ATTEMPTS
from cops.models import OutgoingEmail, ReportJob
from cops.retention import expired_data_purge
from cops.tasks import purge_expired_data
from cops.tokens import new_token
from directory.models import ContactMessage
from directory.services.contact import (
    contact_message_reply,
    contact_message_report_abuse,
    contact_message_send,
    contact_preferences_save,
)
from selfassess.models import Participant, Rating
from tests.factories.accompaniment import SupportRequestFactory
from tests.factories.actors import UnverifiedUserFactory, UserFactory
from tests.factories.barometer import CampaignFactory, make_invitation, make_link, make_questionnaire
from tests.factories.charter import CharterVersionFactory, PersonFactory, committee, make_meeting, sign
from tests.factories.cops import DoneReportJobFactory, OutgoingEmailFactory, ReportJobFactory
from tests.factories.directory import make_person
from tests.factories.selfassess import AssessmentSessionFactory, ParticipantFactory

NOW = timezone.now().replace(microsecond=0)
SECOND = timedelta(seconds=1)


def days_ago(days: int) -> timezone.datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def test_retention_periods_default_to_the_documented_values():
    assert (
        django_settings.RETENTION_UNVERIFIED_ACCOUNT_DAYS,
        django_settings.RETENTION_DRAFT_PROFILE_DAYS,
        django_settings.RETENTION_BAROMETER_DRAFT_DAYS,
        django_settings.RETENTION_SENT_EMAIL_DAYS,
        django_settings.RETENTION_LOGIN_ATTEMPT_DAYS,
        django_settings.RETENTION_REPORT_DAYS,
        django_settings.RETENTION_BAROMETER_INVITATION_DAYS,
        django_settings.RETENTION_BAROMETER_CONTACT_DAYS,
        django_settings.RETENTION_SELFASSESS_PARTICIPANT_DAYS,
        django_settings.RETENTION_MEETING_GUEST_DAYS,
    ) == (30, 180, 30, 90, 30, 30, 365, 365, 365, 730)


def test_unverified_accounts_go_after_their_period_and_nobody_else(db):
    expired = UnverifiedUserFactory(email="oublie@exemple.fr", date_joined=days_ago(30) - SECOND)
    UnverifiedUserFactory(email="recent@exemple.fr", date_joined=days_ago(30) + SECOND)
    UserFactory(email="verifie@exemple.fr", date_joined=days_ago(400))
    UnverifiedUserFactory(email="equipe-ancienne@exemple.fr", date_joined=days_ago(400), is_staff=True)
    facilitator = UnverifiedUserFactory(email="animatrice@exemple.fr", date_joined=days_ago(400))
    AssessmentSessionFactory(facilitator=facilitator)

    counts = expired_data_purge(now=NOW)

    assert counts["unverified_accounts"] == 1
    assert not User.objects.filter(pk=expired.pk).exists()
    assert sorted(User.objects.values_list("email", flat=True)) == [
        "animatrice@exemple.fr",
        "equipe-ancienne@exemple.fr",
        "recent@exemple.fr",
        "verifie@exemple.fr",
    ]


def make_draft(first_name: str, *, updated: timezone.datetime, **fields) -> Person:
    person = Person.objects.create(first_name=first_name, last_name="Brouillon", **fields)
    # updated_at is auto_now: the age of a draft is set behind the model's back.
    Person.objects.filter(pk=person.pk).update(updated_at=updated)
    return person


def test_abandoned_draft_profiles_go_after_their_period(db):
    make_draft("Ancien", updated=days_ago(180) - SECOND, status=ModerationStatus.DRAFT)
    make_draft("Refuse", updated=days_ago(180) - SECOND, status=ModerationStatus.REJECTED)
    make_draft("Recent", updated=days_ago(180) + SECOND, status=ModerationStatus.DRAFT)
    make_draft("Publie", updated=days_ago(900), status=ModerationStatus.PUBLISHED, published_at=days_ago(900))
    make_draft("Attente", updated=days_ago(900), status=ModerationStatus.PENDING)
    signatory = make_draft("Signataire", updated=days_ago(900), status=ModerationStatus.DRAFT)
    sign(CharterVersionFactory(), person=signatory, by=UserFactory())
    old_structure = Structure.objects.create(name="Association oubliée", status=ModerationStatus.DRAFT)
    requesting = Structure.objects.create(name="Centre demandeur", status=ModerationStatus.DRAFT)
    SupportRequestFactory(structure=requesting)
    Structure.objects.filter(pk__in=[old_structure.pk, requesting.pk]).update(updated_at=days_ago(181))

    counts = expired_data_purge(now=NOW)

    assert counts["draft_profiles"] == 3
    assert sorted(Person.objects.values_list("first_name", flat=True)) == [
        "Attente",
        "Publie",
        "Recent",
        "Signataire",
    ]
    assert list(Structure.objects.values_list("name", flat=True)) == ["Centre demandeur"]
    assert SupportRequest.objects.filter(structure=requesting).count() == 1


def test_unsubmitted_edits_of_published_profiles_are_discarded_after_their_period(db):
    published = {"status": ModerationStatus.PUBLISHED, "published_at": days_ago(900)}
    stale = make_draft(
        "Ancienne",
        updated=days_ago(180) - SECOND,
        revision={"bio": "Une modification oubliée"},
        revision_status=RevisionStatus.DRAFT,
        **published,
    )
    fresh = make_draft(
        "Recente",
        updated=days_ago(180) + SECOND,
        revision={"bio": "Une modification en cours"},
        revision_status=RevisionStatus.DRAFT,
        **published,
    )
    submitted = make_draft(
        "Soumise",
        updated=days_ago(900),
        revision={"bio": "Une modification à modérer"},
        revision_status=RevisionStatus.PENDING,
        **published,
    )

    counts = expired_data_purge(now=NOW)

    assert counts["draft_revisions"] == 1
    assert Person.objects.values_list("revision", "revision_status").get(pk=stale.pk) == (None, "")
    assert Person.objects.get(pk=fresh.pk).revision == {"bio": "Une modification en cours"}
    assert Person.objects.get(pk=submitted.pk).revision_status == RevisionStatus.PENDING
    assert Person.objects.filter(pk=stale.pk, status=ModerationStatus.PUBLISHED).exists()


def test_unsent_barometer_responses_go_once_their_campaign_closed_past_the_period(db):
    today = timezone.localtime(NOW).date()
    closed_long_ago = make_questionnaire(
        CampaignFactory(opens_on=today - timedelta(days=90), closes_on=today - timedelta(days=31))
    )
    closed_lately = make_questionnaire(
        CampaignFactory(opens_on=today - timedelta(days=90), closes_on=today - timedelta(days=30))
    )

    def response(questionnaire, status):
        return Response.objects.create(
            questionnaire=questionnaire,
            status=status,
            consented_on=today - timedelta(days=60),
            started_on=today - timedelta(days=60),
            submitted_on=today - timedelta(days=60) if status == ResponseStatus.SUBMITTED else None,
        )

    expired = response(closed_long_ago, ResponseStatus.DRAFT)
    submitted = response(closed_long_ago, ResponseStatus.SUBMITTED)
    kept_draft = response(closed_lately, ResponseStatus.DRAFT)

    counts = expired_data_purge(now=NOW)

    assert counts["barometer_drafts"] == 1
    assert sorted(Response.objects.values_list("pk", flat=True)) == sorted([submitted.pk, kept_draft.pk])
    assert not Response.objects.filter(pk=expired.pk).exists()


def closed_campaign(*, days_ago: int):
    today = timezone.localtime(NOW).date()
    campaign = CampaignFactory(
        opens_on=today - timedelta(days=days_ago + 60), closes_on=today - timedelta(days=days_ago)
    )
    return make_questionnaire(campaign)


def test_barometer_invitation_lists_lose_names_and_addresses_once_their_campaign_closed_past_the_period(db):
    closed_long_ago = closed_campaign(days_ago=366)
    closed_lately = closed_campaign(days_ago=365)
    expired = make_invitation(closed_long_ago, email="ancien@exemple.fr", name="Ancien Invité")
    Invitation.objects.filter(pk=expired.pk).update(has_responded=True)
    make_link(expired)
    kept = make_invitation(closed_lately, email="recent@exemple.fr", name="Récent Invité")
    make_link(kept)

    counts = expired_data_purge(now=NOW)

    assert counts["barometer_invitations"] == 1
    # The response rate still counts it; nothing says who it was.
    assert Invitation.objects.filter(pk=expired.pk).values_list("email", "name", "has_responded").get() == (
        f"anonyme-{expired.pk}@anonyme.invalid",
        "",
        True,
    )
    assert Invitation.objects.get(pk=expired.pk).unsubscribed_at is not None
    assert list(Delivery.objects.filter(invitation=expired).values_list("token_hash", flat=True)) == [None]
    assert Invitation.objects.filter(pk=kept.pk).values_list("email", "name", "unsubscribed_at").get() == (
        "recent@exemple.fr",
        "Récent Invité",
        None,
    )
    assert Delivery.objects.get(invitation=kept).token_hash is not None


def test_barometer_contacts_go_once_their_campaign_closed_past_the_period(db):
    closed_long_ago = closed_campaign(days_ago=366).campaign
    closed_lately = closed_campaign(days_ago=365).campaign
    for campaign, email in ((closed_long_ago, "ancien@exemple.fr"), (closed_lately, "recent@exemple.fr")):
        Contact.objects.create(campaign=campaign, public=Public.PATIENTS, email=email, wants_report=True)

    counts = expired_data_purge(now=NOW)

    assert counts["barometer_contacts"] == 1
    assert list(Contact.objects.values_list("email", flat=True)) == ["recent@exemple.fr"]


def test_selfassess_participants_are_anonymised_once_their_session_is_past_the_period(db):
    today = timezone.localtime(NOW).date()
    old_session = AssessmentSessionFactory(held_on=today - timedelta(days=366))
    recent_session = AssessmentSessionFactory(held_on=today - timedelta(days=365))
    expired = ParticipantFactory(session=old_session, name="Ancienne", email="ancienne@exemple.fr")
    old_token_hash = expired.token_hash
    kept = ParticipantFactory(session=recent_session, name="Récente", email="recente@exemple.fr")
    for participant in (expired, kept):
        criterion = participant.session.framework.criteria.order_by("position").first()
        Rating.objects.create(participant=participant, criterion=criterion, score=3, comment="Mon avis")

    counts = expired_data_purge(now=NOW)

    assert counts["selfassess_participants"] == 1
    assert Rating.objects.filter(participant=expired).values_list("score", "comment").get() == (3, "")
    assert Rating.objects.filter(participant=kept).values_list("score", "comment").get() == (3, "Mon avis")
    expired.refresh_from_db()
    assert (expired.name, expired.email, expired.side) == (
        "Participant anonymisé",
        f"anonyme-{expired.pk}@anonyme.invalid",
        kept.side,
    )
    assert expired.token_hash != old_token_hash
    assert Participant.objects.filter(pk=kept.pk).values_list("name", "email", "token_hash").get() == (
        "Récente",
        "recente@exemple.fr",
        kept.token_hash,
    )


def test_meeting_guests_without_an_account_are_anonymised_once_the_meeting_is_past_the_period(db):
    cotec = committee("cotec")
    old_meeting = make_meeting(
        cotec, starts_at=days_ago(730) - timedelta(hours=2), ends_at=days_ago(730) - SECOND
    )
    recent_meeting = make_meeting(
        cotec, starts_at=days_ago(730) - timedelta(hours=2), ends_at=days_ago(730) + SECOND
    )
    guest = MeetingParticipant.objects.create(
        meeting=old_meeting, name="Invitée Externe", email="externe@exemple.fr", attendance=Attendance.PRESENT
    )
    member = UserFactory(email="membre@exemple.fr")
    MeetingParticipant.objects.create(
        meeting=old_meeting, name="Membre", email=member.email, user=member, attendance=Attendance.PRESENT
    )
    profile_with_account = PersonFactory(first_name="Fiche", user=UserFactory(email="fiche@exemple.fr"))
    MeetingParticipant.objects.create(
        meeting=old_meeting, name="Fiche", email="fiche@exemple.fr", person=profile_with_account
    )
    MeetingParticipant.objects.create(meeting=recent_meeting, name="Récente", email="recente@exemple.fr")

    counts = expired_data_purge(now=NOW)

    assert counts["meeting_guests"] == 1
    # Attendance stays (the committees' figures); who attended does not.
    assert MeetingParticipant.objects.filter(pk=guest.pk).values_list(
        "name", "email", "attendance"
    ).get() == (
        "Participant anonymisé",
        f"anonyme-{guest.pk}@anonyme.invalid",
        Attendance.PRESENT,
    )
    assert sorted(MeetingParticipant.objects.exclude(pk=guest.pk).values_list("name", "email")) == [
        ("Fiche", "fiche@exemple.fr"),
        ("Membre", "membre@exemple.fr"),
        ("Récente", "recente@exemple.fr"),
    ]


# --- contact relay -------------------------------------------------------------------------------------


def make_recipient() -> Person:
    person = make_person(first_name="Iris", last_name="Destinataire")
    contact_preferences_save(user=person.user, person_policy=ContactPolicy.EVERYONE)
    return person


def relay_message(person: Person, body: str) -> tuple[ContactMessage, str]:
    """A message relayed through the service, and its secret link (known only at creation: set here)."""
    message = contact_message_send(
        person=person,
        sender_user=None,
        sender_name="Expéditeur",
        sender_email="expediteur@exemple.fr",
        purpose="autre",
        body=body,
        enforce_limits=False,
    )
    raw, token_hash = new_token()
    ContactMessage.objects.filter(pk=message.pk).update(token_hash=token_hash)
    return message, raw


def test_relayed_messages_go_after_their_period_answered_and_reported_ones_too(db, client):
    recipient = make_recipient()
    old, old_token = relay_message(recipient, "Ancien message")
    contact_message_reply(message=old, body="Ancienne réponse")
    contact_message_report_abuse(message=old, reason="Ancien signalement")
    _kept, kept_token = relay_message(recipient, "Message récent")
    ContactMessage.objects.filter(body="Ancien message").update(created_at=days_ago(90) - SECOND)
    ContactMessage.objects.filter(body="Message récent").update(created_at=days_ago(90) + SECOND)

    counts = expired_data_purge(now=NOW)

    assert django_settings.RETENTION_CONTACT_MESSAGE_DAYS == 90
    assert counts["contact_messages"] == 1
    assert list(ContactMessage.objects.values_list("body", "reply", "abuse_reason")) == [
        ("Message récent", "", "")
    ]
    # The links of the purged message die with it; the kept one still opens.
    assert client.get(reverse("directory:contact_reply", args=[old_token])).status_code == 404
    assert client.get(reverse("directory:contact_abuse", args=[old_token])).status_code == 404
    assert client.get(reverse("directory:contact_reply", args=[kept_token])).status_code == 200


def test_relayed_messages_retention_is_read_from_the_settings(db, settings):
    settings.RETENTION_CONTACT_MESSAGE_DAYS = 7
    recipient = make_recipient()
    relay_message(recipient, "Huit jours")
    relay_message(recipient, "Six jours")
    ContactMessage.objects.filter(body="Huit jours").update(created_at=days_ago(8))
    ContactMessage.objects.filter(body="Six jours").update(created_at=days_ago(6))

    counts = expired_data_purge(now=NOW)

    assert counts["contact_messages"] == 1
    assert list(ContactMessage.objects.values_list("body", flat=True)) == ["Six jours"]


def test_outbox_keeps_sent_emails_for_their_period_and_never_drops_a_pending_one(db):
    OutgoingEmailFactory(subject="Envoyé il y a longtemps", sent_at=days_ago(90) - SECOND, body_text="")
    OutgoingEmailFactory(subject="Envoyé récemment", sent_at=days_ago(90) + SECOND, body_text="")
    OutgoingEmailFactory(subject="Abandonné", created_at=days_ago(90) - SECOND, attempts=MAX_ATTEMPTS)
    OutgoingEmailFactory(
        subject="Abandonné récemment", created_at=days_ago(90) + SECOND, attempts=MAX_ATTEMPTS
    )
    OutgoingEmailFactory(subject="En attente", created_at=days_ago(400), attempts=2)

    counts = expired_data_purge(now=NOW)

    assert counts["outgoing_emails"] == 2
    assert sorted(OutgoingEmail.objects.values_list("subject", flat=True)) == [
        "Abandonné récemment",
        "En attente",
        "Envoyé récemment",
    ]


def test_failed_sign_ins_are_kept_for_their_period(db):
    for username, age in (
        ("ancien@exemple.fr", days_ago(30) - SECOND),
        ("recent@exemple.fr", days_ago(30) + SECOND),
    ):
        attempt = AccessAttempt.objects.create(
            username=username,
            ip_address="192.0.2.1",
            user_agent="Navigateur",
            http_accept="*/*",
            path_info="/compte/connexion/",
            get_data="",
            post_data="",
            failures_since_start=3,
        )
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=age)

    counts = expired_data_purge(now=NOW)

    assert counts["login_records"] == 1
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["recent@exemple.fr"]


def test_finished_reports_and_their_files_go_after_their_period(
    db, private_media, django_capture_on_commit_callbacks
):
    old = DoneReportJobFactory(finished_at=days_ago(30) - SECOND)
    recent = DoneReportJobFactory(finished_at=days_ago(30) + SECOND)
    failed = ReportJobFactory(status=ReportStatus.FAILED, finished_at=days_ago(30) - SECOND, error="Erreur")
    running = ReportJobFactory(status=ReportStatus.RUNNING, created_at=days_ago(400))
    old_file = private_media / old.file.name
    assert old_file.exists()

    with django_capture_on_commit_callbacks(execute=True):
        counts = expired_data_purge(now=NOW)

    assert counts["reports"] == 2
    assert sorted(ReportJob.objects.values_list("pk", flat=True)) == sorted([recent.pk, running.pk])
    assert not ReportJob.objects.filter(pk=failed.pk).exists()
    assert not old_file.exists()
    assert (private_media / recent.file.name).read_bytes() == b"%PDF-1.7 rapport\n"


def test_newsletter_requests_never_confirmed_go_after_30_days_unsubscribed_addresses_after_3_years(db):
    from actors.models import NewsletterSubscription

    def subscription(email, status, **dates):
        consented = {"consented_at": NOW} if status == "confirmed" else {}
        NewsletterSubscription.objects.create(
            email=email, status=status, source="formulaire", **consented, **dates
        )

    subscription("attente.vieille@exemple.org", "pending", created_at=days_ago(30) - SECOND)
    subscription("attente.recente@exemple.org", "pending", created_at=days_ago(30) + SECOND)
    subscription("partie.vieille@exemple.org", "unsubscribed", unsubscribed_at=days_ago(1095) - SECOND)
    subscription("partie.recente@exemple.org", "unsubscribed", unsubscribed_at=days_ago(1095) + SECOND)
    subscription("abonnee.ancienne@exemple.org", "confirmed", created_at=days_ago(4000))

    counts = expired_data_purge(now=NOW)

    assert (counts["newsletter_unconfirmed"], counts["newsletter_unsubscribed"]) == (1, 1)
    assert sorted(NewsletterSubscription.objects.values_list("email", flat=True)) == [
        "abonnee.ancienne@exemple.org",
        "attente.recente@exemple.org",
        "partie.recente@exemple.org",
    ]


def test_expired_sessions_are_cleared(db):
    Session.objects.create(session_key="a" * 32, session_data="", expire_date=NOW - SECOND)
    Session.objects.create(session_key="b" * 32, session_data="", expire_date=NOW + SECOND)

    counts = expired_data_purge(now=NOW)

    assert counts["sessions"] == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["b" * 32]


def test_a_second_run_deletes_nothing_more(db):
    UnverifiedUserFactory(date_joined=days_ago(31))
    OutgoingEmailFactory(sent_at=days_ago(91), body_text="")
    old_questionnaire = closed_campaign(days_ago=400)
    make_invitation(old_questionnaire, email="ancien@exemple.fr")
    make_invitation(old_questionnaire, email="autre@exemple.fr")
    old_session = AssessmentSessionFactory(held_on=timezone.localtime(NOW).date() - timedelta(days=400))
    ParticipantFactory(session=old_session)
    old_meeting = make_meeting(committee("cotec"), days=-800)
    MeetingParticipant.objects.create(meeting=old_meeting, name="Externe", email="externe@exemple.fr")
    first = expired_data_purge(now=NOW)

    counts = expired_data_purge(now=NOW)

    assert (first["barometer_invitations"], first["selfassess_participants"], first["meeting_guests"]) == (
        2,
        1,
        1,
    )
    assert counts == {
        "unverified_accounts": 0,
        "meeting_guests": 0,
        "event_needs": 0,
        "event_guests": 0,
        "event_unconfirmed": 0,
        "newsletter_unconfirmed": 0,
        "newsletter_unsubscribed": 0,
        "draft_profiles": 0,
        "draft_revisions": 0,
        "contact_messages": 0,  # contact relay
        "barometer_drafts": 0,
        "barometer_invitations": 0,
        "barometer_contacts": 0,
        "selfassess_participants": 0,
        "outgoing_emails": 0,
        "login_records": 0,
        "reports": 0,
        "sessions": 0,
    }


def test_retention_periods_are_read_from_the_settings(db, settings):
    settings.RETENTION_SENT_EMAIL_DAYS = 7
    OutgoingEmailFactory(subject="Huit jours", sent_at=days_ago(8), body_text="")
    OutgoingEmailFactory(subject="Six jours", sent_at=days_ago(6), body_text="")

    counts = expired_data_purge(now=NOW)

    assert counts["outgoing_emails"] == 1
    assert list(OutgoingEmail.objects.values_list("subject", flat=True)) == ["Six jours"]


def test_purge_task_returns_and_logs_the_counts(db, caplog):
    UnverifiedUserFactory(email="oublie@exemple.fr", date_joined=timezone.now() - timedelta(days=45))
    OutgoingEmailFactory(sent_at=timezone.now() - timedelta(days=100), body_text="")

    with caplog.at_level(logging.INFO, logger="cops.retention"):
        counts = purge_expired_data.delay().get()

    assert (counts["unverified_accounts"], counts["outgoing_emails"]) == (1, 1)
    assert [record.getMessage() for record in caplog.records if record.name == "cops.retention"] == [
        "Retention purge: unverified_accounts 1, meeting_guests 0, event_needs 0, event_guests 0, "
        "event_unconfirmed 0, newsletter_unconfirmed 0, newsletter_unsubscribed 0, draft_profiles 0, draft_revisions 0, "
        "contact_messages 0, barometer_drafts 0, barometer_invitations 0, barometer_contacts 0, selfassess_participants 0, "
        "outgoing_emails 1, login_records 0, reports 0, sessions 0"
    ]


def test_purge_runs_every_night():
    entry = django_settings.CELERY_BEAT_SCHEDULE["cops.purge_expired_data"]

    assert entry["task"] == purge_expired_data.name == "cops.purge_expired_data"
    assert entry["schedule"] == crontab(hour=3, minute=15)
