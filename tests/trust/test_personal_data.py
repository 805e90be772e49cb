"""RGPD: a person downloads everything the platform holds about them, and deletes their account.

The leak tests seed another person's data first (same campaign, session, meeting, accompaniment),
then check none of it reaches the export, and that the deletion leaves it untouched.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.test.utils import isolate_apps
from django.urls import reverse
from django.utils import timezone

from accompaniment.enums import EvaluationKind
from accompaniment.enums import Side as AccompanimentSide
from accompaniment.models import Evaluation, EvaluationInvitation, EvaluationLink
from accompaniment.models import Participant as AccompanimentParticipant
from accompaniment.services.accompaniments import participant_add as accompaniment_participant_add
from actors.charter_enums import Attendance, CommitteeKind
from actors.enums import ActorKind, ContactPolicy, MembershipStatus, Role
from actors.models import (
    Committee,
    Mandate,
    MeetingParticipant,
    Membership,
    NewsletterSubscription,
    NewsletterTopic,
    Person,
    RenewalInvitation,
    Signature,
    User,
)
from actors.models.charter import ANONYMISED_SIGNER_NAME
from actors.selectors.charter import signatory_list, signatory_statistics
from actors.services.committees import meeting_participant_add
from barometer.enums import ResponseStatus
from barometer.logic import Value
from barometer.models import Answer, Contact, Delivery, Invitation, Response
from barometer.services.answering import response_save_page, response_start, response_submit
from cops.models import OutgoingEmail
from cops.personal_data import (
    ANONYMISED_PARTICIPANT_NAME,
    NOT_EXPORTED,
    SECTIONS,
    account_delete,
    personal_data_export,
)
from cops.tokens import hash_token
from directory.models import ContactMessage, ContactPurpose, Entry
from directory.services.contact import contact_message_reply, contact_message_send, contact_preferences_save
from directory.services.profiles import person_delete
from selfassess.models import Participant as SelfassessParticipant
from selfassess.models import Rating
from selfassess.services import participant_invite, rating_save
from tests.factories.accompaniment import make_accompaniment
from tests.factories.actors import PASSWORD, UserFactory
from tests.factories.barometer import CampaignFactory, make_invitation, make_link, make_questionnaire
from tests.factories.charter import CharterVersionFactory, make_meeting, sign
from tests.factories.directory import make_person, make_structure
from tests.factories.selfassess import AssessmentSessionFactory

# --- The introspection: every reference to a person is decided -----------------------------------------


def label_of(model) -> str:
    # A model of an isolated registry (the test below) refers to ours by "app.Model" string.
    return model if isinstance(model, str) else model._meta.label


def person_references(model) -> set[str]:
    """Fields of `model` that may hold an account, a profile or an email address."""
    found = set()
    for field in model._meta.get_fields():
        if field.auto_created and not field.concrete:
            continue  # reverse relations: decided on the model that declares them
        if field.is_relation and label_of(field.related_model) in ("actors.User", "actors.Person"):
            found.add(field.name)
        elif isinstance(field, models.EmailField):
            found.add(field.name)
        elif isinstance(field, ArrayField) and isinstance(field.base_field, models.EmailField):
            found.add(field.name)
        elif isinstance(field, models.CharField) and field.name == "username":
            found.add(field.name)  # django-axes keeps the address typed at sign-in here
    return found


def undecided_references(model_list) -> list[str]:
    covered = {(section.label, name) for section in SECTIONS for name in section.matched_fields}
    return sorted(
        f"{model._meta.label}.{name}"
        for model in model_list
        for name in person_references(model)
        if (model._meta.label, name) not in covered and (model._meta.label, name) not in NOT_EXPORTED
    )


def test_every_reference_to_a_person_is_exported_or_explicitly_excluded():
    all_models = apps.get_models()

    undecided = undecided_references(all_models)

    assert undecided == []
    # The walk does see the references (a broken walk would find nothing and pass).
    references = {f"{m._meta.label}.{name}" for m in all_models for name in person_references(m)}
    assert {
        "actors.Signature.person",
        "admin.LogEntry.user",
        "barometer.Invitation.email",
        "cops.OutgoingEmail.to",
        "axes.AccessAttempt.username",
        "selfassess.AssessmentSession.facilitator",
    } <= references


@isolate_apps("cops")
def test_a_new_model_referring_to_an_account_without_a_decision_is_reported():
    class Bookmark(models.Model):
        owner = models.ForeignKey("actors.User", on_delete=models.CASCADE)
        profile = models.ForeignKey("actors.Person", on_delete=models.CASCADE)
        notify = models.EmailField()

        class Meta:
            app_label = "cops"

        def __str__(self) -> str:
            return self.notify

    undecided = undecided_references([Bookmark])

    assert undecided == ["cops.Bookmark.notify", "cops.Bookmark.owner", "cops.Bookmark.profile"]


def test_sections_and_exclusions_name_existing_fields():
    named = [(section.label, name) for section in SECTIONS for name in section.matched_fields]
    named += list(NOT_EXPORTED)

    missing = []
    for label, name in named:
        try:
            apps.get_model(label)._meta.get_field(name)
        except LookupError:
            missing.append(f"{label}.{name}")

    assert missing == []
    for section in SECTIONS:
        for name in section.fields:
            section.model._meta.get_field(name)  # raises on a field that does not exist


# --- A person with something in every corner of the platform ------------------------------------------


@dataclass
class World:
    person: Person
    other_person: Person
    structure: object
    version: object
    signature: Signature
    mandate: Mandate
    meeting_participant: MeetingParticipant
    other_meeting_participant: MeetingParticipant
    named_campaign: object
    named_invitation: Invitation
    named_response: Response
    anonymous_invitation: Invitation
    selfassess_participant: SelfassessParticipant
    selfassess_token: str
    other_selfassess_participant: SelfassessParticipant
    accompaniment_participant: AccompanimentParticipant
    other_accompaniment_participant: AccompanimentParticipant
    evaluation_invitation: EvaluationInvitation


def answer_questionnaire(questionnaire, invitation, values_by_code: dict[str, Value]) -> Response:
    """Answer page by page and submit, through the services a respondent's browser calls."""
    response = response_start(questionnaire=questionnaire, client_key=uuid.uuid4(), invitation=invitation)
    questions = {question.code: question for question in questionnaire.questions.all()}
    for section in questionnaire.sections.all():
        values = {
            questions[code].pk: value
            for code, value in values_by_code.items()
            if questions[code].section_id == section.pk
        }
        response_save_page(response=response, section=section, values=values)
    response_submit(response_id=response.pk)
    return Response.objects.get(pk=response.pk)


def answers(metier: str, address: str) -> dict[str, Value]:
    return {
        "profil": Value(choices=("patient",)),
        "engage": Value(choices=("oui",)),
        "freins": Value(choices=("temps",)),
        "metier": Value(text=metier),
        "suite": Value(choices=("recevoir_rapport",)),
        "contact_email": Value(text=address),
    }


@pytest.fixture
def world(partner, other_partner, staff_user, django_capture_on_commit_callbacks) -> World:
    person = make_person(
        user=partner,
        first_name="Sacha",
        last_name="Martin",
        experience="Mon vécu de patiente partenaire.",
        phone="06 00 00 00 01",
    )
    other_person = make_person(
        user=other_partner, first_name="Lou", last_name="Bernard", experience="Le vécu de Lou."
    )
    structure = make_structure(name="Maison des usagers de Rodez")
    Membership.objects.create(
        person=person, structure=structure, function="Patiente ressource", status=MembershipStatus.ACCEPTED
    )
    Membership.objects.create(person=other_person, structure=structure, function="Fonction de Lou")
    version = CharterVersionFactory()
    signature = sign(version, person=person)
    sign(version, person=other_person)
    mandate = Mandate.objects.create(
        committee=Committee.objects.get(kind=CommitteeKind.COTEC),
        person=person,
        role="Représentante des usagers",
        start_date=date(2026, 1, 1),
    )
    meeting = make_meeting(Committee.objects.get(kind=CommitteeKind.COPART), days=-10)
    meeting_participant = meeting_participant_add(
        meeting=meeting, name="", email=partner.email, by=staff_user
    )
    MeetingParticipant.objects.filter(pk=meeting_participant.pk).update(attendance=Attendance.PRESENT)
    other_meeting_participant = meeting_participant_add(
        meeting=meeting, name="", email=other_partner.email, by=staff_user
    )

    named_campaign = CampaignFactory(anonymous=False, title="Baromètre nominatif")
    questionnaire = make_questionnaire(named_campaign)
    named_invitation = make_invitation(questionnaire, email=partner.email, name="Sacha Martin")
    make_link(named_invitation)
    named_response = answer_questionnaire(questionnaire, named_invitation, answers("Aidante", partner.email))
    other_invitation = make_invitation(questionnaire, email=other_partner.email, name="Lou Bernard")
    answer_questionnaire(questionnaire, other_invitation, answers("Métier de Lou", other_partner.email))
    anonymous_campaign = CampaignFactory(anonymous=True, title="Baromètre anonyme")
    anonymous_questionnaire = make_questionnaire(anonymous_campaign)
    anonymous_invitation = make_invitation(anonymous_questionnaire, email=partner.email, name="Sacha Martin")
    answer_questionnaire(
        anonymous_questionnaire, anonymous_invitation, answers("Réponse anonyme de Sacha", partner.email)
    )

    session = AssessmentSessionFactory(facilitator=staff_user, title="Séance du service de néphrologie")
    selfassess_participant, selfassess_token = participant_invite(
        session=session, by=staff_user, name="Sacha Martin", email=partner.email, side="usager"
    )
    other_selfassess_participant, _token = participant_invite(
        session=session, by=staff_user, name="Lou Bernard", email=other_partner.email, side="usager"
    )
    criterion = session.framework.criteria.get(code="a")
    rating_save(participant=selfassess_participant, criterion=criterion, score=3, comment="Mon avis à moi.")
    rating_save(
        participant=other_selfassess_participant, criterion=criterion, score=1, comment="Avis de Lou."
    )

    accompaniment = make_accompaniment(structure=structure, title="Projet des usagers de Rodez")
    accompaniment_participant = accompaniment_participant_add(
        accompaniment=accompaniment,
        first_name="Sacha",
        last_name="Martin",
        email=partner.email,
        side=AccompanimentSide.USER,
        person=person,
    )
    other_accompaniment_participant = accompaniment_participant_add(
        accompaniment=accompaniment,
        first_name="Lou",
        last_name="Bernard",
        email=other_partner.email,
        side=AccompanimentSide.USER,
    )
    evaluation = Evaluation.objects.create(accompaniment=accompaniment, kind=EvaluationKind.HOT)
    evaluation_invitation = EvaluationInvitation.objects.create(
        evaluation=evaluation,
        participant=accompaniment_participant,
        email=partner.email,
        sent_at=timezone.now(),
        next_reminder_at=timezone.now() + timedelta(days=10),
    )
    EvaluationLink.objects.create(invitation=evaluation_invitation, token_hash="a" * 64)
    RenewalInvitation.objects.create(version=version, user=partner, email=partner.email)
    # The newsletter: Sacha subscribed from Mon espace; Lou through the form (not Sacha's).
    from actors.newsletter.subscriptions import subscription_from_space, subscription_request

    subscription_from_space(user=partner)
    subscription_request(email=other_partner.email, topics=list(NewsletterTopic.objects.all()))
    for address in (partner.email, other_partner.email):
        AccessAttempt.objects.create(
            username=address,
            ip_address="192.0.2.10",
            user_agent="Navigateur d'essai",
            http_accept="*/*",
            path_info="/compte/connexion/",
            get_data="",
            post_data="",
            failures_since_start=2,
        )
    return World(
        person=person,
        other_person=other_person,
        structure=structure,
        version=version,
        signature=signature,
        mandate=mandate,
        meeting_participant=MeetingParticipant.objects.get(pk=meeting_participant.pk),
        other_meeting_participant=other_meeting_participant,
        named_campaign=named_campaign,
        named_invitation=named_invitation,
        named_response=named_response,
        anonymous_invitation=anonymous_invitation,
        selfassess_participant=selfassess_participant,
        selfassess_token=selfassess_token,
        other_selfassess_participant=other_selfassess_participant,
        accompaniment_participant=accompaniment_participant,
        other_accompaniment_participant=other_accompaniment_participant,
        evaluation_invitation=evaluation_invitation,
    )


# --- The export --------------------------------------------------------------------------------------------


def rows(data: dict, label: str) -> list[dict]:
    return data["donnees"][label]["lignes"]


def test_export_of_a_rich_person_has_each_section_with_their_values(world, partner):
    data = personal_data_export(user=partner)

    assert data["compte"] == "partenaire@exemple.fr"
    assert set(data["donnees"]) == {section.label for section in SECTIONS}
    assert data["donnees"]["actors.Membership"]["description"] == "Vos appartenances à des structures."
    [account] = rows(data, "actors.User")
    assert (account["email"], account["first_name"], account["last_name"]) == (
        "partenaire@exemple.fr",
        "Sacha",
        "Martin",
    )
    assert account["groups"] == [Role.PARTNER.value]
    [profile] = rows(data, "actors.Person")
    assert (profile["first_name"], profile["experience"], profile["phone"]) == (
        "Sacha",
        "Mon vécu de patiente partenaire.",
        "06 00 00 00 01",
    )
    assert profile["status"] == "Publié"
    assert profile["photo"] is False
    assert rows(data, "actors.Membership") == [
        {
            "structure": "Maison des usagers de Rodez",
            "function": "Patiente ressource",
            "is_referent": False,
            "status": "Acceptée",
            "message": "",
            "requested_at": rows(data, "actors.Membership")[0]["requested_at"],
            "decided_at": None,
        }
    ]
    [signature] = rows(data, "actors.Signature")
    assert (signature["kind"], signature["person"], signature["signer_name"]) == (
        "Personne",
        "Sacha Martin",
        "Sacha Martin",
    )
    assert signature["signed_at"] == timezone.localtime(world.signature.signed_at).isoformat()
    assert [row["role"] for row in rows(data, "actors.Mandate")] == ["Représentante des usagers"]
    [meeting] = rows(data, "actors.MeetingParticipant")
    assert (meeting["name"], meeting["email"], meeting["attendance"]) == (
        "Sacha Martin",
        "partenaire@exemple.fr",
        "Présent(e)",
    )
    assert [row["version"] for row in rows(data, "actors.RenewalInvitation")] == [str(world.version)]
    [subscription] = rows(data, "actors.NewsletterSubscription")
    assert (
        subscription["email"],
        subscription["status"],
        subscription["source"],
        len(subscription["topics"]),
    ) == (
        "partenaire@exemple.fr",
        "Confirmée",
        "Mon espace (adresse déjà vérifiée)",
        5,
    )
    assert sorted(row["campaign"] for row in rows(data, "barometer.Invitation")) == [
        "Baromètre anonyme",
        "Baromètre nominatif",
    ]
    [response] = rows(data, "barometer.Response")
    assert response["status"] == "Envoyée"
    assert {"question": "Votre métier", "choix": [], "texte": "Aidante", "nombre": None} in response[
        "answers"
    ]
    assert sorted((row["campaign"], row["wants_report"]) for row in rows(data, "barometer.Contact")) == [
        ("Baromètre anonyme", True),
        ("Baromètre nominatif", True),
    ]
    [participant] = rows(data, "selfassess.Participant")
    assert participant["name"] == "Sacha Martin"
    assert participant["ratings"] == [{"critère": "Critère a", "note": 3, "commentaire": "Mon avis à moi."}]
    assert rows(data, "selfassess.AssessmentSession") == []
    [accompaniment] = rows(data, "accompaniment.Participant")
    assert (accompaniment["accompaniment"], accompaniment["first_name"]) == (
        "Projet des usagers de Rodez",
        "Sacha",
    )
    assert [row["email"] for row in rows(data, "accompaniment.EvaluationInvitation")] == [
        "partenaire@exemple.fr"
    ]
    [attempt] = rows(data, "axes.AccessAttempt")
    assert (attempt["ip_address"], attempt["failures_since_start"]) == ("192.0.2.10", 2)
    assert sorted(row["subject"] for row in rows(data, "cops.OutgoingEmail")) == [
        "Auto-évaluation « Séance du service de néphrologie » : votre lien personnel",
        "Votre fiche est publiée dans l'annuaire du COPS",
    ]


def test_export_holds_no_other_person_no_anonymous_answer_and_no_secret(world, partner, other_partner):
    data = personal_data_export(user=partner)
    text = json.dumps(data, ensure_ascii=False)

    for foreign in ("Lou", "Bernard", "autre@exemple.fr", "Le vécu de Lou", "Métier de Lou", "Avis de Lou"):
        assert foreign not in text
    # The anonymous campaign's answers stay unlinkable, even to their author.
    assert "Réponse anonyme de Sacha" not in text
    assert Answer.objects.filter(text="Réponse anonyme de Sacha").count() == 1
    secrets = [
        partner.password,
        world.selfassess_participant.token_hash,
        world.selfassess_token,
        "a" * 64,
        *Delivery.objects.filter(invitation=world.named_invitation).values_list("token_hash", flat=True),
    ]
    for secret in secrets:
        assert secret not in text
    for key in (
        '"password"',
        '"token_hash"',
        '"session_hash"',
        '"resume_key_hash"',
        '"body_text"',
        '"manage_token_hash"',
        '"confirm_token_hash"',
    ):
        assert key not in text


# --- contact relay: the messages a person wrote and received ---------------------------------------------


@dataclass
class Correspondence:
    to_structure: ContactMessage  # Sacha wrote to a structure: no answer yet
    to_person: ContactMessage  # Sacha wrote to Lou, who answered
    unanswered: ContactMessage  # a visitor wrote to Sacha: no answer yet
    answered: ContactMessage  # a visitor wrote to Sacha, who answered
    for_structure: ContactMessage  # a visitor wrote to Sacha's structure; Sacha answered as its référent
    not_sachas: ContactMessage  # a visitor wrote to Lou


def relay(**kwargs) -> ContactMessage:
    return contact_message_send(purpose=ContactPurpose.OTHER, enforce_limits=False, **kwargs)


@pytest.fixture
def correspondence(partner, other_partner, django_capture_on_commit_callbacks) -> Correspondence:
    sacha = make_person(user=partner, first_name="Sacha", last_name="Martin")
    lou = make_person(user=other_partner, first_name="Lou", last_name="Bernard")
    for user in (partner, other_partner):
        contact_preferences_save(user=user, person_policy=ContactPolicy.EVERYONE)
    cedres_referent = make_person(
        user=UserFactory(email="referente@cedres.exemple.fr"), first_name="Régine", last_name="Référente"
    )
    cedres = make_structure(
        by=cedres_referent.user, name="Clinique des Cèdres", email="contact@cedres.exemple.fr"
    )
    own_structure = make_structure(by=partner, name="Maison des usagers", email="maison@exemple.fr")
    visitor = {"sender_user": None}
    to_structure = relay(
        structure=cedres, sender_user=partner, sender_name="Sacha Martin", sender_email="", body="Aux Cèdres."
    )
    to_person = relay(
        person=lou, sender_user=partner, sender_name="Sacha Martin", sender_email="", body="Question à Lou."
    )
    contact_message_reply(message=to_person, body="Réponse de Lou.", by=other_partner)
    unanswered = relay(
        person=sacha,
        **visitor,
        sender_name="Visiteur Discret",
        sender_email="discret@exemple.fr",
        body="Étude ?",
    )
    answered = relay(
        person=sacha,
        **visitor,
        sender_name="Visiteuse Curieuse",
        sender_email="curieuse@exemple.fr",
        body="Hé !",
    )
    contact_message_reply(message=answered, body="Écrivons-nous.", by=partner)
    for_structure = relay(
        structure=own_structure, **visitor, sender_name="Association Voisine", sender_email="voisine@exemple.fr",
        body="Pour la maison.",
    )  # fmt: skip
    contact_message_reply(message=for_structure, body="La maison répond.", by=partner)
    not_sachas = relay(
        person=lou,
        **visitor,
        sender_name="Inconnu",
        sender_email="inconnu@exemple.fr",
        body="Pour Lou seulement.",
    )
    return Correspondence(
        *(
            ContactMessage.objects.get(pk=message.pk)
            for message in (to_structure, to_person, unanswered, answered, for_structure, not_sachas)
        )
    )


def exported_message(message: ContactMessage, **values) -> dict:
    return {
        "sender_name": message.sender_name,
        "purpose": "Autre",
        "body": message.body,
        "created_at": timezone.localtime(message.created_at).isoformat(),
        "reply": message.reply,
        "replied_at": timezone.localtime(message.replied_at).isoformat() if message.replied_at else None,
        **values,
    }


def test_export_shows_each_relayed_message_and_the_other_address_only_once_answered(correspondence, partner):
    c = correspondence

    data = personal_data_export(user=partner)
    text = json.dumps(data, ensure_ascii=False)

    assert rows(data, "directory.ContactMessage") == [
        exported_message(
            c.to_structure, replied_from="", destinataire="Clinique des Cèdres", adresse_expediteur=""
        ),
        exported_message(
            c.to_person,
            replied_from="autre@exemple.fr",
            destinataire="Lou Bernard",
            adresse_expediteur="partenaire@exemple.fr",
        ),
        exported_message(c.unanswered, replied_from="", destinataire="Sacha Martin", adresse_expediteur=""),
        exported_message(
            c.answered,
            replied_from="partenaire@exemple.fr",
            destinataire="Sacha Martin",
            adresse_expediteur="curieuse@exemple.fr",
        ),
        exported_message(
            c.for_structure,
            replied_from="partenaire@exemple.fr",
            destinataire="Maison des usagers",
            adresse_expediteur="voisine@exemple.fr",
        ),
    ]
    # Before an answer, neither side's address: not the visitor's, not the structure's référent's.
    for hidden in (
        "discret@exemple.fr",
        "referente@cedres.exemple.fr",
        "contact@cedres.exemple.fr",
        "inconnu@exemple.fr",
        "Pour Lou seulement.",
        c.to_structure.token_hash,
    ):
        assert hidden not in text


def test_account_deletion_erases_the_relayed_messages(correspondence, partner):
    c = correspondence

    counts = account_delete(user=partner)

    # Written by Sacha (2) or received by Sacha's profile (2): gone; answered for a structure: kept,
    # without Sacha's address or account; the messages to others: untouched.
    assert (counts["contact_messages_deleted"], counts["contact_replies_anonymised"]) == (4, 1)
    assert sorted(ContactMessage.objects.values_list("pk", flat=True)) == sorted(
        [c.for_structure.pk, c.not_sachas.pk]
    )
    kept = ContactMessage.objects.get(pk=c.for_structure.pk)
    assert (kept.sender_email, kept.reply, kept.replied_from, kept.replied_by_id) == (
        "voisine@exemple.fr",
        "La maison répond.",
        "",
        None,
    )
    assert ContactMessage.objects.values_list("body", "sender_email").get(pk=c.not_sachas.pk) == (
        "Pour Lou seulement.",
        "inconnu@exemple.fr",
    )


def test_an_answer_through_a_forwarded_link_is_not_the_forwardees(partner, other_partner):
    iris = make_person(user=UserFactory(email="iris@exemple.fr"), first_name="Iris", last_name="Vidal")
    message = relay(
        person=iris, sender_user=partner, sender_name="Sacha", sender_email="", body="Bonjour Iris."
    )

    # Iris forwarded the link to a colleague, who answered while signed in with their own account.
    contact_message_reply(message=message, body="Iris vous répondra.", by=other_partner)

    message.refresh_from_db()
    assert (message.replied_from, message.replied_by_id) == ("iris@exemple.fr", None)
    assert rows(personal_data_export(user=other_partner), "directory.ContactMessage") == []
    counts = account_delete(user=other_partner)
    assert counts["contact_replies_anonymised"] == 0
    message.refresh_from_db()
    assert message.replied_from == "iris@exemple.fr"


def test_personal_data_download_is_an_uncached_json_attachment(world, partner_client, client):
    response = partner_client.get(reverse("actors:personal_data"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="mes-donnees-cops.json"'
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    data = json.loads(response.content.decode())
    assert rows(data, "actors.Person")[0]["experience"] == "Mon vécu de patiente partenaire."
    anonymous = client.get(reverse("actors:personal_data"))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("actors:login"))


def test_account_page_links_to_the_download_and_the_deletion(partner_client):
    response = partner_client.get(reverse("actors:account"))

    assert reverse("actors:personal_data") in response.content.decode()
    assert reverse("actors:delete_account") in response.content.decode()


# --- The deletion ------------------------------------------------------------------------------------------


def test_account_deletion_removes_the_profile_and_keeps_anonymised_statistics(
    world, partner, other_partner, django_capture_on_commit_callbacks
):
    signed_at = world.signature.signed_at
    persons_before = signatory_statistics(world.version).persons
    named_answers_before = Answer.objects.filter(response=world.named_response).count()
    anonymous_responses_before = Response.objects.filter(
        questionnaire__campaign__anonymous=True, status=ResponseStatus.SUBMITTED
    ).count()

    with django_capture_on_commit_callbacks(execute=True):
        counts = account_delete(user=partner)

    assert counts == {
        "signatures_anonymised": 1,
        "meeting_participants_anonymised": 1,
        "renewal_invitations_deleted": 1,
        "newsletter_subscriptions_deleted": 1,
        "barometer_draft_responses_deleted": 0,
        "barometer_invitations_anonymised": 2,
        "barometer_contacts_deleted": 2,
        "selfassess_participants_anonymised": 1,
        "accompaniment_participants_anonymised": 1,
        "outgoing_emails_deleted": counts["outgoing_emails_deleted"],
        "reports_deleted": 0,
        "login_records_deleted": 1,
        "contact_messages_deleted": 0,  # contact relay: see test_account_deletion_erases_the_relayed_messages
        "contact_replies_anonymised": 0,
        "profiles_deleted": 1,
        "resources_detached": 0,
        "accounts_deleted": 1,
    }
    assert counts["outgoing_emails_deleted"] >= 1
    # Gone: the account, the profile, its directory entry, memberships and mandates.
    assert not User.objects.filter(email="partenaire@exemple.fr").exists()
    assert not Person.objects.filter(pk=world.person.pk).exists()
    assert not Entry.objects.filter(person_id=world.person.pk).exists()
    assert not Membership.objects.filter(person_id=world.person.pk).exists()
    assert not Mandate.objects.filter(pk=world.mandate.pk).exists()
    assert not RenewalInvitation.objects.filter(email="partenaire@exemple.fr").exists()
    assert list(NewsletterSubscription.objects.values_list("email", flat=True)) == ["autre@exemple.fr"]
    # Kept, anonymised: the signature with its date, still counted.
    signature = Signature.objects.get(pk=world.signature.pk)
    assert (signature.person_id, signature.signed_by_id, signature.signer_name) == (
        None,
        None,
        ANONYMISED_SIGNER_NAME,
    )
    assert (signature.kind, signature.version_id, signature.signed_at, signature.withdrawn_at) == (
        ActorKind.PERSON,
        world.version.pk,
        signed_at,
        None,
    )
    assert signatory_statistics(world.version).persons == persons_before == 2
    # Kept, anonymised: attendance at the meeting.
    meeting_participant = MeetingParticipant.objects.get(pk=world.meeting_participant.pk)
    assert (
        meeting_participant.name,
        meeting_participant.email,
        meeting_participant.user_id,
        meeting_participant.person_id,
        meeting_participant.attendance,
    ) == (
        ANONYMISED_PARTICIPANT_NAME,
        f"anonyme-{meeting_participant.pk}@anonyme.invalid",
        None,
        None,
        Attendance.PRESENT,
    )
    # Kept, anonymised: the survey answers; the address asked by one question is gone.
    invitation = Invitation.objects.get(pk=world.named_invitation.pk)
    assert (invitation.email, invitation.name, invitation.has_responded) == (
        f"anonyme-{invitation.pk}@anonyme.invalid",
        "",
        True,
    )
    assert invitation.unsubscribed_at is not None
    assert list(Delivery.objects.filter(invitation=invitation).values_list("token_hash", flat=True)) == [None]
    response = Response.objects.get(pk=world.named_response.pk)
    assert (response.status, response.invitation_id) == (ResponseStatus.SUBMITTED, invitation.pk)
    assert Answer.objects.filter(response=response).count() == named_answers_before
    assert Answer.objects.get(response=response, question__code="metier").text == "Aidante"
    assert Answer.objects.get(response=response, question__code="contact_email").text == ""
    assert (
        Response.objects.filter(
            questionnaire__campaign__anonymous=True, status=ResponseStatus.SUBMITTED
        ).count()
        == anonymous_responses_before
        == 1
    )
    assert Invitation.objects.get(pk=world.anonymous_invitation.pk).email.endswith("@anonyme.invalid")
    assert list(Contact.objects.values_list("email", flat=True)) == ["autre@exemple.fr"]
    # Kept, anonymised: the self-assessment score, without name, link or personal comment.
    participant = SelfassessParticipant.objects.get(pk=world.selfassess_participant.pk)
    assert (participant.name, participant.email) == (
        ANONYMISED_PARTICIPANT_NAME,
        f"anonyme-{participant.pk}@anonyme.invalid",
    )
    assert not SelfassessParticipant.objects.filter(token_hash=hash_token(world.selfassess_token)).exists()
    assert list(Rating.objects.filter(participant=participant).values_list("score", "comment")) == [(3, "")]
    # Kept, anonymised: the accompaniment participant (actions may be assigned to it).
    accompaniment_participant = AccompanimentParticipant.objects.get(pk=world.accompaniment_participant.pk)
    assert (
        accompaniment_participant.first_name,
        accompaniment_participant.last_name,
        accompaniment_participant.email,
        accompaniment_participant.person_id,
    ) == (ANONYMISED_PARTICIPANT_NAME, "", "", None)
    evaluation_invitation = EvaluationInvitation.objects.get(pk=world.evaluation_invitation.pk)
    assert (evaluation_invitation.email, evaluation_invitation.next_reminder_at) == ("", None)
    assert not EvaluationLink.objects.filter(invitation=evaluation_invitation).exists()
    # Only the confirmation is left in the outbox for the address; the login failures are gone.
    assert list(
        OutgoingEmail.objects.filter(to__contains=["partenaire@exemple.fr"]).values_list(
            "template", flat=True
        )
    ) == ["actors/emails/account_deleted"]
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["autre@exemple.fr"]


def test_account_deletion_leaves_the_other_persons_rows_untouched(world, partner, other_partner):
    account_delete(user=partner)

    other = Person.objects.get(pk=world.other_person.pk)
    assert (other.first_name, other.user_id, other.experience) == ("Lou", other_partner.pk, "Le vécu de Lou.")
    assert Membership.objects.filter(person=other).count() == 1
    assert Signature.objects.get(person=other).signer_name == "Lou Bernard"
    assert MeetingParticipant.objects.get(pk=world.other_meeting_participant.pk).name == "Lou Bernard"
    assert SelfassessParticipant.objects.get(pk=world.other_selfassess_participant.pk).name == "Lou Bernard"
    assert list(
        Rating.objects.filter(participant=world.other_selfassess_participant).values_list(
            "comment", flat=True
        )
    ) == ["Avis de Lou."]
    assert AccompanimentParticipant.objects.get(pk=world.other_accompaniment_participant.pk).email == (
        "autre@exemple.fr"
    )
    assert Invitation.objects.filter(email="autre@exemple.fr").count() == 1


def test_anonymised_signature_is_counted_but_never_named(world, partner, client, staff_client):
    account_delete(user=partner)

    listing = signatory_list(world.version)
    page = client.get(reverse("charter:signatories") + f"?annee={world.version.year}")
    statistics = client.get(reverse("charter:statistics") + f"?annee={world.version.year}")
    export = staff_client.get(reverse("charter:export", args=["csv"]) + f"?annee={world.version.year}")

    assert (listing.persons, [row.name for row in listing.rows]) == (2, ["Lou Bernard"])
    assert page.status_code == 200
    assert "Lou Bernard" in page.content.decode()
    assert "Sacha" not in page.content.decode()
    assert statistics.status_code == 200
    assert export.status_code == 200
    exported = export.content.decode()
    assert ";Personne;Signataire anonymisé;;;;;;" in exported
    assert "Sacha" not in exported


def test_a_draft_barometer_response_of_the_person_is_deleted_with_the_account(partner):
    campaign = CampaignFactory(anonymous=True)
    questionnaire = make_questionnaire(campaign)
    invitation = make_invitation(questionnaire, email=partner.email)
    draft = response_start(questionnaire=questionnaire, client_key=uuid.uuid4(), invitation=invitation)

    counts = account_delete(user=partner)

    assert counts["barometer_draft_responses_deleted"] == 1
    assert not Response.objects.filter(pk=draft.pk).exists()


def test_profile_deletion_from_the_directory_keeps_the_signature_anonymised(partner):
    person = make_person(user=partner, first_name="Sacha", last_name="Martin")
    version = CharterVersionFactory()
    signature = sign(version, person=person)

    person_delete(person=person, by=partner)

    signature.refresh_from_db()
    assert (signature.person_id, signature.signer_name) == (None, ANONYMISED_SIGNER_NAME)
    assert User.objects.filter(pk=partner.pk).exists()


def test_account_deletion_is_refused_while_the_person_facilitates_a_session(staff_user):
    AssessmentSessionFactory(facilitator=staff_user, title="Séance de mars")

    with pytest.raises(ValidationError) as refused:
        account_delete(user=staff_user)

    assert refused.value.messages == [
        "Votre compte ne peut pas encore être supprimé : demandez d'abord à l'équipe du COPS "
        "de confier ces missions à une autre personne.",
        "Vous animez des séances d'auto-évaluation : Séance de mars.",
    ]
    assert User.objects.filter(pk=staff_user.pk).exists()


def test_account_deletion_is_refused_while_the_person_leads_an_accompaniment(staff_client, staff_user):
    make_accompaniment(title="Projet de Montauban", patient_partner_lead=staff_user)

    page = staff_client.get(reverse("actors:delete_account"))
    refused = staff_client.post(reverse("actors:delete_account"), {"password": PASSWORD})

    assert "Vous pilotez des accompagnements : Projet de Montauban." in page.content.decode()
    assert 'name="password"' not in page.content.decode()
    assert refused.status_code == 200
    assert "Vous pilotez des accompagnements : Projet de Montauban." in refused.content.decode()
    assert User.objects.filter(pk=staff_user.pk).exists()


def test_delete_page_asks_for_the_password_and_keeps_the_account_on_a_wrong_one(partner_client, partner):
    response = partner_client.post(reverse("actors:delete_account"), {"password": "pas-le-bon-mot-de-passe"})

    assert response.status_code == 200
    assert "Ce mot de passe n&#x27;est pas le bon." in response.content.decode()
    assert User.objects.filter(pk=partner.pk).exists()


def test_delete_page_deletes_logs_out_and_confirms_by_email(
    partner_client, partner, django_capture_on_commit_callbacks, mailoutbox
):
    make_person(user=partner, first_name="Sacha", last_name="Martin")

    with django_capture_on_commit_callbacks(execute=True):
        response = partner_client.post(reverse("actors:delete_account"), {"password": PASSWORD})

    assert response.status_code == 200
    assert "Votre compte a été supprimé" in response.content.decode()
    assert not User.objects.filter(email="partenaire@exemple.fr").exists()
    assert not Person.objects.filter(first_name="Sacha").exists()
    assert partner_client.get(reverse("actors:account")).status_code == 302
    email = OutgoingEmail.objects.get(template="actors/emails/account_deleted")
    assert (email.to, email.subject) == (
        ["partenaire@exemple.fr"],
        "Votre compte sur la plateforme COPS a été supprimé",
    )
    assert [message.to for message in mailoutbox] == [["partenaire@exemple.fr"]]
    assert "Bonjour Sacha," in mailoutbox[0].body
    assert "equipe@cops-occitanie.fr" in mailoutbox[0].body


def test_delete_page_is_for_signed_in_people_only(client):
    response = client.get(reverse("actors:delete_account"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("actors:login"))


def test_privacy_page_states_the_download_deletion_and_retention_periods(client, settings):
    settings.RETENTION_UNVERIFIED_ACCOUNT_DAYS = 21
    settings.RETENTION_SENT_EMAIL_DAYS = 1
    settings.RETENTION_MEETING_GUEST_DAYS = 1

    page = client.get(reverse("platform:privacy")).content.decode()

    assert "Télécharger vos données" in page
    assert "Supprimer votre compte" in page
    assert "confirmée, 21 jours après l'inscription ;" in page
    assert "la trace des courriels envoyés, 1 jour après l'envoi" in page
    assert "180 jours après leur dernière modification" in page
    assert "listes d'invitation au baromètre, 365 jours après la clôture de la campagne" in page
    assert "contacts laissés à la fin du baromètre, 365 jours après la clôture de la campagne" in page
    assert "séances d'auto-évaluation, 365 jours après la séance" in page
    assert "invités sans compte aux réunions des instances, 1 jour après la réunion" in page
    assert (
        "besoins d'accessibilité et les réponses sensibles donnés à l'inscription à un événement, 30 jours"
        in page
    )
    assert "inscrites sans compte à un événement, 365 jours après l'événement" in page
    assert "dont l'adresse n'a pas été confirmée, 7 jours après l'inscription" in page


def test_a_profile_without_account_at_the_address_is_the_persons_one_linked_elsewhere_is_not(
    partner, other_partner
):
    held_by_the_team = Person.objects.create(
        first_name="Sacha", last_name="Fiche", email="Partenaire@Exemple.fr"
    )
    someone_elses = Person.objects.create(
        first_name="Lou", last_name="Homonyme", email="partenaire@exemple.fr", user=other_partner
    )

    exported = [row["last_name"] for row in rows(personal_data_export(user=partner), "actors.Person")]
    account_delete(user=partner)

    assert exported == ["Fiche"]
    assert not Person.objects.filter(pk=held_by_the_team.pk).exists()
    assert Person.objects.filter(pk=someone_elses.pk, user=other_partner).exists()
