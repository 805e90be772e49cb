from datetime import date

import pytest
from django.core.exceptions import ValidationError

from barometer.enums import CampaignStatus, Public
from barometer.models import Campaign, Choice, Question
from barometer.reference import load_first_edition
from barometer.services import campaigns as services
from tests.factories.barometer import CampaignFactory, make_questionnaire


def test_first_edition_ships_five_questionnaires_from_the_domain(db):
    campaign = load_first_edition()

    assert campaign.year == 2023
    assert campaign.status == CampaignStatus.CLOSED
    assert sorted(campaign.questionnaires.values_list("public", flat=True)) == sorted(Public.values)
    patients = campaign.questionnaires.get(public=Public.PATIENTS)
    codes = set(patients.questions.values_list("code", flat=True))
    assert {
        "engagement_niveau",
        "pratiques_actuelles",
        "projets_a_venir",
        "experience_description",
        "freins",
        "leviers",
        "impact_qualite",
        "besoins",
        "suite",
        "contact_email",
    } <= codes
    freins = patients.questions.get(code="freins")
    assert freins.allow_other is True
    assert "Les limites du bénévolat" in list(freins.choices.values_list("label", flat=True))
    email = patients.questions.get(code="contact_email")
    assert (email.show_if_question.code, email.show_if_values) == (
        "suite",
        ["recevoir_rapport", "rejoindre_dynamique"],
    )
    assert list(campaign.rounds.values_list("number", flat=True)) == [0, 1, 2, 3]


def test_new_edition_copies_questionnaires_and_keeps_codes(db):
    source = load_first_edition()

    copy = services.campaign_copy(
        source=source,
        year=2026,
        title="Baromètre 2026",
        opens_on=date(2026, 1, 15),
        closes_on=date(2026, 3, 15),
    )

    assert copy.copied_from == source
    assert copy.status == CampaignStatus.DRAFT
    for public in Public.values:
        old = source.questionnaires.get(public=public)
        new = copy.questionnaires.get(public=public)
        assert new.public_key != old.public_key
        assert list(
            new.questions.order_by("section__position", "position").values_list("code", "type", "label")
        ) == list(
            old.questions.order_by("section__position", "position").values_list("code", "type", "label")
        )
        assert new.sections.count() == old.sections.count()
    email = copy.questionnaires.get(public="patients").questions.get(code="contact_email")
    assert email.show_if_question.questionnaire.campaign == copy
    assert email.show_if_question.code == "suite"
    assert (
        Choice.objects.filter(question__questionnaire__campaign=copy).count()
        == Choice.objects.filter(question__questionnaire__campaign=source).count()
    )
    shifted = [r.scheduled_at.date() for r in copy.rounds.all()]
    assert shifted[0] == date(2026, 1, 15)


def test_staff_creates_a_new_edition_as_a_copy(staff_client, db):
    source = load_first_edition()

    response = staff_client.post(
        "/barometre/equipe/",
        {
            "source": source.pk,
            "year": 2026,
            "title": "Baromètre 2026",
            "opens_on": "2026-01-12",
            "closes_on": "2026-03-20",
            "anonymous": "on",
        },
    )

    campaign = Campaign.objects.get(year=2026)
    assert response["Location"] == "/barometre/equipe/2026/"
    assert campaign.questionnaires.count() == 5
    assert campaign.anonymous is True


@pytest.mark.parametrize("who", ["partner_client", "client"])
def test_builder_is_for_staff_only(request, who, db):
    client = request.getfixturevalue(who)
    questionnaire = make_questionnaire(CampaignFactory(status=CampaignStatus.DRAFT))

    response = client.get(f"/barometre/equipe/questionnaires/{questionnaire.pk}/")

    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith("/compte/")


def test_staff_adds_a_question_with_choices_other_and_condition(staff_client, db):
    questionnaire = make_questionnaire(CampaignFactory(status=CampaignStatus.DRAFT))
    section = questionnaire.sections.get(position=1)
    engage = questionnaire.questions.get(code="engage")

    response = staff_client.post(
        f"/barometre/equipe/questionnaires/{questionnaire.pk}/questions/ajouter/",
        {
            "section": section.pk,
            "code": "freq",
            "type": "single",
            "label": "À quelle fréquence ?",
            "help_text": "Une seule réponse.",
            "required": "on",
            "allow_other": "on",
            "choices": "Chaque semaine\nmensuel | Chaque mois",
            "show_if_question": engage.pk,
            "show_if_values": "oui",
        },
    )

    assert response.status_code == 302
    question = Question.objects.get(code="freq")
    assert (question.section, question.required, question.allow_other, question.help_text) == (
        section,
        True,
        True,
        "Une seule réponse.",
    )
    assert list(question.choices.values_list("value", "label")) == [
        ("chaque_semaine", "Chaque semaine"),
        ("mensuel", "Chaque mois"),
    ]
    assert (question.show_if_question, question.show_if_values) == (engage, ["oui"])


def test_builder_explains_bad_input_in_french(staff_client, db):
    questionnaire = make_questionnaire(CampaignFactory(status=CampaignStatus.DRAFT))
    engage = questionnaire.questions.get(code="engage")

    response = staff_client.post(
        f"/barometre/equipe/questionnaires/{questionnaire.pk}/questions/ajouter/",
        {
            "section": questionnaire.sections.first().pk,
            "code": "profil",
            "type": "single",
            "label": "Doublon",
            "choices": "Un seul",
            "show_if_question": engage.pk,
            "show_if_values": "peut-etre",
        },
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "Indiquez au moins deux choix, un par ligne." in body
    assert "Valeurs inconnues pour cette question : peut-etre (valeurs possibles : non, oui)." in body
    assert 'value="Doublon"' not in body or "Doublon" in body
    assert Question.objects.filter(label="Doublon").count() == 0


def test_builder_refuses_a_code_already_used(staff_client, db):
    questionnaire = make_questionnaire(CampaignFactory(status=CampaignStatus.DRAFT))

    response = staff_client.post(
        f"/barometre/equipe/questionnaires/{questionnaire.pk}/questions/ajouter/",
        {
            "section": questionnaire.sections.first().pk,
            "code": "profil",
            "type": "short_text",
            "label": "Autre profil",
        },
    )

    assert response.status_code == 400
    assert "Ce code est déjà utilisé dans ce questionnaire." in response.content.decode()
    assert "Autre profil" in response.content.decode()


def test_anonymity_of_an_open_campaign_cannot_change_and_the_form_says_so_on_that_field(staff_client, db):
    campaign = CampaignFactory(year=2026, status=CampaignStatus.OPEN, anonymous=True, intro="")
    dates = (campaign.opens_on, campaign.closes_on)

    response = staff_client.post(
        "/barometre/equipe/2026/modifier/",
        {"title": "Baromètre 2026", "intro": "", "opens_on": "2026-03-01", "closes_on": "2026-04-30"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "anonymous": ["L'anonymat ne peut plus être modifié une fois la campagne ouverte."]
    }
    campaign.refresh_from_db()
    assert (campaign.anonymous, campaign.opens_on, campaign.closes_on) == (True, *dates)  # nothing saved


def test_staff_reorders_questions(staff_client, db):
    questionnaire = make_questionnaire(CampaignFactory(status=CampaignStatus.DRAFT))
    niveau = questionnaire.questions.get(code="niveau")

    staff_client.post(f"/barometre/equipe/questions/{niveau.pk}/", {"action": "up"})

    first_page = questionnaire.sections.get(position=0)
    assert list(first_page.questions.order_by("position").values_list("code", flat=True)) == [
        "profil",
        "niveau",
        "engage",
    ]


def test_open_campaign_questions_cannot_change(db):
    questionnaire = make_questionnaire(CampaignFactory(status=CampaignStatus.OPEN))
    question = questionnaire.questions.get(code="profil")

    with pytest.raises(ValidationError, match="ne peuvent plus être modifiés"):
        services.question_delete(question=question)

    assert Question.objects.filter(pk=question.pk).exists()


def test_campaign_status_follows_its_workflow(db):
    campaign = CampaignFactory(status=CampaignStatus.DRAFT)
    make_questionnaire(campaign)

    with pytest.raises(ValidationError, match="ne peut pas passer"):
        services.campaign_set_status(campaign=campaign, status=CampaignStatus.PUBLISHED)
    services.campaign_set_status(campaign=campaign, status=CampaignStatus.OPEN)
    services.campaign_set_status(campaign=campaign, status=CampaignStatus.CLOSED)
    published = services.campaign_set_status(campaign=campaign, status=CampaignStatus.PUBLISHED)

    assert published.status == CampaignStatus.PUBLISHED
    assert published.published_at is not None


def test_staff_preview_shows_every_page_without_saving(staff_client, db):
    questionnaire = make_questionnaire(CampaignFactory(status=CampaignStatus.DRAFT))

    response = staff_client.get(f"/barometre/equipe/questionnaires/{questionnaire.pk}/apercu/?page=2")

    body = response.content.decode()
    assert "Aperçu : les réponses ne sont pas enregistrées." in body
    assert "Page 2 sur 3" in body
    assert "Depuis quand ?" in body
    assert "Question pour celles et ceux qui ont répondu « Oui » à « Êtes-vous engagé(e) ? »." in body


def test_rounds_form_rejects_reminders_out_of_order(staff_client, db):
    campaign = CampaignFactory(year=2027)

    response = staff_client.post(
        "/barometre/equipe/2027/envois/",
        {"round_0": "2027-02-01T09:00", "round_1": "2027-01-15T09:00"},
        follow=True,
    )

    assert "Chaque relance doit être postérieure à l&#x27;envoi précédent." in response.content.decode()
    assert campaign.rounds.count() == 0


def test_staff_schedules_invitation_and_three_reminders(staff_client, db):
    campaign = CampaignFactory(year=2027)

    staff_client.post(
        "/barometre/equipe/2027/envois/",
        {
            "round_0": "2027-01-10T09:00",
            "round_1": "2027-01-20T09:00",
            "round_2": "2027-02-01T09:00",
            "round_3": "2027-02-15T09:00",
        },
    )

    assert [(r.number, r.scheduled_at.isoformat()) for r in campaign.rounds.all()] == [
        (0, "2027-01-10T08:00:00+00:00"),
        (1, "2027-01-20T08:00:00+00:00"),
        (2, "2027-02-01T08:00:00+00:00"),
        (3, "2027-02-15T08:00:00+00:00"),
    ]
