import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from barometer.enums import ResponseStatus
from barometer.models import Answer, Contact, Invitation, Response
from tests.barometer.conftest import answer_all
from tests.factories.barometer import (
    PAGE_ANSWERS,
    CampaignFactory,
    make_invitation,
    make_link,
    make_questionnaire,
)


def start(client, questionnaire):
    page = client.get(f"/barometre/q/{questionnaire.public_key}/")
    key = page.context["form"].initial["client_key"]
    return client.post(f"/barometre/q/{questionnaire.public_key}/", {"client_key": key, "consent": "on"})


def test_personal_link_swaps_token_for_session_and_redirects(client, questionnaire):
    invitation = make_invitation(questionnaire)
    token = make_link(invitation)

    response = client.get(f"/barometre/r/{token}/")

    assert response.status_code == 302
    assert response["Location"] == f"/barometre/q/{questionnaire.public_key}/"
    assert token not in response["Location"]
    assert client.session["barometer"][str(questionnaire.pk)] == {
        "invitation": invitation.pk,
        "response": None,
    }
    page = client.get(response["Location"])
    assert token not in page.content.decode()
    assert "Avant de commencer : vos données" in page.content.decode()


@pytest.mark.parametrize("token", ["n-existe-pas-du-tout-1234567890ab", "court", "a" * 200])
def test_personal_link_unknown_token_says_so_in_french(client, questionnaire, token):
    response = client.get(f"/barometre/r/{token}/")

    assert response.status_code == 404
    assert "Ce lien n'est pas valide" in response.content.decode()
    assert "barometer" not in client.session


def test_personal_link_after_close_date_says_campaign_closed(client, db):
    campaign = CampaignFactory(
        opens_on=timezone.localdate() - timedelta(days=60), closes_on=timezone.localdate() - timedelta(days=1)
    )
    questionnaire = make_questionnaire(campaign)
    token = make_link(make_invitation(questionnaire))

    via_token = client.get(f"/barometre/r/{token}/")
    via_public = client.get(f"/barometre/q/{questionnaire.public_key}/")

    assert via_token.status_code == 410
    assert "La campagne est close" in via_token.content.decode()
    assert via_public.status_code == 410
    assert "il n'est plus possible d'y répondre" in via_public.content.decode()


def test_start_requires_consent(client, questionnaire):
    page = client.get(f"/barometre/q/{questionnaire.public_key}/")
    key = page.context["form"].initial["client_key"]

    response = client.post(f"/barometre/q/{questionnaire.public_key}/", {"client_key": key})

    assert response.status_code == 200
    assert "Cochez cette case pour commencer le questionnaire." in response.content.decode()
    assert Response.objects.count() == 0


def test_page_with_missing_required_answer_keeps_what_was_typed(client, questionnaire):
    start(client, questionnaire)

    response = client.post(
        f"/barometre/q/{questionnaire.public_key}/page/1/",
        {"q_profil": "_autre", "q_profil_autre": "Représentante des usagers", "action": "next"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "Cette question est obligatoire : merci d&#x27;y répondre." in body
    assert 'value="Représentante des usagers"' in body
    assert 'value="_autre" checked' in body
    assert "Le formulaire contient une erreur" in body
    assert Answer.objects.count() == 0


def test_page_with_wrong_number_says_so_and_keeps_the_value(client, questionnaire):
    start(client, questionnaire)
    client.post(f"/barometre/q/{questionnaire.public_key}/page/1/", {**PAGE_ANSWERS[1], "action": "next"})

    response = client.post(
        f"/barometre/q/{questionnaire.public_key}/page/2/",
        {"q_nombre": "douze", "q_freins": ["temps"], "q_metier": "Infirmier", "action": "next"},
    )

    body = response.content.decode()
    assert "Saisissez un nombre, par exemple 12 ou 3,5." in body
    assert 'value="douze"' in body
    assert 'value="Infirmier"' in body
    assert list(Answer.objects.values_list("question__code", flat=True).order_by("question__code")) == [
        "engage",
        "niveau",
        "profil",
    ]


def test_page_rejects_a_choice_that_is_not_offered(client, questionnaire):
    start(client, questionnaire)

    response = client.post(
        f"/barometre/q/{questionnaire.public_key}/page/1/",
        {"q_profil": "pirate", "q_engage": "oui", "action": "next"},
    )

    assert "Ce choix ne fait pas partie des réponses proposées." in response.content.decode()
    assert Answer.objects.count() == 0


def test_page_comma_decimal_is_accepted(client, questionnaire):
    start(client, questionnaire)
    client.post(f"/barometre/q/{questionnaire.public_key}/page/1/", {**PAGE_ANSWERS[1], "action": "next"})

    client.post(
        f"/barometre/q/{questionnaire.public_key}/page/2/",
        {"q_nombre": "3,5", "q_freins": ["temps"], "action": "next"},
    )

    assert str(Answer.objects.get(question__code="nombre").number) == "3.50"
    page = client.get(f"/barometre/q/{questionnaire.public_key}/page/2/")
    assert 'value="3,5"' in page.content.decode()


def test_previous_saves_the_page_without_requiring_answers(client, questionnaire):
    start(client, questionnaire)
    client.post(f"/barometre/q/{questionnaire.public_key}/page/1/", {**PAGE_ANSWERS[1], "action": "next"})

    response = client.post(
        f"/barometre/q/{questionnaire.public_key}/page/2/", {"q_metier": "Kiné", "action": "previous"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/barometre/q/{questionnaire.public_key}/page/1/"
    assert Answer.objects.get(question__code="metier").text == "Kiné"


def test_autosave_saves_and_says_saved(client, questionnaire):
    start(client, questionnaire)

    response = client.post(
        f"/barometre/q/{questionnaire.public_key}/page/1/enregistrer/",
        {"q_profil": "proche"},
        HTTP_HX_REQUEST="true",
    )

    assert "Enregistré à" in response.content.decode()
    assert Answer.objects.get(question__code="profil").choices == ["proche"]


def test_autosave_with_invalid_value_saves_nothing(client, questionnaire):
    start(client, questionnaire)
    client.post(f"/barometre/q/{questionnaire.public_key}/page/1/", {**PAGE_ANSWERS[1], "action": "next"})

    response = client.post(
        f"/barometre/q/{questionnaire.public_key}/page/2/enregistrer/", {"q_nombre": "-5", "q_metier": "Kiné"}
    )

    assert "Non enregistré" in response.content.decode()
    assert not Answer.objects.filter(question__code="metier").exists()


def test_conditional_question_hidden_by_a_later_change_is_dropped(client, questionnaire):
    start(client, questionnaire)
    key = questionnaire.public_key
    client.post(f"/barometre/q/{key}/page/1/", {**PAGE_ANSWERS[1], "action": "next"})
    client.post(f"/barometre/q/{key}/page/2/", {**PAGE_ANSWERS[2], "action": "next"})

    client.post(f"/barometre/q/{key}/page/1/", {**PAGE_ANSWERS[1], "q_engage": "non", "action": "next"})
    page2 = client.get(f"/barometre/q/{key}/page/2/")
    client.post(f"/barometre/q/{key}/page/3/", {"action": "next"})
    client.post(f"/barometre/q/{key}/envoyer/")

    assert "Depuis quand ?" not in page2.content.decode()
    response = Response.objects.get()
    assert response.status == ResponseStatus.SUBMITTED
    assert not response.answers.filter(question__code="depuis").exists()


def test_required_conditional_question_is_enforced_only_when_shown(client, questionnaire):
    start(client, questionnaire)
    key = questionnaire.public_key
    client.post(f"/barometre/q/{key}/page/1/", {**PAGE_ANSWERS[1], "action": "next"})
    client.post(f"/barometre/q/{key}/page/2/", {**PAGE_ANSWERS[2], "action": "next"})

    shown = client.post(f"/barometre/q/{key}/page/3/", {"q_suite": ["rejoindre_dynamique"], "action": "next"})
    not_shown = client.post(f"/barometre/q/{key}/page/3/", {"q_commentaire": "Rien", "action": "next"})

    assert "Cette question est obligatoire" in shown.content.decode()
    assert not_shown.status_code == 302
    assert not_shown["Location"] == f"/barometre/q/{key}/envoyer/"


def test_submit_with_a_missing_page_sends_back_to_it(client, questionnaire):
    start(client, questionnaire)
    key = questionnaire.public_key
    client.post(f"/barometre/q/{key}/page/1/", {**PAGE_ANSWERS[1], "action": "next"})

    response = client.post(f"/barometre/q/{key}/envoyer/", follow=True)

    assert response.redirect_chain[-1][0] == f"/barometre/q/{key}/page/2/"
    assert "Il manque des réponses obligatoires : Quels freins ?" in response.content.decode()
    assert Response.objects.get().status == ResponseStatus.DRAFT


def test_submit_in_anonymous_campaign_cuts_every_link_to_the_invitation(client, questionnaire):
    invitation = make_invitation(questionnaire, email="anonyme@exemple.fr")
    client.get(f"/barometre/r/{make_link(invitation)}/")

    answer_all(client, questionnaire, PAGE_ANSWERS)

    response = Response.objects.get()
    invitation.refresh_from_db()
    assert response.status == ResponseStatus.SUBMITTED
    assert response.submitted_on == timezone.localdate()
    assert response.invitation_id is None
    assert response.resume_key_hash is None
    assert invitation.has_responded is True
    assert not response.answers.filter(question__code="contact_email").exists()
    assert "moi@exemple.fr" not in str(list(response.answers.values_list("text", flat=True)))
    contact = Contact.objects.get()
    assert (contact.email, contact.public, contact.wants_report, contact.wants_to_join) == (
        "moi@exemple.fr",
        "patients",
        True,
        False,
    )
    assert "barometer" in client.session
    assert client.session["barometer"][str(questionnaire.pk)] == {"submitted": True}


def test_submit_in_named_campaign_keeps_the_invitation(client, db):
    campaign = CampaignFactory(anonymous=False)
    questionnaire = make_questionnaire(campaign)
    invitation = make_invitation(questionnaire, email="nomme@exemple.fr")
    client.get(f"/barometre/r/{make_link(invitation)}/")
    pages = {**PAGE_ANSWERS, 3: {"q_suite": ["recevoir_rapport"], "q_contact_email": "nomme@exemple.fr"}}

    answer_all(client, questionnaire, pages)

    response = Response.objects.get()
    assert response.invitation_id == invitation.pk
    assert response.answers.get(question__code="contact_email").text == "nomme@exemple.fr"
    assert Contact.objects.get().email == "nomme@exemple.fr"


def test_invited_person_answering_through_the_public_link_gets_no_more_reminders(client, questionnaire):
    invited = make_invitation(questionnaire, email="Double@Exemple.fr")
    other = make_invitation(questionnaire, email="autre@exemple.fr")
    pages = {**PAGE_ANSWERS, 3: {"q_suite": ["recevoir_rapport"], "q_contact_email": "double@exemple.fr"}}

    answer_all(client, questionnaire, pages)

    response = Response.objects.get()
    invited.refresh_from_db()
    other.refresh_from_db()
    assert response.status == ResponseStatus.SUBMITTED
    assert response.invitation_id is None
    assert (invited.has_responded, other.has_responded) == (True, False)
    assert not response.answers.filter(question__code="contact_email").exists()


def test_personal_link_after_submission_says_already_answered(client, questionnaire):
    invitation = make_invitation(questionnaire)
    token = make_link(invitation)
    client.get(f"/barometre/r/{token}/")
    answer_all(client, questionnaire, PAGE_ANSWERS)

    again = Client().get(f"/barometre/r/{token}/")

    assert "Vous avez déjà répondu à ce questionnaire" in again.content.decode()


def test_submit_twice_makes_one_response(client, questionnaire):
    answer_all(client, questionnaire, PAGE_ANSWERS)

    second = client.post(f"/barometre/q/{questionnaire.public_key}/envoyer/")

    assert second.status_code == 302
    assert Response.objects.filter(status=ResponseStatus.SUBMITTED).count() == 1
    assert Response.objects.count() == 1


def test_personal_link_resumes_the_draft_in_another_browser(client, questionnaire):
    invitation = make_invitation(questionnaire)
    token = make_link(invitation)
    client.get(f"/barometre/r/{token}/")
    start(client, questionnaire)
    client.post(f"/barometre/q/{questionnaire.public_key}/page/1/", {**PAGE_ANSWERS[1], "action": "next"})

    other_browser = Client()
    other_browser.get(f"/barometre/r/{token}/")
    landing = other_browser.get(f"/barometre/q/{questionnaire.public_key}/")
    page1 = other_browser.get(f"/barometre/q/{questionnaire.public_key}/page/1/")

    assert "Reprendre mes réponses" in landing.content.decode()
    assert 'value="patient" checked' in page1.content.decode()
    assert Response.objects.count() == 1


def test_public_link_gives_a_resume_link_that_works_elsewhere(client, questionnaire):
    start(client, questionnaire)
    client.post(f"/barometre/q/{questionnaire.public_key}/page/1/", {**PAGE_ANSWERS[1], "action": "next"})
    later = client.post(
        f"/barometre/q/{questionnaire.public_key}/page/2/", {"q_metier": "Kiné", "action": "later"}
    )
    resume_url = later.context["resume_url"]

    other_browser = Client()
    redirect = other_browser.get(resume_url.replace("http://testserver", ""))
    page2 = other_browser.get(f"/barometre/q/{questionnaire.public_key}/page/2/")

    assert "Vos réponses sont enregistrées" in later.content.decode()
    assert redirect["Location"] == f"/barometre/q/{questionnaire.public_key}/"
    assert 'value="Kiné"' in page2.content.decode()


def test_pages_need_consent_first(client, questionnaire):
    response = client.get(f"/barometre/q/{questionnaire.public_key}/page/1/")

    assert response.status_code == 302
    assert response["Location"] == f"/barometre/q/{questionnaire.public_key}/"


def test_survey_page_is_accessible_markup(client, questionnaire):
    start(client, questionnaire)

    body = client.get(f"/barometre/q/{questionnaire.public_key}/page/2/").content.decode()

    assert "Page 2 sur 3" in body
    assert '<progress max="3" value="2"' in body
    assert '<legend>Quels freins ? <span class="survey-required">(obligatoire)</span></legend>' in body
    assert '<label class="survey-label" for="id_q_nombre">Combien de projets ?</label>' in body
    assert 'style="' not in body
    assert "<script>" not in body


# --- Concurrency ------------------------------------------------------------------------------------


def _in_threads(count, target):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results, errors


def _answered_up_to_the_review() -> tuple:
    """An invited person who answered every page, at the review step: (questionnaire, their client)."""
    questionnaire = make_questionnaire(CampaignFactory())
    client = Client()
    client.get(f"/barometre/r/{make_link(make_invitation(questionnaire))}/")
    start(client, questionnaire)
    for number, data in PAGE_ANSWERS.items():
        client.post(f"/barometre/q/{questionnaire.public_key}/page/{number}/", {**data, "action": "next"})
    return questionnaire, client


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_submits_make_one_response():
    questionnaire, client = _answered_up_to_the_review()
    cookie = client.cookies["sessionid"].value

    def submit():
        thread_client = Client()
        thread_client.cookies["sessionid"] = cookie
        return thread_client.post(f"/barometre/q/{questionnaire.public_key}/envoyer/").status_code

    results, errors = _in_threads(20, submit)

    assert errors == []
    assert results == [302] * 20
    assert Response.objects.count() == 1
    response = Response.objects.get()
    assert response.status == ResponseStatus.SUBMITTED
    assert response.answers.count() == 9  # every answer but the address, kept apart
    assert Contact.objects.count() == 1
    assert Invitation.objects.get().has_responded is True


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_starts_with_one_form_key_make_one_draft():
    campaign = CampaignFactory()
    questionnaire = make_questionnaire(campaign)
    key = uuid.uuid4()

    def post():
        return (
            Client()
            .post(f"/barometre/q/{questionnaire.public_key}/", {"client_key": key, "consent": "on"})
            .status_code
        )

    results, errors = _in_threads(20, post)

    assert errors == []
    assert results == [302] * 20
    assert Response.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_submits_all_end_on_the_thank_you_page():
    questionnaire, client = _answered_up_to_the_review()
    cookie = client.cookies["sessionid"].value

    def submit():
        thread_client = Client()
        thread_client.cookies["sessionid"] = cookie
        page = thread_client.post(f"/barometre/q/{questionnaire.public_key}/envoyer/", follow=True)
        return page.redirect_chain[-1][0], "Merci, vos réponses sont envoyées." in page.content.decode()

    results, errors = _in_threads(20, submit)
    again = client.post(f"/barometre/q/{questionnaire.public_key}/envoyer/", follow=True)

    assert errors == []
    assert results == [(f"/barometre/q/{questionnaire.public_key}/merci/", True)] * 20
    assert again.redirect_chain[-1][0] == f"/barometre/q/{questionnaire.public_key}/merci/"
    assert Response.objects.count() == 1
    assert Response.objects.get().status == ResponseStatus.SUBMITTED
