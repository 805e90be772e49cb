"""An event's satisfaction questionnaire on the barometer's engine: creation with its default
questions and dates, the participants invited after the event, the round-0 email that is the
thank-you (and no plain thank-you besides), answering, results with the response rate, exports,
the published results under the small-numbers rule, and the staff pages' permissions."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from actors.charter_enums import EventDocumentMoment, MeetingStatus, RegistrationStatus
from actors.events import hooks
from actors.events.messages import event_thanks_send
from actors.models import MeetingParticipant
from actors.models.events import EventDocument
from barometer import event_surveys
from barometer.enums import CampaignStatus, QuestionType, ResponseStatus
from barometer.models import Campaign, Invitation, Response, SendingRound
from barometer.services import sending
from barometer.tasks import send_due_rounds
from cops.models import OutgoingEmail
from tests.actors.test_event_attendance import add_participant, make_event
from tests.barometer.conftest import answer_all
from tests.factories.charter import committee, make_meeting

ANSWERS = {
    1: {"q_satisfaction_globale": "peu", "q_organisation": "satisfait", "q_contenus": "tres"},
    2: {
        "q_plus_utile": ["echanges", "documents"],
        "q_manque": "Plus de temps d'échange",
        "q_recommander": "oui",
    },
}


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def past_event(**fields):
    """A workshop that ended two hours ago (so its thank-you is due)."""
    start = timezone.now() - timedelta(hours=5)
    return make_event(days=0, starts_at=start, ends_at=start + timedelta(hours=3), **fields)


def test_creating_the_survey_builds_one_questionnaire_with_the_default_questions_and_dates(staff_client):
    event = make_event(days=10, title="Atelier « Se situer »")

    response = staff_client.post(reverse("barometer:event_survey_create", args=[event.pk]), {"reminder": "1"})

    assert response.status_code == 302
    campaign = Campaign.all_objects.get(event=event)
    assert not Campaign.objects.filter(pk=campaign.pk).exists()  # never among the yearly editions
    start, end = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
    assert (campaign.title, campaign.year, campaign.status, campaign.anonymous) == (
        "Satisfaction — Atelier « Se situer »",
        start.year,
        CampaignStatus.DRAFT,
        True,
    )
    assert (campaign.opens_on, campaign.closes_on) == (start.date(), end.date() + timedelta(days=30))
    questionnaire = campaign.questionnaires.get()
    assert questionnaire.public == ""
    assert [s.title for s in questionnaire.sections.all()] == [
        "Votre avis sur l'événement",
        "Ce que vous en retenez",
    ]
    questions = list(questionnaire.questions.order_by("section__position", "position"))
    assert [(q.code, q.type, q.required) for q in questions] == [
        ("satisfaction_globale", QuestionType.LIKERT, True),
        ("organisation", QuestionType.LIKERT, False),
        ("contenus", QuestionType.LIKERT, False),
        ("plus_utile", QuestionType.MULTIPLE, False),
        ("manque", QuestionType.LONG_TEXT, False),
        ("recommander", QuestionType.YES_NO, False),
        ("suggestions", QuestionType.LONG_TEXT, False),
    ]
    manque = questions[4]
    assert (manque.show_if_question.code, manque.show_if_values) == (
        "satisfaction_globale",
        ["pas_du_tout", "peu"],
    )
    assert [(r.number, r.scheduled_at) for r in campaign.rounds.all()] == [
        (0, event.ends_at + timedelta(hours=1)),
        (1, event.ends_at + timedelta(hours=1, days=7)),
    ]
    page = staff_client.get(reverse("barometer:event_survey", args=[event.pk])).content.decode()
    assert "En préparation : relisez et modifiez les questions, puis ouvrez le questionnaire." in page
    assert "Les personnes présentes seront invitées à la fin de l’événement." in page
    # The builder's pages address it (by questionnaire), with the event survey's breadcrumb.
    builder = staff_client.get(reverse("barometer:staff_questionnaire", args=[questionnaire.pk]))
    assert builder.status_code == 200
    assert "Satisfaction — Atelier « Se situer »" in builder.content.decode()
    assert reverse("barometer:event_survey", args=[event.pk]) in builder.content.decode()


def test_creating_a_second_survey_or_one_for_a_committee_or_a_cancelled_event_is_refused(staff_client):
    event = make_event(days=10)
    event_surveys.survey_create(event=event)
    cancelled = make_event(days=12, status=MeetingStatus.CANCELLED)
    meeting = make_meeting(committee("copil"))

    second = staff_client.post(reverse("barometer:event_survey_create", args=[event.pk]), follow=True)
    refused = staff_client.post(reverse("barometer:event_survey_create", args=[cancelled.pk]), follow=True)
    committee_page = staff_client.post(reverse("barometer:event_survey_create", args=[meeting.pk]))

    assert "Cet événement a déjà son questionnaire de satisfaction." in second.content.decode()
    assert "L&#x27;événement est annulé : il n&#x27;y a personne à interroger." in refused.content.decode()
    assert committee_page.status_code == 404
    assert Campaign.all_objects.filter(event__isnull=False).count() == 1


def test_no_survey_once_the_plain_thanks_went_out(db, sent):
    event = past_event()
    add_participant(event, "Anne", "anne@exemple.fr", checked_in_at=timezone.now())
    sent(event_thanks_send)

    with pytest.raises(Exception) as refused:
        event_surveys.survey_create(event=event)

    assert "ont déjà reçu le courriel de remerciement" in str(refused.value)
    assert not Campaign.all_objects.filter(event=event).exists()


def test_after_the_event_the_present_participants_get_the_thanks_with_the_questionnaire_and_no_plain_thanks(
    db, sent, settings
):
    settings.BAROMETER_EMAILS_PER_MINUTE = 0
    event = past_event(title="Atelier du partenariat")
    EventDocument.objects.create(
        event=event,
        moment=EventDocumentMoment.AFTER,
        title="Diaporama de l'atelier",
        file=ContentFile(b"%PDF-1.4", name="diaporama.pdf"),
        file_format="pdf",
        is_public=True,
    )
    EventDocument.objects.create(
        event=event,
        moment=EventDocumentMoment.AFTER,
        title="Liste des participants",
        file=ContentFile(b"%PDF-1.4", name="liste.pdf"),
        file_format="pdf",
        is_public=False,
    )
    add_participant(event, "Anne Présente", "anne@exemple.fr", checked_in_at=timezone.now())
    add_participant(event, "Basile Absent", "basile@exemple.fr")
    add_participant(event, "Chloé Attente", "chloe@exemple.fr", status=RegistrationStatus.WAITING)
    campaign = event_surveys.survey_create(event=event, with_reminder=False)  # ended: invited at once
    campaign.status = CampaignStatus.OPEN
    campaign.save()
    mail.outbox.clear()

    plain = sent(event_thanks_send)
    due = sent(send_due_rounds.apply).get()

    assert plain == 0
    assert not OutgoingEmail.objects.filter(template__endswith="thanks").exists()
    assert due == 1
    assert list(Invitation.objects.filter(campaign=campaign).values_list("email", "name")) == [
        ("anne@exemple.fr", "Anne Présente")
    ]
    [email] = mail.outbox
    assert email.to == ["anne@exemple.fr"]
    assert email.subject == "Merci de votre participation à « Atelier du partenariat »"
    assert "Bonjour Anne Présente," in email.body
    assert "- Diaporama de l'atelier : http" in email.body
    assert "Liste des participants" not in email.body
    link = re.search(r"(http\S+/barometre/r/\S+/)", email.body).group(1)
    assert "Ne plus recevoir de courriels pour ce questionnaire : http" in email.body
    assert email.extra_headers["List-Unsubscribe"].startswith("<http")
    html = email.alternatives[0][0]
    assert "Donner mon avis" in html
    # A second pass sends nothing more.
    assert sent(send_due_rounds.apply).get() == 1  # the round is still due: the pass finds nobody left
    assert len(mail.outbox) == 1
    assert link.startswith("http")


def test_when_nobody_was_checked_in_the_confirmed_registrants_are_invited(db):
    event = past_event()
    add_participant(event, "Anne", "anne@exemple.fr")
    add_participant(event, "Basile", "BASILE@exemple.fr")
    add_participant(event, "Annulée", "annulee@exemple.fr", status=RegistrationStatus.CANCELLED)
    campaign = event_surveys.survey_create(event=event)

    late = add_participant(event, "Chloé", "chloe@exemple.fr", checked_in_at=timezone.now())
    hooks.after_events(timezone.now())

    # Basile is kept once the check-in list is used: an invitation is never taken back.
    assert sorted(Invitation.objects.filter(campaign=campaign).values_list("email", flat=True)) == [
        "anne@exemple.fr",
        "basile@exemple.fr",
        late.email,
    ]


def test_a_survey_still_in_preparation_sends_nothing_until_it_is_opened(db, sent, settings):
    settings.BAROMETER_EMAILS_PER_MINUTE = 0
    event = past_event()
    add_participant(event, "Anne", "anne@exemple.fr", checked_in_at=timezone.now())
    campaign = event_surveys.survey_create(event=event)
    mail.outbox.clear()

    assert sent(send_due_rounds.apply).get() == 0
    event_surveys.survey_set_status(campaign=campaign, status=CampaignStatus.OPEN)
    assert sent(send_due_rounds.apply).get() == 1

    assert [m.to for m in mail.outbox] == [["anne@exemple.fr"]]


def test_answers_results_rate_and_export_per_event(client, staff_client, partner_client, sent, settings):
    settings.BAROMETER_EMAILS_PER_MINUTE = 0
    event = past_event(title="Atelier des binômes")
    add_participant(event, "Anne", "anne@exemple.fr", checked_in_at=timezone.now())
    add_participant(event, "Basile", "basile@exemple.fr", checked_in_at=timezone.now())
    campaign = event_surveys.survey_create(event=event, with_reminder=False)
    event_surveys.survey_set_status(campaign=campaign, status=CampaignStatus.OPEN)
    sent(sending.send_round, round_id=SendingRound.objects.get(campaign=campaign, number=0).pk)
    email = next(m for m in mail.outbox if m.to == ["anne@exemple.fr"])
    link = re.sub(r"^https?://[^/]+", "", re.search(r"(http\S+/barometre/r/\S+/)", email.body).group(1))
    questionnaire = campaign.questionnaires.get()

    start = client.get(link, follow=True)
    assert "Satisfaction — Atelier des binômes" in start.content.decode()
    assert "pour connaître votre avis sur « Atelier des binômes »" in start.content.decode()
    thanks = answer_all(client, questionnaire, ANSWERS)
    assert thanks.status_code == 302

    submitted = Response.objects.get(questionnaire=questionnaire)
    assert submitted.status == ResponseStatus.SUBMITTED
    assert submitted.invitation_id is None  # anonymous
    assert {a.question.code: (a.choices, a.text) for a in submitted.answers.select_related("question")} == {
        "satisfaction_globale": (["peu"], ""),
        "organisation": (["satisfait"], ""),
        "contenus": (["tres"], ""),
        "plus_utile": (["echanges", "documents"], ""),
        "manque": ([], "Plus de temps d'échange"),
        "recommander": (["oui"], ""),
    }
    assert event_surveys.response_rate(campaign) == {"invited": 2, "answered": 1, "rate": 50}

    page = staff_client.get(reverse("barometer:event_survey_results", args=[event.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "1 réponse envoyée" in text
    assert "taux de réponse 50 % (1 sur 2 invitées)" in text
    assert "Dans l&#x27;ensemble, êtes-vous satisfait·e de l&#x27;événement ?" in text
    assert "Chiffres internes, non masqués" in text

    export = staff_client.get(reverse("barometer:event_survey_export", args=[event.pk, "csv"]))
    rows = list(
        csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")), delimiter=";")
    )
    assert export["Content-Disposition"] == f'attachment; filename="satisfaction-{event.slug}-reponses.csv"'
    assert rows[0][:5] == ["réponse", "public", "envoyée le", "satisfaction_globale", rows[0][4]]
    assert len(rows) == 2
    assert rows[1][3:5] == ["peu", "Peu satisfait·e"]
    xlsx = staff_client.get(reverse("barometer:event_survey_export", args=[event.pk, "xlsx"]))
    assert b"".join(xlsx.streaming_content)[:2] == b"PK"

    assert partner_client.get(reverse("barometer:event_survey_results", args=[event.pk])).status_code == 403
    assert client.get(reverse("barometer:event_survey_public", args=[event.slug])).status_code == 404

    event_surveys.survey_set_status(campaign=campaign, status=CampaignStatus.CLOSED)
    event_surveys.survey_set_status(campaign=campaign, status=CampaignStatus.PUBLISHED)
    public = client.get(reverse("barometer:event_survey_public", args=[event.slug]))
    public_text = public.content.decode()
    assert public.status_code == 200
    assert "Moins de 5 réponses au questionnaire de satisfaction." in public_text
    assert "Résultat non affiché : moins de 5 réponses." in public_text
    assert "Plus de temps" not in public_text
    detail = client.get(reverse("events:detail", args=[event.slug])).content.decode()
    assert f'href="{reverse("barometer:event_survey_public", args=[event.slug])}"' in detail
    assert "Ce qu&#x27;en ont pensé les participants" in detail


def test_the_event_pages_show_the_survey_tab_and_editions_ignore_surveys(staff_client):
    event = make_event(days=10)
    event_surveys.survey_create(event=event)

    edit = staff_client.get(reverse("events:staff_edit", args=[event.pk])).content.decode()
    campaigns = staff_client.get(reverse("barometer:staff_campaigns")).content.decode()

    assert f'href="{reverse("barometer:event_survey", args=[event.pk])}"' in edit
    assert "Questionnaire de satisfaction" in edit
    assert "Satisfaction —" not in campaigns


def test_survey_page_counts_queries(staff_client, django_assert_max_num_queries):
    event = past_event()
    for n in range(6):
        add_participant(event, f"P{n}", f"p{n}@exemple.fr", checked_in_at=timezone.now())
    event_surveys.survey_create(event=event)

    with django_assert_max_num_queries(25):
        page = staff_client.get(reverse("barometer:event_survey", args=[event.pk]))

    assert page.status_code == 200
    assert "0 personnes ont répondu sur 6 invitées." in page.content.decode()


def test_survey_answers_are_not_counted_as_barometer_answers(db):
    from barometer import figures
    from barometer.logic import Value
    from barometer.services.answering import ImportedResponse, responses_import

    event = past_event()
    campaign = event_surveys.survey_create(event=event)
    questionnaire = campaign.questionnaires.get()
    overall = questionnaire.questions.get(code="satisfaction_globale")
    before = {f.label: f.value for f in figures.home_figures()}

    responses_import(
        questionnaire=questionnaire,
        entries=[
            ImportedResponse(values={overall.pk: Value(choices=("tres",))}, submitted_on=timezone.localdate())
        ],
    )

    after = {f.label: f.value for f in figures.home_figures()}
    assert after == before
    assert Response.objects.filter(questionnaire=questionnaire).count() == 1


def test_the_thanks_email_is_the_survey_once_per_participant_whatever_the_passes(db, sent, settings):
    settings.BAROMETER_EMAILS_PER_MINUTE = 0
    event = past_event()
    add_participant(event, "Anne", "anne@exemple.fr", checked_in_at=timezone.now())
    campaign = event_surveys.survey_create(event=event, with_reminder=False)
    event_surveys.survey_set_status(campaign=campaign, status=CampaignStatus.OPEN)
    mail.outbox.clear()

    for _ in range(3):
        sent(event_thanks_send)
        sent(send_due_rounds.apply)

    assert [m.subject for m in mail.outbox].count(f"Merci de votre participation à « {event.title} »") == 1
    assert not MeetingParticipant.objects.filter(thanks_sent_at__isnull=False).exists()


def test_the_demo_gives_the_jrps_2023_its_published_questionnaire(db, sent):
    import random
    from datetime import datetime
    from types import SimpleNamespace

    from barometer.demo import _event_survey

    start = timezone.make_aware(datetime(2023, 5, 25, 9))
    event = make_event(
        title="Journée Régionale du Partenariat en Santé 2023 (JRPS 2023)",
        starts_at=start,
        ends_at=start + timedelta(hours=7, minutes=30),
    )
    for n in range(40):
        add_participant(event, f"Participant·e {n}", f"jrps{n}@exemple.fr", checked_in_at=start)
    logged = []
    mail.outbox.clear()

    sent(_event_survey, SimpleNamespace(rng=random.Random(3), log=logged.append))
    sent(_event_survey, SimpleNamespace(rng=random.Random(3), log=logged.append))  # a second run adds nothing

    campaign = Campaign.all_objects.get(event=event)
    assert campaign.status == CampaignStatus.PUBLISHED
    assert event_surveys.response_rate(campaign) == {"invited": 40, "answered": 30, "rate": 75}
    assert (
        Response.objects.filter(questionnaire__campaign=campaign, status=ResponseStatus.SUBMITTED).count()
        == 30
    )
    assert not campaign.rounds.exists()
    assert mail.outbox == []
    assert logged == ["Questionnaire de satisfaction de la JRPS 2023 : 30 réponses sur 40 invitations"]


def test_the_thanks_goes_through_the_smtp_engine_with_its_own_subject_and_links(db, settings):
    from tests.workers import SMTPSink

    settings.BAROMETER_EMAILS_PER_MINUTE = 0
    event = past_event(title="Atelier d'Oc « binômes »")
    add_participant(event, "Anne Présente", "anne@exemple.fr", checked_in_at=timezone.now())
    add_participant(event, "Basile Présent", "basile@exemple.fr", checked_in_at=timezone.now())
    campaign = event_surveys.survey_create(event=event, with_reminder=False)
    event_surveys.survey_set_status(campaign=campaign, status=CampaignStatus.OPEN)

    with SMTPSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        result = sending.send_round(round_id=SendingRound.objects.get(campaign=campaign, number=0).pk)

    assert result.sent == 2
    assert sorted(sink.recipients()) == ["anne@exemple.fr", "basile@exemple.fr"]
    for _tos, message in sink.messages:
        assert (
            message["Subject"].strip() == "Merci de votre participation à « Atelier d'Oc « binômes » »"
        )  # folded
        text = message.get_body(("plain",)).get_content()
        assert "Merci de votre participation à « Atelier d'Oc « binômes » »." in text
        assert re.search(r"/barometre/r/[A-Za-z0-9_-]{32}/", text)
        assert "Ne plus recevoir de courriels pour ce questionnaire" in text
    names = sorted(m.get_body(("plain",)).get_content().splitlines()[0] for _tos, m in sink.messages)
    assert names == ["Bonjour Anne Présente,", "Bonjour Basile Présent,"]


def test_the_builder_pages_edit_the_event_questionnaire_until_it_opens(staff_client):
    event = make_event(days=10, title="Webinaire des aidants")
    campaign = event_surveys.survey_create(event=event)
    questionnaire = campaign.questionnaires.get()
    suggestions = questionnaire.questions.get(code="suggestions")
    urls = [
        reverse("barometer:staff_questionnaire", args=[questionnaire.pk]),
        reverse("barometer:staff_preview", args=[questionnaire.pk]) + "?page=2",
        reverse("barometer:staff_question_add", args=[questionnaire.pk]),
        reverse("barometer:staff_question_edit", args=[suggestions.pk]),
        reverse("barometer:staff_section_edit", args=[suggestions.section_id]),
        reverse("barometer:staff_free_texts", args=[questionnaire.pk]),
    ]

    pages = {url: staff_client.get(url) for url in urls}
    deleted = staff_client.post(
        reverse("barometer:staff_question_edit", args=[suggestions.pk]), {"action": "delete"}
    )
    event_surveys.survey_set_status(campaign=campaign, status=CampaignStatus.OPEN)
    refused = staff_client.post(
        reverse("barometer:staff_question_edit", args=[questionnaire.questions.get(code="manque").pk]),
        {"action": "delete"},
        follow=True,
    )

    assert {url: page.status_code for url, page in pages.items()} == dict.fromkeys(urls, 200)
    assert "Satisfaction — Webinaire des aidants" in pages[urls[0]].content.decode()
    assert deleted.status_code == 302
    assert not questionnaire.questions.filter(code="suggestions").exists()
    assert "ne peuvent plus être modifiés" in refused.content.decode()
    assert questionnaire.questions.filter(code="manque").exists()


def test_a_survey_of_the_same_year_leaves_the_editions_pages_alone(client, staff_client):
    from tests.factories.barometer import CampaignFactory, make_questionnaire

    edition = CampaignFactory(year=2030, status=CampaignStatus.PUBLISHED)
    make_questionnaire(edition)
    start = timezone.make_aware(timezone.datetime(2030, 3, 12, 9))
    event_surveys.survey_create(event=make_event(starts_at=start, ends_at=start + timedelta(hours=3)))

    assert Campaign.all_objects.filter(year=2030).count() == 2
    assert client.get(reverse("barometer:public_results", args=[2030])).status_code == 200
    assert staff_client.get(reverse("barometer:staff_campaign", args=[2030])).status_code == 200
    assert staff_client.get(reverse("barometer:staff_results", args=[2030])).status_code == 200
