"""The contact relay: a visitor writes to a person or a structure without either side seeing the
other's address, until the recipient answers.

Covers who sees « Contacter » and may open the form (policy × viewer), the relayed email (its
exact recipients, no Reply-To, the sender's address nowhere), the answer (Reply-To both ways,
once), the honeypot, the rate limits, the abuse reports, the preferences, the purge, the export
and the erasure, and the query count of the patient-partners page.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from actors.enums import ContactPolicy, ModerationStatus
from actors.models import Person, Structure
from cops.models import OutgoingEmail
from cops.personal_data import account_delete, personal_data_export
from cops.retention import expired_data_purge
from cops.tokens import hash_token
from directory.models import ContactMessage, ContactPurpose, Entry
from directory.permissions import can_contact
from directory.selectors.contact import (
    oldest_open_abuse_report,
    open_abuse_reports_count,
    person_target,
)
from directory.services.contact import (
    contact_message_reply,
    contact_message_report_abuse,
    contact_message_send,
)
from tests.factories.actors import UnverifiedUserFactory, UserFactory
from tests.factories.directory import make_person, make_structure

pytestmark = pytest.mark.django_db

SENDER_EMAIL = "claire.roussel@exemple.fr"
BODY = "Bonjour, accepteriez-vous de témoigner lors de notre formation des internes en mars ?"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def set_policy(actor, policy: str) -> None:
    type(actor).objects.filter(pk=actor.pk).update(accepts_messages=policy)


def form_data(**overrides) -> dict:
    data = {
        "sender_name": "Claire Roussel",
        "sender_email": SENDER_EMAIL,
        "purpose": ContactPurpose.TESTIMONY,
        "body": BODY,
        "site_web": "",
    }
    data.update(overrides)
    return data


def link_in(text: str, name: str) -> str:
    """The path of the relay link of this kind ("reply" or "abuse") in an email's text."""
    pattern = r"/annuaire/messages/([A-Za-z0-9_-]+)/" + ("signaler/" if name == "abuse" else r"(?=\s)")
    return re.search(pattern, text).group(0)


@pytest.fixture
def patient():
    """A patient partner: no choice made, so only signed-in partners may write (their default)."""
    user = UserFactory(email="nadia.benali@exemple.fr", first_name="Nadia", last_name="Benali")
    return make_person(user=user, first_name="Nadia", last_name="Benali", email="nadia.contact@exemple.fr")


@pytest.fixture
def professional():
    user = UserFactory(email="hugo.roux@exemple.fr", first_name="Hugo", last_name="Roux")
    return make_person(
        user=user, first_name="Hugo", last_name="Roux", profiles=["professionnel-sanitaire"], bio="Médecin."
    )


@pytest.fixture
def referent():
    return make_person(
        user=UserFactory(email="regine.referente@exemple.fr"), first_name="Régine", last_name="Référente"
    )


@pytest.fixture
def structure(referent):
    # Registered by the référent, who has a person profile: she becomes its référent.
    return make_structure(by=referent.user, name="Maison de santé de Castres", email="accueil@msp-castres.fr")


# --- Who sees « Contacter », who may open the form ---------------------------------------------------


def test_default_policies_follow_the_profiles(patient, professional):
    assert (patient.accepts_messages, patient.contact_policy()) == ("", ContactPolicy.PARTNERS)
    assert (professional.accepts_messages, professional.contact_policy()) == ("", ContactPolicy.EVERYONE)


VIEWERS = ("anonymous", "partner", "unverified")
# (policy, viewer) -> (button shown, status of the form's page)
MATRIX = {
    (ContactPolicy.EVERYONE, "anonymous"): (True, 200),
    (ContactPolicy.EVERYONE, "partner"): (True, 200),
    (ContactPolicy.EVERYONE, "unverified"): (True, 200),
    (ContactPolicy.PARTNERS, "anonymous"): (False, 302),
    (ContactPolicy.PARTNERS, "partner"): (True, 200),
    (ContactPolicy.PARTNERS, "unverified"): (False, 403),
    (ContactPolicy.NOBODY, "anonymous"): (False, 404),
    (ContactPolicy.NOBODY, "partner"): (False, 404),
    (ContactPolicy.NOBODY, "unverified"): (False, 404),
}


def viewer_client(viewer: str) -> Client:
    if viewer == "anonymous":
        return Client()
    if viewer == "partner":
        return client_for(UserFactory(email="sacha.martin@exemple.fr"))
    return client_for(UnverifiedUserFactory(email="nouveau@exemple.fr"))


@pytest.mark.parametrize(("policy", "viewer"), list(MATRIX))
def test_person_button_and_form_follow_policy_and_viewer(patient, policy, viewer):
    set_policy(patient, policy)
    client = viewer_client(viewer)
    form_url = reverse("directory:contact_person", args=[patient.pk])
    shown, status = MATRIX[(policy, viewer)]

    page = client.get(reverse("directory:person_detail", args=[patient.pk])).content.decode()
    response = client.get(form_url)

    assert (f'href="{form_url}"' in page) is shown
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == f"/compte/connexion/?next={form_url}"
        assert "Se connecter pour écrire" in page  # the anonymous visitor learns how to write
    if shown:
        assert "Écrire à Nadia Benali" in response.content.decode()
    # The dead instruction of the old page is gone.
    assert "Écrivez à l'équipe du COPS" not in page


@pytest.mark.parametrize(("policy", "viewer"), list(MATRIX))
def test_structure_button_and_form_follow_policy_and_viewer(structure, policy, viewer):
    set_policy(structure, policy)
    client = viewer_client(viewer)
    form_url = reverse("directory:contact_structure", args=[structure.pk])
    shown, status = MATRIX[(policy, viewer)]

    page = client.get(reverse("directory:structure_detail", args=[structure.pk])).content.decode()
    response = client.get(form_url)

    assert (f'href="{form_url}"' in page) is shown
    assert response.status_code == status


def test_a_profile_nobody_may_write_to_answers_like_an_unknown_one(client, patient):
    set_policy(patient, ContactPolicy.NOBODY)

    refused_url = reverse("directory:contact_person", args=[patient.pk])
    unknown_url = reverse("directory:contact_person", args=[patient.pk + 1000])

    refused = client.get(refused_url)
    unknown = client.get(unknown_url)
    posted = client.post(refused_url, form_data())

    assert (refused.status_code, unknown.status_code, posted.status_code) == (404, 404, 404)

    # The same page, but for the address itself (the language switch sends the visitor back to
    # it) and the CSRF token (masked anew for each response).
    def page(response, url):
        return re.sub(r"[A-Za-z0-9]{64}", "", response.content.decode().replace(url, ""))

    assert page(refused, refused_url) == page(unknown, unknown_url)
    assert ContactMessage.objects.count() == 0


def test_unpublished_person_and_person_without_address_have_no_form(client, professional):
    pending = make_person(
        first_name="Paul", profiles=["professionnel-sanitaire"], status=ModerationStatus.PENDING
    )
    Person.objects.filter(pk=professional.pk).update(user=None, email="")

    assert client.get(reverse("directory:contact_person", args=[pending.pk])).status_code == 404
    assert client.get(reverse("directory:contact_person", args=[professional.pk])).status_code == 404
    page = client.get(reverse("directory:person_detail", args=[professional.pk])).content.decode()
    assert "/contacter/" not in page
    assert "elle ne reçoit pas de messages par la plateforme" in page


def test_person_without_account_gets_messages_at_the_profile_address(professional):
    Person.objects.filter(pk=professional.pk).update(user=None, email="hugo.pro@exemple.fr")

    target = person_target(Person.objects.select_related("user").get(pk=professional.pk))

    assert target.recipients == ("hugo.pro@exemple.fr",)
    assert can_contact(AnonymousUser(), target)


def test_structure_without_referent_or_address_has_no_form(client):
    lonely = make_structure(name="Clinique du Parc", email="")

    assert client.get(reverse("directory:contact_structure", args=[lonely.pk])).status_code == 404
    assert (
        "/contacter/"
        not in client.get(reverse("directory:structure_detail", args=[lonely.pk])).content.decode()
    )


def test_owner_sees_no_button_on_their_own_page_but_a_link_to_preferences(professional):
    page = client_for(professional.user).get(reverse("directory:person_detail", args=[professional.pk]))

    assert reverse("directory:contact_person", args=[professional.pk]) not in page.content.decode()
    assert reverse("directory:contact_preferences") in page.content.decode()


# --- Sending: the relayed email -----------------------------------------------------------------------


def test_relayed_email_hides_the_sender_address(
    client, patient, mailoutbox, django_capture_on_commit_callbacks
):
    set_policy(patient, ContactPolicy.EVERYONE)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("directory:contact_person", args=[patient.pk]), form_data())

    assert response.status_code == 302
    assert response["Location"] == reverse("directory:person_detail", args=[patient.pk])
    message = ContactMessage.objects.get()
    assert (message.person_id, message.sender_user_id, message.sender_name, message.sender_email) == (
        patient.pk,
        None,
        "Claire Roussel",
        SENDER_EMAIL,
    )
    assert (message.purpose, message.body, message.replied_at) == (ContactPurpose.TESTIMONY, BODY, None)
    relayed = OutgoingEmail.objects.get(template="directory/emails/contact_relayed")
    # The account's address, not the profile's contact address: one recipient, no Reply-To.
    assert (relayed.to, relayed.reply_to) == (["nadia.benali@exemple.fr"], "")
    delivered = {tuple(email.to): email for email in mailoutbox}
    assert set(delivered) == {("nadia.benali@exemple.fr",), (SENDER_EMAIL,)}
    email = delivered[("nadia.benali@exemple.fr",)]
    assert email.reply_to == []
    assert email.cc == [] and email.bcc == []
    raw = email.message().as_string()
    assert SENDER_EMAIL not in raw  # neither in a header nor in the body
    assert "claire.roussel" not in raw.lower()
    assert email.subject == "Un message de Claire Roussel par la plateforme du COPS"
    assert "Claire Roussel vous écrit par l'annuaire du COPS." in email.body
    assert "Objet : Demander un témoignage ou une intervention" in email.body
    assert BODY in email.body
    token_hash = message.token_hash
    reply_path = link_in(email.body, "reply")
    abuse_path = link_in(email.body, "abuse")
    assert hash_token(reply_path.split("/")[3]) == token_hash
    assert abuse_path == reply_path + "signaler/"
    assert "Répondre (votre adresse sera alors transmise" in email.body
    assert "Signaler un abus" in email.body
    # The sender's confirmation names the recipient, without their address or the token.
    confirmation = delivered[(SENDER_EMAIL,)]
    assert confirmation.subject == "Votre message à Nadia Benali est transmis"
    assert "nadia.benali@exemple.fr" not in confirmation.message().as_string()
    assert "nadia.contact@exemple.fr" not in confirmation.message().as_string()
    assert "/annuaire/messages/" not in confirmation.body


def test_the_sender_never_sees_the_recipient_address(client, patient):
    set_policy(patient, ContactPolicy.EVERYONE)

    form_page = client.get(reverse("directory:contact_person", args=[patient.pk])).content.decode()
    response = client.post(reverse("directory:contact_person", args=[patient.pk]), form_data(), follow=True)

    for page in (form_page, response.content.decode()):
        assert "nadia.benali@exemple.fr" not in page
        assert "nadia.contact@exemple.fr" not in page
    assert "Votre message est transmis à Nadia Benali." in response.content.decode()


def test_a_restricted_last_name_stays_hidden_in_the_form_and_the_confirmation(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    person = make_person(
        user=UserFactory(email="ines.cachee@exemple.fr"),
        first_name="Inès",
        last_name="Cachée",
        profiles=["professionnel-sanitaire"],
        visibility={"last_name": 1},
    )

    page = client.get(reverse("directory:contact_person", args=[person.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("directory:contact_person", args=[person.pk]), form_data())

    assert "Écrire à Inès" in page
    assert "Cachée" not in page
    confirmation = next(email for email in mailoutbox if email.to == [SENDER_EMAIL])
    assert confirmation.subject == "Votre message à Inès est transmis"
    assert "Cachée" not in confirmation.message().as_string()


def test_form_shows_consent_and_retention(client, professional, settings):
    settings.RETENTION_CONTACT_MESSAGE_DAYS = 90

    page = client.get(reverse("directory:contact_person", args=[professional.pk])).content.decode()

    assert "Votre message est conservé 90 jours sur la plateforme, puis supprimé." in page
    assert 'class="contact-hp"' in page and 'name="site_web"' in page
    for label in ("Demander un témoignage ou une intervention", "Proposer un projet ou une collaboration"):
        assert label in page


def test_signed_in_sender_writes_from_their_account_address(patient, django_capture_on_commit_callbacks):
    sender = UserFactory(email="sacha.martin@exemple.fr", first_name="Sacha", last_name="Martin")
    client = client_for(sender)

    page = client.get(reverse("directory:contact_person", args=[patient.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("directory:contact_person", args=[patient.pk]),
            form_data(sender_name="Sacha Martin", sender_email="pirate@exemple.fr"),
        )

    assert re.search(r'<input[^>]*name="sender_email"[^>]*value="sacha.martin@exemple.fr"[^>]*disabled', page)
    message = ContactMessage.objects.get()
    assert (message.sender_user_id, message.sender_email) == (sender.pk, "sacha.martin@exemple.fr")
    assert OutgoingEmail.objects.get(template="directory/emails/contact_confirmation").to == [
        "sacha.martin@exemple.fr"
    ]


def test_structure_message_goes_to_each_accepted_referent(
    client, structure, referent, mailoutbox, django_capture_on_commit_callbacks
):
    second = make_person(
        user=UserFactory(email="marc.second@exemple.fr"), first_name="Marc", last_name="Second"
    )
    second.memberships.create(structure=structure, is_referent=True, status="acceptee")
    member = make_person(user=UserFactory(email="simple.membre@exemple.fr"), first_name="Simone")
    member.memberships.create(structure=structure, is_referent=False, status="acceptee")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("directory:contact_structure", args=[structure.pk]), form_data())

    relayed = OutgoingEmail.objects.filter(template="directory/emails/contact_relayed").order_by("pk")
    # One email each: the référents never see each other's addresses; the structure's own
    # address, the member who is not référent and the sender's address get nothing.
    assert sorted(tuple(email.to) for email in relayed) == [
        ("marc.second@exemple.fr",),
        ("regine.referente@exemple.fr",),
    ]
    assert {email.reply_to for email in relayed} == {""}
    for email in mailoutbox:
        if email.to != [SENDER_EMAIL]:
            assert SENDER_EMAIL not in email.message().as_string()
            assert "référent de la structure" in email.body


def test_structure_without_referent_gets_messages_at_its_address(client, django_capture_on_commit_callbacks):
    clinic = make_structure(name="Clinique du Parc", email="accueil@clinique-parc.fr")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("directory:contact_structure", args=[clinic.pk]), form_data())

    assert response.status_code == 302
    assert OutgoingEmail.objects.get(template="directory/emails/contact_relayed").to == [
        "accueil@clinique-parc.fr"
    ]


# --- Bad input, robots, limits ---------------------------------------------------------------------------


def test_honeypot_pretends_success_and_keeps_nothing(client, professional):
    response = client.post(
        reverse("directory:contact_person", args=[professional.pk]),
        form_data(site_web="https://promo.exemple.com"),
        follow=True,
    )

    assert response.redirect_chain == [(reverse("directory:person_detail", args=[professional.pk]), 302)]
    assert "Votre message est transmis à Hugo Roux." in response.content.decode()
    assert ContactMessage.objects.count() == 0
    assert not OutgoingEmail.objects.filter(template__startswith="directory/emails/contact").exists()


def test_message_of_5000_characters_passes_and_5001_is_refused(client, professional):
    url = reverse("directory:contact_person", args=[professional.pk])

    too_long = client.post(url, form_data(body="a" * 5001))
    exact = client.post(url, form_data(body="a" * 5000))

    assert too_long.status_code == 400
    assert (
        "Le message dépasse 5 000 caractères : raccourcissez-le (5001 actuellement)."
        in too_long.content.decode()
    )
    assert exact.status_code == 302
    assert list(ContactMessage.objects.values_list("body", flat=True)) == ["a" * 5000]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"body": "   "}, "Écrivez votre message."),
        (
            {"sender_email": "claire@"},
            "Saisissez une adresse électronique valide, par exemple nom@exemple.fr.",
        ),
        ({"sender_name": ""}, "Indiquez votre nom."),
        ({"purpose": "vente"}, "Sélectionnez un choix valide"),
    ],
)
def test_bad_input_is_refused_in_french_and_nothing_is_sent(client, professional, overrides, error):
    response = client.post(
        reverse("directory:contact_person", args=[professional.pk]), form_data(**overrides)
    )

    assert response.status_code == 400
    assert error in response.content.decode()
    assert "Le formulaire contient une erreur" in response.content.decode()
    assert ContactMessage.objects.count() == 0
    assert not OutgoingEmail.objects.filter(template__startswith="directory/emails/contact").exists()


def test_service_checks_the_policy_again(patient):
    set_policy(patient, ContactPolicy.NOBODY)

    with pytest.raises(ValidationError) as refused:
        contact_message_send(
            person=patient,
            sender_user=None,
            sender_name="Claire",
            sender_email=SENDER_EMAIL,
            purpose=ContactPurpose.OTHER,
            body=BODY,
        )

    assert refused.value.messages == ["Ce destinataire ne reçoit pas de messages par la plateforme."]
    assert ContactMessage.objects.count() == 0
    assert not OutgoingEmail.objects.filter(template__startswith="directory/emails/contact").exists()


def test_sender_limit_answers_429_and_keeps_the_text(client, professional, settings):
    settings.RATE_LIMITS = {"directory.contact.sender": "2/h"}
    url = reverse("directory:contact_person", args=[professional.pk])
    client.post(url, form_data(body="Premier message."))
    client.post(url, form_data(body="Deuxième message."))

    response = client.post(url, form_data(body="Troisième message, gardé dans le formulaire."))

    assert response.status_code == 429
    page = response.content.decode()
    assert "Vous avez envoyé beaucoup de messages en peu de temps" in page
    assert "Troisième message, gardé dans le formulaire." in page
    assert sorted(ContactMessage.objects.values_list("body", flat=True)) == [
        "Deuxième message.",
        "Premier message.",
    ]
    assert OutgoingEmail.objects.filter(template="directory/emails/contact_relayed").count() == 2


def test_sender_limit_counts_the_address_even_with_new_emails(client, professional, settings):
    settings.RATE_LIMITS = {"directory.contact.sender": "2/h"}
    url = reverse("directory:contact_person", args=[professional.pk])
    client.post(url, form_data(sender_email="un@exemple.fr"))
    client.post(url, form_data(sender_email="deux@exemple.fr"))

    response = client.post(url, form_data(sender_email="trois@exemple.fr"))

    assert response.status_code == 429
    assert ContactMessage.objects.count() == 2


def test_recipient_limit_protects_from_a_flood_of_senders(professional, settings):
    settings.RATE_LIMITS = {"directory.contact.recipient": "2/d"}
    url = reverse("directory:contact_person", args=[professional.pk])
    statuses = [
        Client(REMOTE_ADDR=f"198.51.100.{n}")
        .post(url, form_data(sender_email=f"expediteur{n}@exemple.fr"))
        .status_code
        for n in range(1, 4)
    ]

    assert statuses == [302, 302, 429]
    assert ContactMessage.objects.count() == 2
    assert OutgoingEmail.objects.filter(template="directory/emails/contact_relayed").count() == 2


# --- Answering through the relay ----------------------------------------------------------------------------


def send_to(person, *, sender_email: str = SENDER_EMAIL) -> tuple[ContactMessage, str]:
    """A message sent through the service, and the token of its links (read from the email)."""
    contact_message_send(
        person=person,
        sender_user=None,
        sender_name="Claire Roussel",
        sender_email=sender_email,
        purpose=ContactPurpose.PROJECT,
        body=BODY,
    )
    relayed = OutgoingEmail.objects.filter(template="directory/emails/contact_relayed").latest("pk")
    token = link_in(relayed.body_text, "reply").split("/")[3]
    return ContactMessage.objects.latest("pk"), token


def test_reply_exchanges_the_addresses_through_reply_to(
    professional, mailoutbox, django_capture_on_commit_callbacks
):
    message, token = send_to(professional)
    url = reverse("directory:contact_reply", args=[token])
    client = Client()

    page = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reply": "Avec plaisir, écrivez-moi pour fixer une date."})

    assert page.status_code == 200
    assert BODY in page.content.decode() and "Message de Claire Roussel" in page.content.decode()
    assert SENDER_EMAIL not in page.content.decode()
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.reply, message.replied_from, message.replied_by_id) == (
        "Avec plaisir, écrivez-moi pour fixer une date.",
        "hugo.roux@exemple.fr",
        None,
    )
    assert message.replied_at is not None
    answer = OutgoingEmail.objects.get(template="directory/emails/contact_reply")
    copy = OutgoingEmail.objects.get(template="directory/emails/contact_reply_copy")
    assert (answer.to, answer.reply_to) == ([SENDER_EMAIL], "hugo.roux@exemple.fr")
    assert (copy.to, copy.reply_to) == (["hugo.roux@exemple.fr"], SENDER_EMAIL)
    delivered = {tuple(email.to): email for email in mailoutbox}
    assert delivered[(SENDER_EMAIL,)].reply_to == ["hugo.roux@exemple.fr"]
    assert delivered[("hugo.roux@exemple.fr",)].reply_to == [SENDER_EMAIL]
    assert "Avec plaisir, écrivez-moi pour fixer une date." in delivered[(SENDER_EMAIL,)].body


def test_only_one_reply_per_message(professional, django_capture_on_commit_callbacks):
    message, token = send_to(professional)
    url = reverse("directory:contact_reply", args=[token])
    client = Client()
    client.post(url, {"reply": "Première réponse."})
    emails_before = OutgoingEmail.objects.count()

    second = client.post(url, {"reply": "Seconde réponse."})

    assert second.status_code == 400
    assert "Vous avez déjà répondu à ce message" in second.content.decode()
    message.refresh_from_db()
    assert message.reply == "Première réponse."
    assert OutgoingEmail.objects.count() == emails_before
    page = client.get(url).content.decode()
    assert "Première réponse." in page and 'name="reply"' not in page


def test_empty_reply_is_refused(professional):
    _message, token = send_to(professional)

    response = Client().post(reverse("directory:contact_reply", args=[token]), {"reply": ""})

    assert response.status_code == 400
    assert "Écrivez votre réponse." in response.content.decode()
    assert ContactMessage.objects.get().replied_at is None


def test_structure_reply_comes_from_the_referent_signed_in(structure, referent):
    second = make_person(
        user=UserFactory(email="marc.second@exemple.fr"), first_name="Marc", last_name="Second"
    )
    second.memberships.create(structure=structure, is_referent=True, status="acceptee")
    first_message = contact_message_send(
        structure=structure, sender_user=None, sender_name="Claire", sender_email=SENDER_EMAIL,
        purpose=ContactPurpose.OTHER, body=BODY,
    )  # fmt: skip
    second_message = contact_message_send(
        structure=structure, sender_user=None, sender_name="Léo", sender_email="leo@exemple.fr",
        purpose=ContactPurpose.OTHER, body=BODY,
    )  # fmt: skip

    contact_message_reply(message=first_message, body="Réponse de Marc.", by=second.user)
    contact_message_reply(message=second_message, body="Réponse sans compte.", by=AnonymousUser())

    first_message.refresh_from_db()
    second_message.refresh_from_db()
    assert (first_message.replied_from, first_message.replied_by_id) == (
        "marc.second@exemple.fr",
        second.user_id,
    )
    # Not signed in: the first référent's address.
    assert (second_message.replied_from, second_message.replied_by_id) == (
        "regine.referente@exemple.fr",
        None,
    )


@pytest.mark.parametrize("route", ["directory:contact_reply", "directory:contact_abuse"])
def test_unknown_malformed_and_purged_links_answer_404_in_french(client, professional, route):
    message, token = send_to(professional)
    message.delete()  # what the purge does after the retention period

    for candidate in (token, "a" * 43, "court", "x" * 200):
        response = client.get(reverse(route, args=[candidate]))
        assert response.status_code == 404
        assert "Ce lien n'est pas valable" in response.content.decode()


def test_secret_links_are_throttled_and_guarded(client, professional):
    _message, token = send_to(professional)

    statuses = {
        client.get(reverse("directory:contact_reply", args=["a" * 43])).status_code for _ in range(31)
    }
    genuine = client.get(reverse("directory:contact_reply", args=[token]))

    assert statuses == {404, 429}
    assert genuine.status_code == 200  # a genuine link is never refused
    assert genuine["Cache-Control"].startswith("max-age=0")


# --- Abuse reports ------------------------------------------------------------------------------------------


def test_abuse_report_reaches_the_staff_list(
    client, professional, staff_client, partner_client, django_capture_on_commit_callbacks
):
    message, token = send_to(professional)
    url = reverse("directory:contact_abuse", args=[token])

    form = client.get(url)
    empty = client.post(url, {"reason": ""})
    with django_capture_on_commit_callbacks(execute=True):
        reported = client.post(url, {"reason": "Publicité déguisée."})
    again = client.post(url, {"reason": "Encore."})

    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    assert (
        empty.status_code == 400 and "Dites en quelques mots ce qui pose problème." in empty.content.decode()
    )
    assert reported.status_code == 302
    assert again.status_code == 400
    assert "Ce message a déjà été signalé" in again.content.decode()
    assert "Ce message a été signalé le" in client.get(url).content.decode()
    message.refresh_from_db()
    assert message.abuse_reason == "Publicité déguisée."
    assert message.abuse_reported_at is not None
    alert = OutgoingEmail.objects.get(template="directory/emails/contact_abuse_reported")
    assert alert.to == [django_settings.STAFF_EMAIL]
    assert SENDER_EMAIL not in alert.body_text + alert.subject
    assert (open_abuse_reports_count(), oldest_open_abuse_report()) == (1, message)
    staff_page = staff_client.get(reverse("directory:abuse_reports")).content.decode()
    for text in (
        "Claire Roussel",
        SENDER_EMAIL,
        "Hugo Roux",
        BODY,
        "Publicité déguisée.",
        "1 signalement à traiter",
    ):
        assert text in staff_page
    assert partner_client.get(reverse("directory:abuse_reports")).status_code == 403
    assert Client().get(reverse("directory:abuse_reports")).status_code == 302


def test_staff_marks_a_report_handled(professional, staff_user, staff_client, partner_client):
    message, _token = send_to(professional)
    contact_message_report_abuse(message=message, reason="Insistant.")

    refused = partner_client.post(reverse("directory:abuse_report_handle", args=[message.pk]))
    response = staff_client.post(reverse("directory:abuse_report_handle", args=[message.pk]), follow=True)

    assert refused.status_code == 403
    assert "Le signalement est marqué comme traité." in response.content.decode()
    message.refresh_from_db()
    assert message.abuse_handled_by_id == staff_user.pk
    assert message.abuse_handled_at is not None
    assert (open_abuse_reports_count(), oldest_open_abuse_report()) == (0, None)
    assert "Aucun signalement à traiter." in response.content.decode()
    assert "Traités récemment" in response.content.decode()


def test_oldest_open_report_comes_first(professional, patient):
    first, _ = send_to(professional)
    second, _ = send_to(professional, sender_email="autre@exemple.fr")
    contact_message_report_abuse(message=second, reason="Deuxième.")
    contact_message_report_abuse(message=first, reason="Premier.")
    ContactMessage.objects.filter(pk=first.pk).update(abuse_reported_at=timezone.now() + timedelta(minutes=5))

    assert oldest_open_abuse_report() == second
    assert open_abuse_reports_count() == 2


# --- Preferences ------------------------------------------------------------------------------------------


def test_preferences_show_the_default_and_save_the_choice(patient):
    client = client_for(patient.user)
    url = reverse("directory:contact_preferences")

    page = client.get(url).content.decode()
    response = client.post(url, {"person_policy": ContactPolicy.NOBODY})

    assert "Par défaut : les partenaires connectés" in page
    assert response.status_code == 302
    assert Person.objects.get(pk=patient.pk).accepts_messages == ContactPolicy.NOBODY
    # The result card follows at once: no « Contacter » on the list any more.
    assert Entry.objects.get(person=patient).card_partners["contact"] == ""
    assert client.post(url, {"person_policy": ""}).status_code == 302
    assert Person.objects.get(pk=patient.pk).accepts_messages == ""
    assert Entry.objects.get(person=patient).card_public["contact"] == ContactPolicy.PARTNERS


def test_preferences_of_a_professional_default_to_everyone(professional):
    page = client_for(professional.user).get(reverse("directory:contact_preferences")).content.decode()

    assert "Par défaut : tout le monde" in page


def test_referent_chooses_the_structure_policy(structure, referent):
    client = client_for(referent.user)
    url = reverse("directory:contact_preferences")
    field = f"structure_{structure.pk}"

    page = client.get(url).content.decode()
    response = client.post(url, {"person_policy": "", field: ContactPolicy.PARTNERS})
    invalid = client.post(url, {"person_policy": "", field: "nimporte"})

    assert "Qui peut écrire à « Maison de santé de Castres » ?" in page
    assert response.status_code == 302
    assert Structure.objects.get(pk=structure.pk).accepts_messages == ContactPolicy.PARTNERS
    assert Entry.objects.get(structure=structure).card_public["contact"] == ContactPolicy.PARTNERS
    assert invalid.status_code == 400
    assert Structure.objects.get(pk=structure.pk).accepts_messages == ContactPolicy.PARTNERS


def test_preferences_ignore_structures_one_is_not_referent_of(structure, professional):
    client = client_for(professional.user)

    client.post(
        reverse("directory:contact_preferences"),
        {"person_policy": "", f"structure_{structure.pk}": ContactPolicy.NOBODY},
    )

    assert Structure.objects.get(pk=structure.pk).accepts_messages == ContactPolicy.EVERYONE


def test_preferences_without_a_profile_explain_and_link_to_registration(partner_client):
    response = partner_client.get(reverse("directory:contact_preferences"))
    posted = partner_client.post(reverse("directory:contact_preferences"), {"person_policy": "tous"})

    assert response.status_code == 200
    assert "Vous n'avez pas encore de fiche dans l'annuaire" in response.content.decode()
    assert reverse("directory:register_person", args=["identite"]) in response.content.decode()
    assert posted.status_code == 200


def test_preferences_need_an_account(client):
    response = client.get(reverse("directory:contact_preferences"))

    assert response.status_code == 302
    assert response["Location"].startswith("/compte/connexion/")


def test_my_profiles_links_to_preferences(professional):
    page = client_for(professional.user).get(reverse("directory:my_profiles")).content.decode()

    assert reverse("directory:contact_preferences") in page


# --- The patient partners page -----------------------------------------------------------------------------


def patient_partner(n: int, policy: str = "") -> Person:
    person = make_person(
        user=UserFactory(email=f"pp{n}@exemple.fr"), first_name=f"Patiente{n}", last_name="Partenaire"
    )
    if policy:
        set_policy(person, policy)
        from directory.indexing import index_persons

        index_persons([person.pk])
    return person


def contact_links(page: str) -> set[str]:
    return set(re.findall(r'href="(/annuaire/personnes/\d+/contacter/)"', page))


def test_patient_partners_cards_show_contact_for_the_viewer(client, partner_client):
    default = patient_partner(1)
    everyone = patient_partner(2, ContactPolicy.EVERYONE)
    patient_partner(3, ContactPolicy.NOBODY)
    url = reverse("directory:patient_partners")

    anonymous = client.get(url).content.decode()
    signed_in = partner_client.get(url).content.decode()

    def link(person):
        return reverse("directory:contact_person", args=[person.pk])

    assert contact_links(anonymous) == {link(everyone)}
    assert contact_links(signed_in) == {link(default), link(everyone)}
    assert "Écrivez à l'équipe du COPS" not in anonymous
    assert "le bouton « Contacter » leur transmet votre message" in anonymous


def test_patient_partners_query_count_does_not_grow_with_contact_buttons(
    partner_client, django_assert_max_num_queries
):
    url = reverse("directory:patient_partners")
    for n in range(2):
        patient_partner(n, ContactPolicy.EVERYONE)
    partner_client.get(url)  # warm the per-process caches
    with django_assert_max_num_queries(25) as small:
        first = partner_client.get(url)
    with_2 = len(small.captured_queries)

    for n in range(2, 12):
        patient_partner(n, ContactPolicy.EVERYONE if n % 2 else "")
    partner_client.get(url)
    with django_assert_max_num_queries(with_2):
        second = partner_client.get(url)

    assert len(contact_links(first.content.decode())) == 2
    assert len(contact_links(second.content.decode())) == 12


# --- Privacy: export, erasure, retention -------------------------------------------------------------------


def test_export_shows_the_other_address_only_after_the_reply(professional):
    sender = UserFactory(email=SENDER_EMAIL, first_name="Claire", last_name="Roussel")
    message = contact_message_send(
        person=professional, sender_user=sender, sender_name="Claire Roussel", sender_email=SENDER_EMAIL,
        purpose=ContactPurpose.PROJECT, body=BODY,
    )  # fmt: skip

    before = personal_data_export(user=professional.user)["donnees"]["directory.ContactMessage"]["lignes"]
    sent = personal_data_export(user=sender)["donnees"]["directory.ContactMessage"]["lignes"]
    contact_message_reply(message=message, body="Oui.", by=professional.user)
    after = personal_data_export(user=professional.user)["donnees"]["directory.ContactMessage"]["lignes"]

    assert len(before) == 1 and SENDER_EMAIL not in str(before)
    assert (before[0]["body"], before[0]["destinataire"], before[0]["adresse_expediteur"]) == (
        BODY,
        "Hugo Roux",
        "",
    )
    assert len(sent) == 1 and "hugo.roux@exemple.fr" not in str(sent)
    assert after[0]["adresse_expediteur"] == SENDER_EMAIL
    assert after[0]["reply"] == "Oui."


def test_account_deletion_deletes_the_messages_sent_and_received(professional, patient):
    sender = UserFactory(email=SENDER_EMAIL)
    sent = contact_message_send(
        person=professional, sender_user=sender, sender_name="Claire", sender_email=SENDER_EMAIL,
        purpose=ContactPurpose.OTHER, body=BODY,
    )  # fmt: skip
    received = contact_message_send(
        person=professional, sender_user=None, sender_name="Léo", sender_email="leo@exemple.fr",
        purpose=ContactPurpose.OTHER, body=BODY,
    )  # fmt: skip
    other = contact_message_send(
        person=patient, sender_user=professional.user, sender_name="Hugo", sender_email="x@exemple.fr",
        purpose=ContactPurpose.OTHER, body=BODY,
    )  # fmt: skip

    counts = account_delete(user=sender, notify=False)

    assert counts["contact_messages_deleted"] == 1
    assert not ContactMessage.objects.filter(pk=sent.pk).exists()
    assert set(ContactMessage.objects.values_list("pk", flat=True)) == {received.pk, other.pk}
    counts = account_delete(user=professional.user, notify=False)
    assert counts["contact_messages_deleted"] == 2  # received by the profile, and sent by the account
    assert ContactMessage.objects.count() == 0


def test_messages_are_purged_after_their_retention(professional, settings):
    settings.RETENTION_CONTACT_MESSAGE_DAYS = 90
    now = timezone.now()
    old, old_token = send_to(professional)
    recent, _ = send_to(professional, sender_email="recent@exemple.fr")
    ContactMessage.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=90, seconds=1))
    ContactMessage.objects.filter(pk=recent.pk).update(
        created_at=now - timedelta(days=90) + timedelta(seconds=1)
    )

    counts = expired_data_purge(now=now)

    assert counts["contact_messages"] == 1
    assert list(ContactMessage.objects.values_list("pk", flat=True)) == [recent.pk]
    assert Client().get(reverse("directory:contact_reply", args=[old_token])).status_code == 404


def test_privacy_page_lists_the_retention_of_relayed_messages(client, settings):
    settings.RETENTION_CONTACT_MESSAGE_DAYS = 90

    page = client.get(reverse("platform:privacy")).content.decode()

    assert (
        "les messages transmis par l'annuaire (« Contacter ») et leurs réponses, 90 jours après l'envoi"
        in page
    )
