"""The staff's message to everyone registered to an event: one email each through the outbox, the
waiting list only if chosen, a record shown on the page; refusals in French with nothing sent; the
same form sent twice sends once."""

import uuid

import pytest
from django.core import mail
from django.urls import reverse

from actors.charter_enums import RegistrationStatus
from actors.events.messages import event_message_send
from actors.models.events import EventMessage
from cops.models import OutgoingEmail
from tests.actors.test_event_attendance import add_participant, make_event

TEMPLATE = "actors/events/emails/staff_message"


@pytest.fixture
def event(db):
    event = make_event(days=5, title="Atelier des binômes")
    add_participant(event, "Anne", "anne@exemple.fr")
    add_participant(event, "Basile", "basile@exemple.fr")
    add_participant(event, "Chloé", "chloe@exemple.fr", status=RegistrationStatus.WAITING)
    add_participant(event, "Denis", "denis@exemple.fr", status=RegistrationStatus.CANCELLED)
    add_participant(event, "Émile", "emile@exemple.fr", status=RegistrationStatus.UNVERIFIED)
    return event


def recipients() -> list[str]:
    return sorted(e.to[0] for e in OutgoingEmail.objects.filter(template=TEMPLATE))


def post(client, event, **data):
    page = client.get(reverse("events:staff_messages", args=[event.pk]))
    key = page.context["form"].initial["client_key"]
    fields = {"audience": "inscrits", "subject": "", "body": "", "client_key": key, **data}
    return client.post(reverse("events:staff_messages", args=[event.pk]), fields, follow=True), key


def test_the_message_goes_once_to_each_confirmed_person_and_is_recorded(
    staff_client, staff_user, event, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page, key = post(
            staff_client, event, subject="Changement de salle", body="Rendez-vous en salle 2.\nMerci !"
        )

    assert "Le message est envoyé à 2 personne(s)." in page.content.decode()
    assert recipients() == ["anne@exemple.fr", "basile@exemple.fr"]
    email = next(m for m in mail.outbox if m.to == ["anne@exemple.fr"])
    assert email.subject == "Changement de salle — Atelier des binômes"
    assert "Bonjour Anne,\n\nRendez-vous en salle 2.\nMerci !" in email.body
    assert "/agenda/inscription/" in email.body  # the personal link to manage one's registration
    message = EventMessage.objects.get()
    assert (message.event, message.subject, message.audience, message.recipient_count, message.sent_by) == (
        event,
        "Changement de salle",
        "inscrits",
        2,
        staff_user,
    )
    assert str(message.client_key) == str(key)
    assert "Changement de salle" in page.content.decode()  # listed among the messages sent


def test_with_the_waiting_list_and_the_same_form_twice_sends_once(staff_client, event):
    key = uuid.uuid4()
    fields = {"audience": "inscrits_attente", "subject": "Infos", "body": "Bonjour à tous", "client_key": key}

    first = staff_client.post(reverse("events:staff_messages", args=[event.pk]), fields, follow=True)
    second = staff_client.post(reverse("events:staff_messages", args=[event.pk]), fields, follow=True)

    assert "Le message est envoyé à 3 personne(s)." in first.content.decode()
    assert "Ce message était déjà envoyé : il n&#x27;est pas reparti." in second.content.decode()
    assert recipients() == ["anne@exemple.fr", "basile@exemple.fr", "chloe@exemple.fr"]
    assert EventMessage.objects.count() == 1


@pytest.mark.parametrize(
    ("subject", "body", "error"),
    [
        ("", "Un message", "Indiquez l&#x27;objet du message."),
        ("Un objet", "   ", "Écrivez le message."),
    ],
)
def test_an_empty_subject_or_message_is_refused_and_nothing_sent(staff_client, event, subject, body, error):
    page, _key = post(staff_client, event, subject=subject, body=body)

    assert page.status_code == 400
    assert error in page.content.decode()
    assert OutgoingEmail.objects.count() == 0
    assert EventMessage.objects.count() == 0


def test_nobody_registered_is_refused_and_nothing_recorded(staff_user, db):
    empty = make_event(days=5)
    add_participant(empty, "Chloé", "chloe@exemple.fr", status=RegistrationStatus.WAITING)

    with pytest.raises(Exception) as refused:
        event_message_send(
            event=empty,
            subject="Infos",
            body="Bonjour",
            audience="inscrits",
            client_key=uuid.uuid4(),
            by=staff_user,
        )

    assert "Personne n'est inscrit" in str(refused.value)
    assert EventMessage.objects.count() == 0
    assert OutgoingEmail.objects.count() == 0


def test_the_page_is_for_the_staff_and_counts_its_queries(
    client, partner_client, staff_client, event, staff_user, django_assert_max_num_queries
):
    for n in range(5):
        event_message_send(
            event=event,
            subject=f"Message {n}",
            body="Texte",
            audience="inscrits",
            client_key=uuid.uuid4(),
            by=staff_user,
        )
    url = reverse("events:staff_messages", args=[event.pk])

    with django_assert_max_num_queries(15):
        page = staff_client.get(url)

    assert page.status_code == 200
    assert page.content.decode().count("Lire le message") == 5
    assert "2 personnes inscrites · 3 avec la liste d’attente" in page.content.decode()
    assert partner_client.get(url).status_code == 403
    assert client.get(url).status_code == 302
