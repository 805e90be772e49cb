"""Secret links cannot be guessed: long random tokens, stored hashed, throttled, kept out of logs.

Every URL that carries a secret (barometer personal, "resume later" and unsubscribe links,
self-assessment invitations, accompaniment evaluation links, directory accuracy confirmations,
the contact relay's answer and report links, email verification, password reset) is tried with 10,000 random tokens of the right format:
none opens anything, and one address is refused with a French 429 page after thirty failed
tries, while a genuine link still works, from that address too.

Each request costs ~35 ms here (the shared limiter's count under its advisory lock, then a
page), so the first 60 of the 10,000 guesses go through the test client, which shows the limit
at work; all 10,000 are checked against the same look-up the view makes (hash, signature or
token check), which shows that none of them would have hit.
"""

import hashlib
import logging
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail, signing
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accompaniment.enums import EvaluationKind
from accompaniment.models import Evaluation, EvaluationLink
from accompaniment.questionnaires import default_questions
from accompaniment.services.evaluations import evaluation_launch
from actors.charter_enums import EventKind
from actors.enums import ContactPolicy
from actors.events import services as event_services
from actors.models import Committee, Meeting, MeetingParticipant, Person, User
from actors.services import committees as committee_services
from actors.services.accounts import user_send_verification
from actors.tokens import email_verification_token
from barometer.enums import DeliveryStatus
from barometer.models import Delivery, Response, SendingRound
from barometer.services import sending
from barometer.services.answering import response_issue_resume_key, response_start
from cops.mail import deliver
from cops.models import OutgoingEmail
from cops.ratelimit import SECRET_LINK_RATE, Rate
from cops.security import redact_secret_links
from directory.models import ContactMessage
from directory.services.contact import contact_message_send, contact_preferences_save
from directory.services.profiles import ACCURACY_SALT, accuracy_token
from selfassess.models import Participant
from selfassess.services import participant_invite
from tests.factories.accompaniment import ParticipantFactory as AccompanimentParticipantFactory
from tests.factories.accompaniment import make_accompaniment
from tests.factories.actors import UnverifiedUserFactory, UserFactory
from tests.factories.barometer import CampaignFactory, make_invitation, make_questionnaire
from tests.factories.charter import make_meeting
from tests.factories.directory import make_person
from tests.factories.selfassess import AssessmentSessionFactory
from tests.workers import database_url_for_tests, free_port

pytestmark = pytest.mark.django_db

GUESSES = 10_000
THROUGH_CLIENT = 60
LIMIT = Rate.parse(SECRET_LINK_RATE).limit
GUESSER = "203.0.113.66"
SOMEONE_ELSE = "198.51.100.20"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def link_in(text: str, prefix: str) -> str:
    """The path of the first link under `prefix` in an email's text."""
    return re.search(rf"http://testserver({re.escape(prefix)}\S+?/)(?=\s|$)", text).group(1)


def emailed_text(to: str) -> str:
    """The text of the last email sent to `to`. Outbox emails are delivered first, as the worker
    would: delivery clears their text, so the database keeps no link."""
    for email_id in OutgoingEmail.objects.filter(to=[to], sent_at__isnull=True).values_list("pk", flat=True):
        assert deliver(email_id)
    return [m.body for m in mail.outbox if to in m.to][-1]


# --- The secret links, each obtained as its owner receives it ------------------------------------


@dataclass
class SecretLink:
    path: str  # the genuine link's path, as emailed
    token: str  # its secret
    guess_path: Callable[[str], str]  # the path a guess is sent to
    guess: Callable[[], str]  # a random token of the right format
    hits: Callable[[list[str]], int]  # how many guesses the view's own look-up would accept
    refusal: int  # the status of a wrong guess
    opened: Callable[[object], bool]  # did the genuine link work?
    stored_hash: Callable[[], str | None] = lambda: None  # what the database keeps, if anything


def _hash_hits(model, field="token_hash"):
    return lambda guesses: model.objects.filter(**{f"{field}__in": [sha256(g) for g in guesses]}).count()


def barometer_personal_link() -> SecretLink:
    campaign = CampaignFactory()
    questionnaire = make_questionnaire(campaign)
    make_invitation(questionnaire, email="invitee@exemple.fr")
    sending_round = SendingRound.objects.create(
        campaign=campaign, number=0, scheduled_at=timezone.now() - timedelta(minutes=1)
    )
    sending.send_round(round_id=sending_round.pk)
    path = link_in(emailed_text("invitee@exemple.fr"), "/barometre/r/")
    token = path.split("/")[-2]
    return SecretLink(
        path=path,
        token=token,
        guess_path=lambda t: reverse("barometer:personal_link", args=[t]),
        guess=lambda: secrets.token_urlsafe(24),
        hits=_hash_hits(Delivery),
        refusal=404,
        opened=lambda r: r.status_code == 302 and r.url.startswith("/barometre/q/"),
        stored_hash=lambda: Delivery.objects.get().token_hash,
    )


def barometer_unsubscribe_link() -> SecretLink:
    link = barometer_personal_link()
    path = link_in(emailed_text("invitee@exemple.fr"), "/barometre/desinscription/")
    unsubscribe_hits = _hash_hits(Delivery, "unsubscribe_hash")
    # Emails sent before unsubscribe tokens existed: their answering token still unsubscribes.
    legacy_hits = lambda guesses: Delivery.objects.filter(  # noqa: E731
        token_hash__in=[sha256(g) for g in guesses], unsubscribe_hash__isnull=True
    ).count()
    return SecretLink(
        path=path,
        token=path.split("/")[-2],
        guess_path=lambda t: reverse("barometer:unsubscribe", args=[t]),
        guess=link.guess,
        hits=lambda guesses: unsubscribe_hits(guesses) + legacy_hits(guesses),
        refusal=404,
        opened=lambda r: r.status_code == 200 and "désinscri" in r.content.decode().lower(),
        stored_hash=lambda: Delivery.objects.get().unsubscribe_hash,
    )


def barometer_resume_link() -> SecretLink:
    questionnaire = make_questionnaire(CampaignFactory())
    response = response_start(questionnaire=questionnaire, client_key=uuid.uuid4(), invitation=None)
    key = response_issue_resume_key(response=response)
    return SecretLink(
        path=reverse("barometer:resume_link", args=[key]),
        token=key,
        guess_path=lambda t: reverse("barometer:resume_link", args=[t]),
        guess=lambda: secrets.token_urlsafe(24),
        hits=_hash_hits(Response, "resume_key_hash"),
        refusal=404,
        opened=lambda r: r.status_code == 302 and r.url == f"/barometre/q/{questionnaire.public_key}/",
        stored_hash=lambda: Response.objects.get().resume_key_hash,
    )


def selfassess_invitation() -> SecretLink:
    session = AssessmentSessionFactory()
    participant_invite(
        session=session, by=session.facilitator, name="Inès Roux", email="ines@exemple.fr", side="usager"
    )
    path = link_in(emailed_text("ines@exemple.fr"), "/auto-evaluation/invitation/")
    return SecretLink(
        path=path,
        token=path.split("/")[-2],
        guess_path=lambda t: reverse("selfassess:join", args=[t]),
        guess=lambda: secrets.token_urlsafe(32),
        hits=_hash_hits(Participant),
        refusal=404,
        opened=lambda r: r.status_code == 302
        and r.url == f"/auto-evaluation/seances/{session.pk}/mes-reponses/",
        stored_hash=lambda: Participant.objects.get().token_hash,
    )


def accompaniment_evaluation() -> SecretLink:
    accompaniment = make_accompaniment()
    AccompanimentParticipantFactory(accompaniment=accompaniment, email="paul@structure.fr")
    evaluation = Evaluation.objects.create(
        accompaniment=accompaniment,
        kind=EvaluationKind.HOT,
        phase=accompaniment.phases.first(),
        questions=default_questions(EvaluationKind.HOT),
    )
    evaluation_launch(evaluation_id=evaluation.pk)
    path = link_in(emailed_text("paul@structure.fr"), "/accompagnements/evaluation/")
    return SecretLink(
        path=path,
        token=path.split("/")[-2],
        guess_path=lambda t: reverse("accompaniment:evaluation_answer", args=[t]),
        guess=lambda: secrets.token_urlsafe(32),
        hits=_hash_hits(EvaluationLink),
        refusal=404,
        opened=lambda r: r.status_code == 302 and r.url == reverse("accompaniment:evaluation_form"),
        stored_hash=lambda: EvaluationLink.objects.get().token_hash,
    )


def accuracy_confirmation() -> SecretLink:
    person = make_person()
    token = accuracy_token(person)
    payload = token.rsplit(":", 1)[0]

    def hits(guesses):
        accepted = 0
        for guess in guesses:
            try:
                signing.loads(guess, salt=ACCURACY_SALT, max_age=timedelta(days=60))
                accepted += 1
            except signing.BadSignature:
                pass
        return accepted

    return SecretLink(
        path=reverse("directory:confirm_accuracy", args=[token]),
        token=token,
        guess_path=lambda t: reverse("directory:confirm_accuracy", args=[t]),
        # The profile's own payload and date, with a guessed signature: the hardest guess.
        guess=lambda: f"{payload}:{secrets.token_urlsafe(32)}",
        hits=hits,
        refusal=400,
        opened=lambda r: r.status_code == 200 and Person.objects.get(pk=person.pk).accuracy_confirmed_at,
    )


def email_verification() -> SecretLink:
    user = UnverifiedUserFactory(email="nouveau@exemple.fr")
    user_send_verification(user=user)
    path = link_in(emailed_text(user.email), "/compte/verifier/")
    uid, token = path.split("/")[-3:-1]
    timestamp = token.split("-")[0]
    return SecretLink(
        path=path,
        token=token,
        guess_path=lambda t: reverse("actors:verify_email", args=[uid, t]),
        guess=lambda: f"{timestamp}-{secrets.token_hex(16)}",
        hits=lambda guesses: sum(email_verification_token.check_token(user, g) for g in guesses),
        refusal=400,
        opened=lambda r: r.status_code == 302 and User.objects.get(pk=user.pk).is_verified,
    )


def password_reset(client) -> SecretLink:
    user = UserFactory(email="oubli@exemple.fr")
    client.post(reverse("actors:password_reset"), {"email": user.email}, REMOTE_ADDR="192.0.2.99")
    path = link_in(emailed_text(user.email), "/compte/mot-de-passe/nouveau/")
    uid, token = path.split("/")[-3:-1]
    assert uid == urlsafe_base64_encode(force_bytes(user.pk))
    timestamp = token.split("-")[0]
    return SecretLink(
        path=path,
        token=token,
        guess_path=lambda t: reverse("actors:password_reset_confirm", args=[uid, t]),
        guess=lambda: f"{timestamp}-{secrets.token_hex(16)}",
        hits=lambda guesses: sum(default_token_generator.check_token(user, g) for g in guesses),
        refusal=200,  # Django's page saying the link is no longer valid
        opened=lambda r: r.status_code == 302 and r.url.endswith("/set-password/"),
    )


def contact_relay_link() -> SecretLink:
    """contact relay: the link of a relayed message (answer, report), as its recipient receives it."""
    person = make_person(user=UserFactory(email="destinataire@exemple.fr"))
    contact_preferences_save(user=person.user, person_policy=ContactPolicy.EVERYONE)
    contact_message_send(
        person=person,
        sender_user=None,
        sender_name="Expéditeur",
        sender_email="expediteur@exemple.fr",
        purpose="autre",
        body="Bonjour, une question sur votre expérience.",
        enforce_limits=False,
    )
    # The relayed email itself (the recipient also got their profile's publication email).
    relayed = OutgoingEmail.objects.get(template="directory/emails/contact_relayed")
    assert deliver(relayed.pk)
    path = link_in(mail.outbox[-1].body, "/annuaire/messages/")
    return SecretLink(
        path=path,
        token=path.split("/")[-2],
        guess_path=lambda t: reverse("directory:contact_reply", args=[t]),
        guess=lambda: secrets.token_urlsafe(32),
        hits=_hash_hits(ContactMessage),
        refusal=404,
        opened=lambda r: r.status_code == 200
        and "Bonjour, une question sur votre expérience." in r.content.decode(),
        stored_hash=lambda: ContactMessage.objects.get().token_hash,
    )


def contact_abuse_link() -> SecretLink:
    """contact relay: the « signaler un abus » link of the same email."""
    link = contact_relay_link()
    return SecretLink(
        path=reverse("directory:contact_abuse", args=[link.token]),
        token=link.token,
        guess_path=lambda t: reverse("directory:contact_abuse", args=[t]),
        guess=link.guess,
        hits=link.hits,
        refusal=404,
        opened=lambda r: r.status_code == 200 and "Envoyer le signalement" in r.content.decode(),
        stored_hash=link.stored_hash,
    )


def meeting_answer_link() -> SecretLink:
    """The « je viens / je suis excusé·e / je ne viens pas » links of a meeting invitation."""
    group = Committee.objects.get(slug="cotec")
    meeting = make_meeting(group, title="CoTec de printemps")
    committee_services.meeting_participant_add(
        meeting=meeting, name="Inès Roux", email="ines.cotec@exemple.fr", by=UserFactory()
    )
    committee_services.meeting_invitation_send_next(meeting_id=meeting.pk)  # what the task does
    path = re.search(
        r"http://testserver(/comites/invitation/[\w-]+/)\?", emailed_text("ines.cotec@exemple.fr")
    )[1]
    return SecretLink(
        path=path,
        token=path.split("/")[-2],
        guess_path=lambda t: reverse("charter:meeting_answer", args=[t]),
        guess=lambda: secrets.token_urlsafe(32),
        hits=_hash_hits(MeetingParticipant, "response_token_hash"),
        refusal=404,
        opened=lambda r: r.status_code == 200 and "CoTec de printemps" in r.content.decode(),
        stored_hash=lambda: MeetingParticipant.objects.get(meeting=meeting).response_token_hash,
    )


def event_registration_link() -> SecretLink:
    """The personal link of a registration to an event (manage, cancel, calendar file), emailed to
    a person without an account."""
    now = timezone.now()
    event = Meeting.objects.create(
        kind=EventKind.WORKSHOP,
        slug="atelier-des-secrets",
        title="Atelier des secrets",
        starts_at=now + timedelta(days=10),
        ends_at=now + timedelta(days=10, hours=2),
        location="Albi",
        is_public=True,
        registration_open=True,
    )
    participant = event_services.register(event=event, name="Inès Roux", email="ines.atelier@exemple.fr")
    token = event_services.personal_token(participant)
    assert f"/agenda/inscription/{token}/" in emailed_text("ines.atelier@exemple.fr")
    return SecretLink(
        path=reverse("events:manage", args=[token]),
        token=token,
        guess_path=lambda t: reverse("events:manage", args=[t]),
        guess=lambda: secrets.token_urlsafe(32),
        hits=_hash_hits(MeetingParticipant, "response_token_hash"),
        refusal=404,
        opened=lambda r: r.status_code == 200 and "Atelier des secrets" in r.content.decode(),
        stored_hash=lambda: MeetingParticipant.objects.get(meeting=event).response_token_hash,
    )


# --- The newsletter: confirmation, preferences, one-click unsubscribe --------------------------------


def _newsletter_email(address: str) -> str:
    from actors.models import NewsletterTopic
    from actors.newsletter.subscriptions import subscription_request

    subscription_request(email=address, topics=list(NewsletterTopic.objects.all()))
    return emailed_text(address)


def newsletter_confirm_link() -> SecretLink:
    """The « Confirmer mon abonnement » link of the double opt-in email."""
    from actors.models import NewsletterSubscription

    path = link_in(_newsletter_email("lettre.confirmer@exemple.org"), "/lettre/confirmer/")
    return SecretLink(
        path=path,
        token=path.split("/")[-2],
        guess_path=lambda t: reverse("news:confirm", args=[t]),
        guess=lambda: secrets.token_urlsafe(32),
        hits=_hash_hits(NewsletterSubscription, "confirm_token_hash"),
        refusal=404,
        opened=lambda r: r.status_code == 200 and "lettre.confirmer@exemple.org" in r.content.decode(),
        stored_hash=lambda: NewsletterSubscription.objects.get().confirm_token_hash,
    )


def newsletter_preferences_link() -> SecretLink:
    """The preferences link of the same email (the subscription's manage token)."""
    from actors.models import NewsletterSubscription

    path = link_in(_newsletter_email("lettre.preferences@exemple.org"), "/lettre/preferences/")
    return SecretLink(
        path=path,
        token=path.split("/")[-2],
        guess_path=lambda t: reverse("news:preferences", args=[t]),
        guess=lambda: secrets.token_urlsafe(32),
        hits=_hash_hits(NewsletterSubscription, "manage_token_hash"),
        refusal=404,
        opened=lambda r: r.status_code == 200 and "lettre.preferences@exemple.org" in r.content.decode(),
        stored_hash=lambda: NewsletterSubscription.objects.get().manage_token_hash,
    )


def newsletter_unsubscribe_link() -> SecretLink:
    """The one-click unsubscribe link of an issue (List-Unsubscribe): the delivery's own token, as
    the bulk sending engine emails it."""
    from actors.models import NewsletterDelivery, NewsletterIssue, NewsletterSubscription, NewsletterTopic
    from actors.models.newsletter import IssueStatus
    from actors.newsletter.sending import issue_send

    subscription = NewsletterSubscription.objects.create(
        email="lettre.desinscription@exemple.org",
        status="confirmed",
        source="formulaire",
        consented_at=timezone.now(),
    )
    topic = NewsletterTopic.objects.order_by("pk").first()
    subscription.topics.set([topic])
    issue = NewsletterIssue.objects.create(number=901, title="Lettre des secrets", status=IssueStatus.SENDING)
    issue.topics.set([topic])
    assert issue_send(issue_id=issue.pk).sent == 1
    path = link_in(emailed_text("lettre.desinscription@exemple.org"), "/lettre/desinscription/")
    token = path.split("/")[-2]
    return SecretLink(
        path=reverse("news:unsubscribe", args=[token]),
        token=token,
        guess_path=lambda t: reverse("news:unsubscribe", args=[t]),
        guess=lambda: secrets.token_urlsafe(32),
        hits=_hash_hits(NewsletterDelivery, "unsubscribe_hash"),
        refusal=404,
        opened=lambda r: r.status_code == 200 and "lettre.desinscription@exemple.org" in r.content.decode(),
        stored_hash=lambda: NewsletterDelivery.objects.get().unsubscribe_hash,
    )


LINKS = {
    "barometer_personal_link": barometer_personal_link,
    "barometer_unsubscribe": barometer_unsubscribe_link,
    "barometer_resume_link": barometer_resume_link,
    "selfassess_invitation": selfassess_invitation,
    "accompaniment_evaluation": accompaniment_evaluation,
    "directory_accuracy_confirmation": accuracy_confirmation,
    "email_verification": email_verification,
    "password_reset": password_reset,
    "meeting_answer": meeting_answer_link,
    "event_registration": event_registration_link,
    # contact relay
    "directory_contact_reply": contact_relay_link,
    "directory_contact_abuse": contact_abuse_link,
    # the newsletter
    "newsletter_confirm": newsletter_confirm_link,
    "newsletter_preferences": newsletter_preferences_link,
    "newsletter_unsubscribe": newsletter_unsubscribe_link,
}


@pytest.fixture
def secret_link(request, client):
    build = LINKS[request.param]
    link = build(client) if build is password_reset else build()
    mail.outbox.clear()
    return link


# --- Which URLs carry a secret ---------------------------------------------------------------------


def _routes(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _guarded(callback) -> bool:
    view_class = getattr(callback, "view_class", None)
    return getattr(view_class.dispatch if view_class else callback, "secret_link", False)


def test_every_url_with_a_token_is_guarded_against_guessing():
    routes = dict(_routes(get_resolver()))

    with_token = {route for route in routes if re.search(r"<(\w+:)?token>", route)}
    guarded = {route for route, callback in routes.items() if _guarded(callback)}

    assert with_token <= guarded
    assert guarded == {
        "barometre/r/<str:token>/",
        "barometre/reprendre/<str:key>/",
        "barometre/desinscription/<str:token>/",
        "auto-evaluation/invitation/<str:token>/",
        "accompagnements/evaluation/<str:token>/",
        "annuaire/confirmer/<str:token>/",
        "compte/verifier/<uidb64>/<token>/",
        "compte/mot-de-passe/nouveau/<uidb64>/<token>/",
        "comites/invitation/<str:token>/",
        # a registration to an event
        "agenda/inscription/<str:token>/",
        "agenda/inscription/<str:token>/confirmer/",
        "agenda/inscription/<str:token>/agenda.ics",
        "agenda/inscription/<str:token>/attestation.pdf",
        "agenda/arrivee/<str:token>/",
        # contact relay
        "annuaire/messages/<str:token>/",
        "annuaire/messages/<str:token>/signaler/",
        # the newsletter
        "lettre/confirmer/<str:token>/",
        "lettre/preferences/<str:token>/",
        "lettre/desinscription/<str:token>/",
    }


# --- 10,000 guesses per link -----------------------------------------------------------------------


@pytest.mark.parametrize("secret_link", list(LINKS), indirect=True)
def test_ten_thousand_random_guesses_hit_nothing_and_are_refused_after_thirty(client, secret_link):
    guesses = [secret_link.guess() for _ in range(GUESSES)]
    # Right format: as long as the genuine token, from the same alphabet.
    assert {len(guess) for guess in guesses} == {len(secret_link.token)}

    responses = [client.get(secret_link.guess_path(g), REMOTE_ADDR=GUESSER) for g in guesses[:THROUGH_CLIENT]]
    genuine_from_guesser = client.get(secret_link.path, REMOTE_ADDR=GUESSER)
    genuine_elsewhere = client.get(secret_link.path, REMOTE_ADDR=SOMEONE_ELSE)

    statuses = [response.status_code for response in responses]
    assert statuses == [secret_link.refusal] * LIMIT + [429] * (THROUGH_CLIENT - LIMIT)
    assert not any(secret_link.opened(response) for response in responses[:LIMIT])
    retry_after = int(responses[-1]["Retry-After"])
    minutes = -(-retry_after // 60)
    refused = responses[-1].content.decode()
    assert 1 <= retry_after <= 3600
    assert "Un instant, s'il vous plaît" in refused
    assert f"Réessayez dans {minutes} minute" in refused
    assert secret_link.hits(guesses) == 0
    assert len(set(guesses)) == GUESSES
    # A genuine link is never refused, even from the address over its budget (one NAT, one office)...
    assert secret_link.opened(genuine_from_guesser)
    # ...nor is its owner, elsewhere.
    assert secret_link.opened(genuine_elsewhere)


def test_the_guessing_budget_is_shared_by_every_secret_link(client):
    wrong_personal_links = [
        client.get(reverse("barometer:personal_link", args=[secrets.token_urlsafe(24)]), REMOTE_ADDR=GUESSER)
        for _ in range(LIMIT)
    ]

    other_kinds = [
        client.get(reverse("selfassess:join", args=[secrets.token_urlsafe(32)]), REMOTE_ADDR=GUESSER),
        client.get(
            reverse("accompaniment:evaluation_answer", args=[secrets.token_urlsafe(32)]), REMOTE_ADDR=GUESSER
        ),
        client.post(reverse("barometer:unsubscribe", args=[secrets.token_urlsafe(24)]), REMOTE_ADDR=GUESSER),
    ]

    assert [r.status_code for r in wrong_personal_links] == [404] * LIMIT
    assert [r.status_code for r in other_kinds] == [429, 429, 429]


def test_a_forged_forwarded_for_header_does_not_buy_a_fresh_budget(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1  # one reverse proxy, which appends the address it saw

    statuses = [
        client.get(
            reverse("barometer:personal_link", args=[secrets.token_urlsafe(24)]),
            REMOTE_ADDR="10.0.0.2",  # the proxy
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n % 250}, {GUESSER}",  # forged part, then what the proxy saw
        ).status_code
        for n in range(LIMIT + 5)
    ]

    assert statuses == [404] * LIMIT + [429] * 5


def test_genuine_links_opened_from_one_address_use_none_of_its_budget(client):
    questionnaire = make_questionnaire(CampaignFactory())
    paths = []
    for n in range(LIMIT + 10):
        invitation = make_invitation(questionnaire, email=f"agent{n}@chu.exemple.fr")
        raw = secrets.token_urlsafe(24)
        Delivery.objects.create(
            invitation=invitation,
            round=0,
            status=DeliveryStatus.SENT,
            token_hash=sha256(raw),
            sent_at=timezone.now(),
        )
        paths.append(reverse("barometer:personal_link", args=[raw]))

    genuine = [client.get(path, REMOTE_ADDR="192.0.2.10").status_code for path in paths]  # one hospital's NAT
    wrong = [
        client.get(
            reverse("barometer:personal_link", args=[secrets.token_urlsafe(24)]), REMOTE_ADDR="192.0.2.10"
        )
        for _ in range(LIMIT + 1)
    ]

    assert genuine == [302] * (LIMIT + 10)
    assert [r.status_code for r in wrong] == [404] * LIMIT + [429]


def test_a_valid_link_still_opens_from_an_address_over_its_guessing_budget(client):
    """One address guessing (or one colleague mistyping) must not lock a whole office behind its
    NAT out of their genuine links: only failed look-ups count, and a match is never refused."""
    questionnaire = make_questionnaire(CampaignFactory())
    invitation = make_invitation(questionnaire, email="agent@chu.exemple.fr")
    raw = secrets.token_urlsafe(24)
    Delivery.objects.create(
        invitation=invitation,
        round=0,
        status=DeliveryStatus.SENT,
        token_hash=sha256(raw),
        sent_at=timezone.now(),
    )
    wrong_path = lambda: reverse("barometer:personal_link", args=[secrets.token_urlsafe(24)])  # noqa: E731
    wrong = [client.get(wrong_path(), REMOTE_ADDR="192.0.2.10").status_code for _ in range(LIMIT + 1)]

    genuine = client.get(reverse("barometer:personal_link", args=[raw]), REMOTE_ADDR="192.0.2.10")
    wrong_after = client.get(wrong_path(), REMOTE_ADDR="192.0.2.10")

    assert wrong == [404] * LIMIT + [429]
    assert genuine.status_code == 302
    assert wrong_after.status_code == 429


# --- Entropy, storage, comparison ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret_link", "minimum_length"),
    [
        ("barometer_personal_link", 32),  # token_urlsafe(24): 192 bits
        ("barometer_resume_link", 32),
        ("selfassess_invitation", 43),  # token_urlsafe(32): 256 bits
        ("accompaniment_evaluation", 43),
        ("directory_contact_reply", 43),  # contact relay: cops.tokens.new_token(), 256 bits
        ("newsletter_confirm", 43),  # the newsletter: cops.tokens.new_token(), 256 bits
        ("newsletter_preferences", 43),
        ("newsletter_unsubscribe", 43),
    ],
    indirect=["secret_link"],
)
def test_random_tokens_carry_at_least_128_bits_and_only_their_sha256_is_stored(secret_link, minimum_length):
    token = secret_link.token
    tables = _text_columns()

    holding_raw = _columns_holding(token, tables)

    assert len(token) >= minimum_length >= 22  # 22 url-safe characters = 128 bits
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert secret_link.stored_hash() == sha256(token)
    assert holding_raw == []
    assert len(tables) > 50  # the search did look through the schema


@pytest.mark.parametrize("secret_link", ["email_verification", "password_reset"], indirect=True)
def test_account_tokens_are_keyed_hashes_of_128_bits_that_are_not_stored(secret_link):
    timestamp, digest = secret_link.token.split("-")

    assert re.fullmatch(r"[0-9a-f]{32}", digest)  # 32 hex digits: 128 bits of HMAC-SHA256
    assert _columns_holding(digest, _text_columns()) == []


def test_accuracy_confirmations_are_signed_with_256_bits():
    person = make_person()

    token = accuracy_token(person)

    assert len(token.rsplit(":", 1)[1]) == 43  # base64 of an HMAC-SHA256
    assert _columns_holding(token.rsplit(":", 1)[1], _text_columns()) == []


def test_lookups_compare_hashes_or_digests_in_constant_time():
    """Read from the code: a lookup by the token's SHA-256 (an index lookup on a value the guesser
    cannot steer), hmac.compare_digest, or Django's constant_time_compare inside check_token/signing."""
    from inspect import getsource

    from django.contrib.auth.tokens import PasswordResetTokenGenerator
    from django.core.signing import Signer

    import accompaniment.services.evaluations as accompaniment_lookup
    import barometer.services.invitations as barometer_invitations
    import barometer.views.answering as barometer_views
    import cops.tokens as secret_tokens
    import directory.selectors.contact as contact_lookup
    import selfassess.selectors as selfassess_lookup

    assert "hmac.compare_digest" in getsource(secret_tokens.matches)
    assert "token_hash=tokens.hash_token(token)" in getsource(barometer_views.personal_link)
    assert "resume_key_hash=tokens.hash_token(key)" in getsource(barometer_views.resume_link)
    assert "tokens.hash_token(token)" in getsource(barometer_views.unsubscribe)
    assert "unsubscribe_hash=token_hash" in getsource(barometer_invitations.invitation_for_unsubscribe_token)
    assert "token_hash=hash_token(token)" in getsource(selfassess_lookup.participant_by_token)
    assert "token_hash=tokens.hash_token(raw_token)" in getsource(accompaniment_lookup.evaluation_link_lookup)
    # contact relay: looked up by the hash, then compared in constant time.
    assert "token_hash=tokens.hash_token(raw)" in getsource(contact_lookup.contact_message_from_token)
    assert "tokens.matches(raw, message.token_hash)" in getsource(contact_lookup.contact_message_from_token)
    assert "constant_time_compare" in getsource(PasswordResetTokenGenerator.check_token)
    assert "constant_time_compare" in getsource(Signer.unsign)


def _text_columns() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND data_type IN ('text', 'character varying', 'jsonb', 'json')"
        )
        return cursor.fetchall()


def _columns_holding(value: str, columns: list[tuple[str, str]]) -> list[str]:
    found = []
    with connection.cursor() as cursor:
        for table, column in columns:
            cursor.execute(
                f'SELECT 1 FROM "{table}" WHERE strpos("{column}"::text, %s) > 0 LIMIT 1',  # noqa: S608
                [value],
            )
            if cursor.fetchone():
                found.append(f"{table}.{column}")
    return found


# --- Out of the address bar, the page and the logs -------------------------------------------------


@pytest.mark.parametrize(
    "secret_link",
    [
        "barometer_personal_link",
        "selfassess_invitation",
        "accompaniment_evaluation",
        "email_verification",
        "password_reset",
    ],
    indirect=True,
)
def test_personal_links_redirect_to_a_url_without_the_token(client, secret_link, caplog):
    caplog.set_level(logging.DEBUG)

    response = client.get(secret_link.path, REMOTE_ADDR=SOMEONE_ELSE, follow=True)

    assert response.redirect_chain, "the link must send the browser on"
    final_url = response.redirect_chain[-1][0]
    assert secret_link.token not in final_url
    assert response.status_code == 200
    assert secret_link.token not in response.content.decode()
    assert secret_link.token not in caplog.text
    assert all(secret_link.token not in str(record.__dict__) for record in caplog.records)


@pytest.mark.parametrize("secret_link", list(LINKS), indirect=True)
def test_secret_links_never_reach_the_logs_even_when_refused(client, secret_link, caplog):
    caplog.set_level(logging.DEBUG)
    for _ in range(LIMIT):  # this address is now over its budget: its next wrong guess gets a 429
        client.get(secret_link.guess_path(secret_link.guess()), REMOTE_ADDR=GUESSER)
    late_guess = secret_link.guess()

    refused = client.get(secret_link.guess_path(late_guess), REMOTE_ADDR=GUESSER)
    opened = client.get(secret_link.path, REMOTE_ADDR=SOMEONE_ELSE)
    Client(enforce_csrf_checks=True).post(secret_link.path, REMOTE_ADDR=SOMEONE_ELSE)  # CSRF refusal logged
    logging.getLogger("django.server").info('"%s" %s %s', f"GET {secret_link.path} HTTP/1.1", "429", "12")

    assert refused.status_code == 429
    assert secret_link.opened(opened)
    assert "Too Many Requests: " in caplog.text  # django.request did log the refusal...
    assert late_guess not in caplog.text  # ...with the secret masked
    assert secret_link.token not in caplog.text
    assert all(secret_link.token not in str(record.__dict__) for record in caplog.records)
    assert all(late_guess not in str(record.__dict__) for record in caplog.records)
    assert "[secret]" in caplog.text


@pytest.mark.django_db(transaction=True)  # the server counts the miss in its own transaction: flushed after
def test_gunicorn_access_log_masks_secret_links(tmp_path):
    """A real gunicorn, started from the project's root as the image starts it: it reads
    gunicorn.conf.py there, whose logger masks the secret in the request line and the Referer."""
    token = secrets.token_urlsafe(24)  # the server's own process sees no test data: any token will do
    path = reverse("barometer:personal_link", args=[token])
    port = free_port()
    access_log = tmp_path / "access.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cops.settings",
        "DATABASE_URL": database_url_for_tests(),
    }
    command = [
        sys.executable, "-m", "gunicorn", "cops.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--access-logfile", str(access_log),
    ]  # fmt: skip
    server = subprocess.Popen(
        command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        statuses = []
        deadline = time.monotonic() + 60
        while not statuses and time.monotonic() < deadline:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}{path}", headers={"Referer": f"http://127.0.0.1:{port}{path}"}
                )
                statuses.append(urllib.request.urlopen(request, timeout=10).status)  # noqa: S310 (loopback)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)
            except (ConnectionError, urllib.error.URLError):
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=20)

    line = access_log.read_text()
    assert statuses == [404]
    assert token not in line
    assert line.count("/barometre/r/[secret]/") == 2  # the request line and the Referer


def test_redaction_masks_only_the_secret_part_of_a_path():
    text = (
        '"GET /barometre/r/AbC-12_xyz/ HTTP/1.1" 404; /compte/verifier/MTI/cde-0123abcd/ '
        "/compte/mot-de-passe/nouveau/MQ/set-password/ /annuaire/personnes/12/ /barometre/q/public-key/"
    )

    assert redact_secret_links(text) == (
        '"GET /barometre/r/[secret]/ HTTP/1.1" 404; /compte/verifier/MTI/[secret]/ '
        "/compte/mot-de-passe/nouveau/MQ/[secret]/ /annuaire/personnes/12/ /barometre/q/public-key/"
    )


# --- The directory's limits count the client as cops.security.client_ip does -------------------------


def test_directory_limits_count_the_client_behind_the_proxy_not_the_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.RATE_LIMITS = {"directory.search": (2, 60)}
    url = reverse("directory:list")

    def search(visitor):
        return client.get(
            url, {"q": "hôpital"}, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=visitor
        ).status_code

    first_visitor = [search("192.0.2.1") for _ in range(3)]
    second_visitor = search("192.0.2.2")  # same proxy address, another client
    forged = search("192.0.2.77, 192.0.2.1")  # a forged left part changes nothing

    assert first_visitor == [200, 200, 429]
    assert second_visitor == 200
    assert forged == 429
