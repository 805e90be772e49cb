"""Issue 17, sending transparency: why a round reaches nobody, failed emails sent again, an
« uncertain » email resent one by one after a confirmation, and the staff home's alert."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format

from barometer import figures
from barometer.enums import DeliveryStatus
from barometer.models import Delivery, SendingRound
from barometer.services import sending
from barometer.tasks import send_round
from tests.factories.barometer import make_invitation


def _round(campaign, number: int, days_ago: float) -> SendingRound:
    return SendingRound.objects.create(
        campaign=campaign, number=number, scheduled_at=timezone.now() - timedelta(days=days_ago)
    )


def _reason_rows(html: str) -> list[str]:
    rows = re.findall(r'<tr class="baro-round-reason"><td[^>]*>(.*?)</td></tr>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).replace("&#x27;", "'").split()) for row in rows]


@pytest.fixture
def queued(monkeypatch):
    """The round tasks queued after commit (the broker is not needed to see them)."""
    calls: list[dict] = []
    monkeypatch.setattr(send_round, "enqueue", lambda **kwargs: calls.append(kwargs))
    return calls


def test_a_reminder_dated_before_the_invitation_left_says_why_it_reaches_nobody(staff_client, questionnaire):
    campaign = questionnaire.campaign
    people = [make_invitation(questionnaire, email=f"p{i}@exemple.fr") for i in range(3)]
    _round(campaign, 0, days_ago=5)
    _round(campaign, 1, days_ago=2)
    sent_at = timezone.localtime() - timedelta(days=1)
    # The invitation went out late (the worker was down): after the reminder's date.
    for person in people[:2]:
        Delivery.objects.create(invitation=person, round=0, status=DeliveryStatus.SENT, sent_at=sent_at)
    people[2].has_responded = True
    people[2].save()

    html = staff_client.get(f"/barometre/equipe/{campaign.year}/").content.decode()

    when = date_format(sent_at, "j F Y à H:i")  # e.g. « 12 mars 2026 à 09:30 »
    assert _reason_rows(html) == [
        "Invitation : Envoi terminé : 1 personne a déjà répondu ; 2 l'ont déjà reçu.",
        "Relance 1 : Personne ne peut recevoir cet envoi : 1 personne a déjà répondu ; "
        f"2 n'ont pas reçu l'invitation avant cette relance : l'invitation est partie le {when}, "
        "après la date de cette relance.",
    ]


def test_a_round_with_no_invitation_imported_says_so(staff_client, questionnaire):
    _round(questionnaire.campaign, 0, days_ago=1)

    html = staff_client.get(f"/barometre/equipe/{questionnaire.campaign.year}/").content.decode()

    assert _reason_rows(html) == [
        "Invitation : Aucune invitation importée : importez d'abord la liste des personnes à inviter."
    ]


def test_everyone_answered_or_unsubscribed(staff_client, questionnaire):
    answered = make_invitation(questionnaire, email="a@exemple.fr")
    gone = make_invitation(questionnaire, email="b@exemple.fr")
    answered.has_responded = True
    answered.save()
    gone.unsubscribed_at = timezone.now()
    gone.save()
    _round(questionnaire.campaign, 0, days_ago=1)

    html = staff_client.get(f"/barometre/equipe/{questionnaire.campaign.year}/").content.decode()

    assert _reason_rows(html) == [
        "Invitation : Personne ne peut recevoir cet envoi : 1 personne a déjà répondu ; 1 s'est désinscrite."
    ]


def test_failed_emails_go_back_to_claimed_and_the_round_sends_them(
    staff_client, questionnaire, queued, django_capture_on_commit_callbacks
):
    sending_round = _round(questionnaire.campaign, 0, days_ago=1)
    failed = Delivery.objects.create(
        invitation=make_invitation(questionnaire, email="echec@exemple.fr"),
        round=0,
        status=DeliveryStatus.FAILED,
        attempts=5,
        error="Serveur de messagerie injoignable après plusieurs essais.",
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/barometre/equipe/{questionnaire.campaign.year}/envois/retenter/")
    failed.refresh_from_db()
    claimed = (failed.status, failed.attempts, failed.error)
    result = sending.send_round(round_id=sending_round.pk)  # what the queued task runs
    failed.refresh_from_db()

    assert response.status_code == 302
    assert claimed == (DeliveryStatus.CLAIMED, 0, "")
    assert queued == [{"round_id": sending_round.pk}]
    assert (result.sent, failed.status, [m.to for m in mail.outbox]) == (
        1,
        DeliveryStatus.SENT,
        [["echec@exemple.fr"]],
    )
    assert Delivery.objects.count() == 1  # the same claim row: never a second one


def test_an_uncertain_email_is_resent_only_after_the_confirmation(
    staff_client, questionnaire, queued, django_capture_on_commit_callbacks
):
    sending_round = _round(questionnaire.campaign, 0, days_ago=1)
    uncertain = Delivery.objects.create(
        invitation=make_invitation(questionnaire, email="doute@exemple.fr"),
        round=0,
        status=DeliveryStatus.UNCERTAIN,
        sent_at=timezone.now(),
    )
    url = f"/barometre/equipe/{questionnaire.campaign.year}/envois/{uncertain.pk}/renvoyer/"

    page = staff_client.get(url)
    refused = staff_client.post(url, {})
    uncertain.refresh_from_db()
    still = uncertain.status
    with django_capture_on_commit_callbacks(execute=True):
        accepted = staff_client.post(url, {"confirm": "on"})
    sending.send_round(round_id=sending_round.pk)
    uncertain.refresh_from_db()

    assert "le destinataire a peut-être déjà reçu ce courriel" in page.content.decode()
    assert refused.status_code == 400
    assert "Confirmez que vous avez bien compris" in refused.content.decode()
    assert still == DeliveryStatus.UNCERTAIN
    assert accepted.status_code == 302
    assert queued == [{"round_id": sending_round.pk}]
    assert (uncertain.status, [m.to for m in mail.outbox]) == (DeliveryStatus.SENT, [["doute@exemple.fr"]])
    # Resent once: the page no longer offers it.
    assert staff_client.get(url).status_code == 404


def test_uncertain_email_of_someone_who_answered_since_is_not_resent(staff_client, questionnaire, queued):
    _round(questionnaire.campaign, 0, days_ago=1)
    invitation = make_invitation(questionnaire, email="repondu@exemple.fr")
    uncertain = Delivery.objects.create(
        invitation=invitation, round=0, status=DeliveryStatus.UNCERTAIN, sent_at=timezone.now()
    )
    invitation.has_responded = True
    invitation.save()

    response = staff_client.post(
        f"/barometre/equipe/{questionnaire.campaign.year}/envois/{uncertain.pk}/renvoyer/", {"confirm": "on"}
    )
    uncertain.refresh_from_db()

    assert response.status_code == 400
    assert "a répondu ou s&#x27;est désinscrite depuis" in response.content.decode()
    assert (uncertain.status, queued) == (DeliveryStatus.UNCERTAIN, [])


def test_campaign_page_lists_uncertain_emails_with_a_resend_link(staff_client, questionnaire):
    uncertain = Delivery.objects.create(
        invitation=make_invitation(questionnaire, email="doute@exemple.fr"),
        round=0,
        status=DeliveryStatus.UNCERTAIN,
        sent_at=timezone.now(),
    )

    html = staff_client.get(f"/barometre/equipe/{questionnaire.campaign.year}/").content.decode()

    assert "1 envoi incertain" in html
    assert f'href="/barometre/equipe/{questionnaire.campaign.year}/envois/{uncertain.pk}/renvoyer/"' in html


def test_staff_home_counts_uncertain_emails_with_the_oldest(staff_user, questionnaire):
    for days, email in ((4, "a@exemple.fr"), (1, "b@exemple.fr")):
        Delivery.objects.create(
            invitation=make_invitation(questionnaire, email=email),
            round=0,
            status=DeliveryStatus.UNCERTAIN,
            sent_at=timezone.now() - timedelta(days=days),
        )

    item = next(
        i for i in figures.staff_work(staff_user) if i.label == "Envois du baromètre incertains, à vérifier"
    )

    assert (item.count, item.oldest_days, item.oldest_name, item.oldest_url) == (
        2,
        4,
        f"{questionnaire.campaign.title} · Invitation",
        f"/barometre/equipe/{questionnaire.campaign.year}/#incertains",
    )


def test_nothing_is_put_back_for_a_closed_campaign(staff_client, questionnaire, queued):
    campaign = questionnaire.campaign
    _round(campaign, 0, days_ago=1)
    failed = Delivery.objects.create(
        invitation=make_invitation(questionnaire, email="echec@exemple.fr"),
        round=0,
        status=DeliveryStatus.FAILED,
    )
    campaign.status = "closed"
    campaign.save()

    response = staff_client.post(f"/barometre/equipe/{campaign.year}/envois/retenter/", follow=True)
    failed.refresh_from_db()

    assert "La campagne n&#x27;est pas ouverte aux réponses : aucun courriel ne peut partir." in (
        response.content.decode()
    )
    assert (failed.status, queued) == (DeliveryStatus.FAILED, [])
