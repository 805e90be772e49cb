"""Meetings: creation, invitations with an .ics attachment (sent once), attendance, minutes, counts."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from actors.charter_enums import Attendance, MeetingStatus
from actors.models import Decision, Meeting, MeetingParticipant
from actors.selectors.committees import meeting_ics, meeting_year_counts
from actors.services import committees as services
from actors.tasks import send_meeting_invitations
from tests.factories.actors import UserFactory
from tests.factories.charter import PersonFactory, committee, make_meeting


@pytest.fixture
def cotec(db):
    return committee("cotec")


@pytest.fixture
def members(cotec, staff_user):
    persons = []
    for first, email in (("Anne", "anne@exemple.fr"), ("Basile", "basile@exemple.fr")):
        person = PersonFactory(first_name=first, last_name="Membre", user=UserFactory(email=email))
        services.mandate_create(
            committee=cotec, person=person, start_date=date(2024, 1, 1), end_date=None, by=staff_user
        )
        persons.append(person)
    ended = PersonFactory(first_name="Cyril", last_name="Parti", user=UserFactory(email="cyril@exemple.fr"))
    services.mandate_create(
        committee=cotec, person=ended, start_date=date(2023, 1, 1), end_date=date(2023, 12, 31), by=staff_user
    )
    return persons


def test_meeting_needs_a_place_or_a_visio_link_and_an_end_after_its_start(cotec, staff_user):
    start = timezone.now() + timedelta(days=3)

    with pytest.raises(ValidationError) as error:
        services.meeting_create(
            committee=cotec,
            title="CoTec",
            starts_at=start,
            ends_at=start - timedelta(hours=1),
            location="",
            visio_url="",
            agenda="",
            by=staff_user,
        )

    assert error.value.message_dict == {
        "ends_at": ["La fin de la réunion doit être postérieure à son début."],
        "location": ["Indiquez un lieu ou un lien de visioconférence."],
    }
    assert Meeting.objects.count() == 0


def test_inviting_members_emails_each_current_member_once_with_an_ics(
    cotec, members, staff_user, django_capture_on_commit_callbacks
):
    meeting = make_meeting(
        cotec, days=10, title="CoTec de rentrée", visio_url="https://visio.exemple.fr/cotec"
    )

    with django_capture_on_commit_callbacks(execute=True):
        added = services.meeting_invite_members(meeting=meeting, by=staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.meeting_invite_members(meeting=meeting, by=staff_user)

    assert (added, again) == (2, 0)
    assert sorted(message.to[0] for message in mail.outbox) == ["anne@exemple.fr", "basile@exemple.fr"]
    message = mail.outbox[0]
    assert message.subject.startswith("Invitation : CoTec — CoTec de rentrée, le ")
    assert "Visioconférence : https://visio.exemple.fr/cotec" in message.body
    filename, content, mimetype = message.attachments[0]
    assert filename == "invitation.ics"
    assert mimetype == "text/calendar; method=REQUEST"
    assert "BEGIN:VEVENT" in content and f"UID:{meeting.uid}@cops-occitanie" in content
    assert "SUMMARY:CoTec — CoTec de rentrée" in content
    assert MeetingParticipant.objects.filter(invitation_sent_at__isnull=True).count() == 0


def test_the_invitation_task_run_twice_sends_each_invitation_once(cotec, members, staff_user):
    meeting = make_meeting(cotec, days=10)
    services.meeting_invite_members(meeting=meeting, by=staff_user)  # rows added; task not run (no commit)

    first = send_meeting_invitations.apply(kwargs={"meeting_id": meeting.pk}).get()
    second = send_meeting_invitations.apply(kwargs={"meeting_id": meeting.pk}).get()

    assert (first, second) == (2, 0)


def test_ics_is_well_formed(cotec, db):
    start = timezone.make_aware(timezone.datetime(2026, 3, 12, 14, 0))
    meeting = make_meeting(
        cotec,
        title="Réunion ; avec, des caractères spéciaux",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        agenda="Point 1\nPoint 2 " + "très long " * 20,
    )

    ics = meeting_ics(meeting)

    lines = ics.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "DTSTART:20260312T130000Z" in lines  # 14:00 in Paris in winter
    assert "DTEND:20260312T150000Z" in lines
    assert "SUMMARY:CoTec — Réunion \\; avec\\, des caractères spéciaux" in lines
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = ics.replace("\r\n ", "")
    assert "DESCRIPTION:Point 1\\nPoint 2 très long" in unfolded


def test_updating_a_meeting_sends_the_update_with_the_next_sequence(
    cotec, members, staff_user, django_capture_on_commit_callbacks
):
    meeting = make_meeting(cotec, days=10)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_invite_members(meeting=meeting, by=staff_user)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            meeting=meeting,
            title="Réunion déplacée",
            starts_at=meeting.starts_at + timedelta(days=1),
            ends_at=meeting.ends_at + timedelta(days=1),
            location="Salle B",
            visio_url="",
            agenda="",
            by=staff_user,
            notify=True,
        )

    assert len(mail.outbox) == 2
    assert mail.outbox[0].subject.startswith("Mise à jour : CoTec — Réunion déplacée")
    assert "SEQUENCE:1" in mail.outbox[0].attachments[0][1]


def test_cancelling_tells_those_invited(cotec, members, staff_user, django_capture_on_commit_callbacks):
    meeting = make_meeting(cotec, days=10)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_invite_members(meeting=meeting, by=staff_user)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=meeting, by=staff_user)

    assert len(mail.outbox) == 2
    assert mail.outbox[0].subject.startswith("Annulation : CoTec")
    assert "METHOD:CANCEL" in mail.outbox[0].attachments[0][1]
    assert "STATUS:CANCELLED" in mail.outbox[0].attachments[0][1]


def test_attendance_and_minutes_are_recorded_after_the_meeting(cotec, members, staff_user):
    meeting = make_meeting(cotec, days=-1)
    anne, basile = (
        MeetingParticipant.objects.create(meeting=meeting, name=name, email=email)
        for name, email in (("Anne", "anne@exemple.fr"), ("Basile", "basile@exemple.fr"))
    )

    services.meeting_record_attendance(
        meeting=meeting,
        attendance={anne.pk: Attendance.PRESENT, basile.pk: Attendance.EXCUSED},
        by=staff_user,
    )
    services.meeting_record_minutes(
        meeting=meeting, minutes="Compte rendu.", decisions=["Décision A", " ", "Décision B"], by=staff_user
    )

    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert meeting.minutes == "Compte rendu."
    assert dict(meeting.participants.values_list("email", "attendance")) == {
        "anne@exemple.fr": Attendance.PRESENT,
        "basile@exemple.fr": Attendance.EXCUSED,
    }
    assert list(Decision.objects.values_list("position", "text")) == [(1, "Décision A"), (2, "Décision B")]


def test_attendance_before_the_meeting_is_refused(cotec, staff_user):
    meeting = make_meeting(cotec, days=3)
    participant = MeetingParticipant.objects.create(meeting=meeting, name="Anne", email="anne@exemple.fr")

    with pytest.raises(ValidationError) as error:
        services.meeting_record_attendance(
            meeting=meeting, attendance={participant.pk: Attendance.PRESENT}, by=staff_user
        )

    assert error.value.messages[0].startswith("La réunion n'a pas encore eu lieu")
    participant.refresh_from_db()
    assert participant.attendance == Attendance.UNKNOWN


def test_yearly_counts_of_meetings_and_participants(cotec, db):
    year = timezone.localdate().year
    held = make_meeting(cotec, days=0, starts_at=timezone.make_aware(timezone.datetime(year, 1, 10, 10)))
    other = make_meeting(
        committee("copil"), starts_at=timezone.make_aware(timezone.datetime(year, 1, 20, 10))
    )
    cancelled = make_meeting(cotec, starts_at=timezone.make_aware(timezone.datetime(year, 1, 5, 10)))
    cancelled.status = MeetingStatus.CANCELLED
    cancelled.save()
    for meeting, email, attendance in (
        (held, "anne@exemple.fr", Attendance.PRESENT),
        (held, "basile@exemple.fr", Attendance.ABSENT),
        (other, "anne@exemple.fr", Attendance.PRESENT),
        (other, "chloe@exemple.fr", Attendance.PRESENT),
        (cancelled, "denis@exemple.fr", Attendance.PRESENT),
    ):
        MeetingParticipant.objects.create(meeting=meeting, name=email, email=email, attendance=attendance)

    counts = meeting_year_counts(year)

    assert (counts.meetings, counts.participants, counts.attendances) == (2, 2, 3)
    assert counts.by_committee == [("CoPil", 1), ("CoTec", 1)]


def test_a_participant_sees_the_meeting_but_not_the_list_and_an_outsider_gets_404(
    cotec, partner, partner_client, other_partner
):
    from django.test import Client

    meeting = make_meeting(cotec, days=5, agenda="Ordre du jour secret des membres")
    MeetingParticipant.objects.create(meeting=meeting, name="Sacha", email=partner.email, user=partner)
    MeetingParticipant.objects.create(meeting=meeting, name="Autre", email="confidentiel@exemple.fr")
    outsider = Client()
    outsider.force_login(other_partner)

    page = partner_client.get(f"/comites/reunions/{meeting.pk}/").content.decode()

    assert "Ordre du jour secret des membres" in page
    assert "confidentiel@exemple.fr" not in page
    assert outsider.get(f"/comites/reunions/{meeting.pk}/").status_code == 404
    assert partner_client.get(f"/comites/reunions/{meeting.pk}/invitation.ics").status_code == 200


def test_meeting_form_refuses_a_meeting_without_place_keeping_input(staff_client, db):
    response = staff_client.post(
        "/comites/gestion/cotec/reunions/nouvelle/",
        {"title": "CoTec d'hiver", "starts_at": "2030-01-10T10:00", "ends_at": "2030-01-10T12:00"},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Indiquez un lieu ou un lien de visioconférence." in page
    assert "CoTec d&#x27;hiver" in page
    assert Meeting.objects.count() == 0


def test_staff_runs_a_meeting_through_the_pages(
    cotec, members, staff_client, django_capture_on_commit_callbacks
):
    response = staff_client.post(
        "/comites/gestion/cotec/reunions/nouvelle/",
        {
            "title": "CoTec d'hiver",
            "starts_at": "2030-01-10T10:00",
            "ends_at": "2030-01-10T12:00",
            "location": "Toulouse",
        },
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == f"/comites/reunions/{meeting.pk}/"

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/comites/reunions/{meeting.pk}/inviter/")
        staff_client.post(
            f"/comites/reunions/{meeting.pk}/participants/", {"name": "Invitée", "email": "x@exemple.fr"}
        )

    assert sorted(meeting.participants.values_list("email", flat=True)) == [
        "anne@exemple.fr",
        "basile@exemple.fr",
        "x@exemple.fr",
    ]
    assert sorted(message.to[0] for message in mail.outbox) == [
        "anne@exemple.fr",
        "basile@exemple.fr",
        "x@exemple.fr",
    ]


def test_adding_a_participant_twice_shows_the_services_refusal_on_the_email_field(cotec, staff_client):
    meeting = make_meeting(cotec, days=5)
    MeetingParticipant.objects.create(meeting=meeting, name="Anne", email="anne@exemple.fr")

    response = staff_client.post(
        f"/comites/reunions/{meeting.pk}/participants/", {"name": "Anne bis", "email": "Anne@exemple.fr"}
    )

    form = response.context["participant_form"]
    assert response.status_code == 400
    assert form.errors == {"email": ["Cette adresse figure déjà parmi les participants."]}
    assert form.non_field_errors() == []
    assert list(meeting.participants.values_list("email", flat=True)) == ["anne@exemple.fr"]
