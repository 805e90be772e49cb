"""Subscriptions to « La lettre du COPS »: double opt-in (pending until the emailed link is
posted), no enumeration, at most one email per hour, honeypot and rate limits, preferences and
one-click unsubscribe (RFC 8058, without CSRF), Mon espace's one click, privacy and purge."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from actors.models import NewsletterDelivery, NewsletterIssue, NewsletterSubscription, NewsletterTopic
from actors.models.newsletter import SubscriptionSource, SubscriptionStatus
from actors.newsletter import subscriptions as subs
from actors.privacy import newsletter_unconfirmed_purge, newsletter_unsubscribed_purge
from cops.personal_data import account_delete, personal_data_export
from cops.retention import expired_data_purge
from cops.tokens import new_token
from tests.factories.news import make_subscription, topic

CONFIRM_LINK = re.compile(rf"{re.escape(settings.SITE_URL)}/lettre/confirmer/([A-Za-z0-9_-]+)/")
PREFERENCES_LINK = re.compile(rf"{re.escape(settings.SITE_URL)}/lettre/preferences/([A-Za-z0-9_-]+)/")


@pytest.fixture
def post_form(client, django_capture_on_commit_callbacks):
    """Post the subscription form and deliver its emails as a commit would."""

    def run(data=None, **extra):
        form = {"email": "Lectrice@Exemple.org", "topics": [topic("evenements").pk, topic("barometre").pk]}
        form.update(data or {})
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("news:subscribe"), form, **extra)

    return run


def confirm_token(message) -> str:
    return CONFIRM_LINK.search(message.body).group(1)


# --- Double opt-in ----------------------------------------------------------------------------------------


def test_form_creates_a_pending_subscription_and_sends_the_confirmation_email(post_form, db):
    response = post_form()

    assert response.status_code == 200
    assert "Vérifiez votre boîte aux lettres" in response.content.decode()
    subscription = NewsletterSubscription.objects.get()
    assert (subscription.email, subscription.status, subscription.source, subscription.consented_at) == (
        "lectrice@exemple.org",
        SubscriptionStatus.PENDING,
        SubscriptionSource.FORM,
        None,
    )
    assert [t.slug for t in subscription.topics.order_by("position")] == ["evenements", "barometre"]
    [message] = mail.outbox
    assert message.to == ["lectrice@exemple.org"]
    assert message.subject == "Confirmez votre abonnement à « La lettre du COPS »"
    token = confirm_token(message)
    manage = PREFERENCES_LINK.search(message.body).group(1)
    assert subscription.confirm_token_hash == subs.hash_token(token)
    assert subscription.manage_token_hash == subs.hash_token(manage)
    assert "Les thèmes choisis :\n- Événements et ateliers\n- Baromètre régional\n" in message.body
    assert "Sans confirmation, votre adresse est effacée au bout de 30 jours." in message.body
    assert "Confirmer mon abonnement" in message.alternatives[0][0]


def test_the_link_shows_a_button_and_only_the_post_confirms(post_form, client, db):
    post_form()
    token = confirm_token(mail.outbox[0])
    url = reverse("news:confirm", args=[token])

    page = client.get(url)
    assert NewsletterSubscription.objects.get().status == SubscriptionStatus.PENDING
    response = client.post(url)

    subscription = NewsletterSubscription.objects.get()
    assert "Confirmer mon abonnement" in page.content.decode()
    assert (
        "Merci ! lectrice@exemple.org recevra désormais « La lettre du COPS »." in response.content.decode()
    )
    assert subscription.status == SubscriptionStatus.CONFIRMED
    assert timezone.now() - subscription.consented_at < timedelta(seconds=5)
    assert subscription.source == SubscriptionSource.FORM


def test_a_second_confirmation_changes_nothing(post_form, client, db):
    post_form()
    url = reverse("news:confirm", args=[confirm_token(mail.outbox[0])])
    client.post(url)
    consented_at = NewsletterSubscription.objects.get().consented_at

    response = client.post(url)

    assert "était déjà confirmé : rien n'a changé." in response.content.decode()
    assert NewsletterSubscription.objects.get().consented_at == consented_at


def test_a_known_address_gets_the_same_answer_and_nothing_changes(post_form, db):
    subscription, _raw = make_subscription("lectrice@exemple.org", topics=("projets",))

    response = post_form()

    assert "Vérifiez votre boîte aux lettres" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CONFIRMED
    assert [t.slug for t in subscription.topics.all()] == ["projets"]  # not changed by a stranger
    [message] = mail.outbox
    assert message.subject == "Vous êtes déjà abonné·e à « La lettre du COPS »"
    assert "- Projets et expériences partagées" in message.body
    assert PREFERENCES_LINK.search(message.body)
    assert not CONFIRM_LINK.search(message.body)


def test_asking_again_within_the_hour_sends_nothing_more_then_a_new_link_after(post_form, client, db):
    post_form()
    post_form()
    assert len(mail.outbox) == 1
    first = confirm_token(mail.outbox[0])
    NewsletterSubscription.objects.update(confirmation_sent_at=timezone.now() - timedelta(hours=1, seconds=1))

    post_form()

    assert len(mail.outbox) == 2
    second = confirm_token(mail.outbox[1])
    assert client.get(reverse("news:confirm", args=[first])).status_code == 404
    assert client.get(reverse("news:confirm", args=[second])).status_code == 200
    assert NewsletterSubscription.objects.count() == 1


def test_an_unsubscribed_address_stays_unsubscribed_until_it_confirms_again(post_form, client, db):
    make_subscription("lectrice@exemple.org", status=SubscriptionStatus.UNSUBSCRIBED)

    post_form()

    subscription = NewsletterSubscription.objects.get()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED
    client.post(reverse("news:confirm", args=[confirm_token(mail.outbox[0])]))
    subscription.refresh_from_db()
    assert (subscription.status, subscription.unsubscribed_at) == (SubscriptionStatus.CONFIRMED, None)


def test_a_confirmation_link_older_than_30_days_no_longer_works(post_form, client, db):
    post_form()
    token = confirm_token(mail.outbox[0])
    NewsletterSubscription.objects.update(confirmation_sent_at=timezone.now() - timedelta(days=30, seconds=1))

    response = client.post(reverse("news:confirm", args=[token]))

    assert response.status_code == 404
    assert "Ce lien n’est pas ou plus valable." in response.content.decode()
    assert NewsletterSubscription.objects.get().status == SubscriptionStatus.PENDING


# --- Bad input --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"email": "pas-une-adresse"},
            "Saisissez une adresse électronique valide, par exemple nom@exemple.fr.",
        ),
        ({"email": ""}, "Indiquez votre adresse électronique."),
        ({"topics": [987654]}, "Ce thème n'existe pas : choisissez parmi les thèmes proposés."),
        ({"topics": []}, "Choisissez au moins un thème."),
    ],
    ids=["bad-email", "no-email", "unknown-topic", "no-topic"],
)
def test_bad_input_is_refused_in_french_and_nothing_is_kept_or_sent(post_form, db, data, message):
    response = post_form(data)

    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert NewsletterSubscription.objects.count() == 0
    assert mail.outbox == []


def test_a_filled_honeypot_gets_the_same_answer_and_nothing_is_kept(post_form, db):
    response = post_form({"site_web": "https://spam.exemple.com"})

    assert response.status_code == 200
    assert "Vérifiez votre boîte aux lettres" in response.content.decode()
    assert NewsletterSubscription.objects.count() == 0
    assert mail.outbox == []


def test_one_client_is_limited_to_ten_requests_an_hour(post_form, db):
    statuses = [
        post_form({"email": f"lecteur{n}@exemple.org"}, REMOTE_ADDR="203.0.113.9").status_code
        for n in range(11)
    ]

    assert statuses == [200] * 10 + [429]
    refused = post_form({"email": "autre@exemple.org"}, REMOTE_ADDR="203.0.113.9")
    assert "Un instant, s'il vous plaît" in refused.content.decode()
    assert NewsletterSubscription.objects.count() == 10


def test_one_address_is_limited_to_five_requests_an_hour_from_any_client(post_form, db):
    statuses = [post_form(REMOTE_ADDR=f"198.51.100.{n}").status_code for n in range(6)]

    assert statuses == [200] * 5 + [429]
    assert len(mail.outbox) == 1  # and only one email went out


# --- Preferences and unsubscribing ------------------------------------------------------------------------


def test_preferences_link_changes_the_topics(client, db):
    subscription, raw = make_subscription(topics=("evenements",))
    url = reverse("news:preferences", args=[raw])

    response = client.post(url, {"topics": [topic("ressources").pk, topic("projets").pk]})

    assert response.status_code == 302
    assert sorted(t.slug for t in subscription.topics.all()) == ["projets", "ressources"]
    assert "Vos thèmes sont enregistrés." in client.get(url).content.decode()


def test_preferences_refuse_no_topic_and_keep_the_old_ones(client, db):
    subscription, raw = make_subscription(topics=("evenements",))

    response = client.post(reverse("news:preferences", args=[raw]), {"topics": []})

    assert response.status_code == 400
    assert "Choisissez au moins un thème." in response.content.decode()
    assert [t.slug for t in subscription.topics.all()] == ["evenements"]


def test_one_click_unsubscribe_works_without_csrf_and_a_second_one_changes_nothing(db):
    subscription, raw = make_subscription()
    browser = Client(enforce_csrf_checks=True)
    url = reverse("news:unsubscribe", args=[raw])

    page = browser.get(url)
    assert NewsletterSubscription.objects.get().status == SubscriptionStatus.CONFIRMED
    first = browser.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    subscription.refresh_from_db()
    unsubscribed_at = subscription.unsubscribed_at
    second = browser.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")

    assert "Me désabonner" in page.content.decode()
    assert first.status_code == 200
    assert "lectrice@exemple.org ne recevra plus « La lettre du COPS »." in first.content.decode()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED and unsubscribed_at is not None
    assert second.status_code == 200
    assert "Cette adresse était déjà désinscrite." in second.content.decode()
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at == unsubscribed_at
    assert "Cette adresse était déjà désinscrite." in browser.get(url).content.decode()


def test_an_issue_unsubscribe_token_opens_preferences_and_unsubscribes(db):
    subscription, _raw = make_subscription()
    issue = NewsletterIssue.objects.create(number=1, title="Lettre n° 1")
    raw, digest = new_token()
    delivery = NewsletterDelivery.objects.create(
        issue=issue, subscription=subscription, unsubscribe_hash=digest
    )

    found = subs.subscription_for_token(raw)
    response = Client(enforce_csrf_checks=True).post(reverse("news:unsubscribe", args=[raw]))

    assert (found.subscription, found.delivery) == (subscription, delivery)
    assert response.status_code == 200
    assert NewsletterSubscription.objects.get().status == SubscriptionStatus.UNSUBSCRIBED
    assert Client().get(reverse("news:preferences", args=[raw])).status_code == 200


def test_after_unsubscribing_the_old_confirmation_link_subscribes_nobody(post_form, client, db):
    post_form()
    token = confirm_token(mail.outbox[0])
    client.post(reverse("news:confirm", args=[token]))
    subscription = NewsletterSubscription.objects.get()
    subs.subscription_unsubscribe(subscription=subscription)

    response = client.post(reverse("news:confirm", args=[token]))

    assert response.status_code == 404
    assert NewsletterSubscription.objects.get().status == SubscriptionStatus.UNSUBSCRIBED


@pytest.mark.parametrize("name", ["news:confirm", "news:preferences", "news:unsubscribe"])
def test_unknown_links_answer_a_french_404(client, db, name):
    response = client.get(reverse(name, args=["x" * 43]))

    assert response.status_code == 404
    assert "Ce lien n’est pas ou plus valable." in response.content.decode()


# --- Mon espace -----------------------------------------------------------------------------------------


def test_partner_subscribes_in_one_click_from_mon_espace(partner_client, partner, db):
    space = partner_client.get(reverse("actors:account")).content.decode()
    assert "Vous ne recevez pas « La lettre du COPS »" in space
    assert f'action="{reverse("news:space_subscribe")}"' in space

    response = partner_client.post(
        reverse("news:space_subscribe"), {"abonner": "1", "next": "/compte/#lettre"}
    )

    assert response["Location"] == "/compte/#lettre"
    subscription = NewsletterSubscription.objects.get()
    assert (subscription.email, subscription.user, subscription.status, subscription.source) == (
        "partenaire@exemple.fr",
        partner,
        SubscriptionStatus.CONFIRMED,
        SubscriptionSource.SPACE,
    )
    assert subscription.consented_at is not None
    assert subscription.topics.count() == NewsletterTopic.objects.count() == 5
    assert mail.outbox == []  # the address is verified: nothing to confirm
    space = partner_client.get(reverse("actors:account")).content.decode()
    assert "Vous recevez « La lettre du COPS »" in space
    assert "Gérer mes thèmes" in space


def test_a_pending_form_request_is_confirmed_by_the_one_click(partner_client, post_form, db):
    post_form({"email": "partenaire@exemple.fr"})

    partner_client.post(reverse("news:space_subscribe"))

    subscription = NewsletterSubscription.objects.get()
    assert (subscription.status, subscription.source) == (
        SubscriptionStatus.CONFIRMED,
        SubscriptionSource.SPACE,
    )


def test_my_subscription_changes_topics_and_unsubscribes_once(partner_client, partner, db):
    subscription, _raw = make_subscription("partenaire@exemple.fr", user=partner)
    url = reverse("news:my_subscription")

    partner_client.post(url, {"action": "topics", "topics": [topic("vie-du-cops").pk]})
    partner_client.post(url, {"action": "unsubscribe"})
    again = partner_client.post(url, {"action": "unsubscribe"}, follow=True)

    subscription.refresh_from_db()
    assert [t.slug for t in subscription.topics.all()] == ["vie-du-cops"]
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED
    assert "Cette adresse était déjà désinscrite." in again.content.decode()


def test_an_unverified_account_cannot_subscribe_in_one_click(client, unverified_user, db):
    client.force_login(unverified_user)

    response = client.post(reverse("news:space_subscribe"), follow=True)

    assert "Confirmez d&#x27;abord l&#x27;adresse de votre compte" in response.content.decode()
    assert NewsletterSubscription.objects.count() == 0


# --- Privacy and purge ------------------------------------------------------------------------------------

NOW = timezone.now().replace(microsecond=0)
SECOND = timedelta(seconds=1)


def test_unconfirmed_subscriptions_go_one_second_after_30_days(db):
    make_subscription(
        "ancienne@exemple.org",
        status=SubscriptionStatus.PENDING,
        created_at=NOW - timedelta(days=30) - SECOND,
    )
    make_subscription(
        "recente@exemple.org", status=SubscriptionStatus.PENDING, created_at=NOW - timedelta(days=30) + SECOND
    )
    make_subscription("fidele@exemple.org", created_at=NOW - timedelta(days=400))

    deleted = newsletter_unconfirmed_purge(now=NOW)

    assert deleted == 1
    assert sorted(NewsletterSubscription.objects.values_list("email", flat=True)) == [
        "fidele@exemple.org",
        "recente@exemple.org",
    ]


def test_unsubscribed_addresses_are_kept_three_years_as_proof_then_go(db):
    old = NOW - timedelta(days=1095) - SECOND
    make_subscription("partie@exemple.org", status=SubscriptionStatus.UNSUBSCRIBED, unsubscribed_at=old)
    make_subscription(
        "preuve@exemple.org", status=SubscriptionStatus.UNSUBSCRIBED, unsubscribed_at=old + 2 * SECOND
    )

    counts = expired_data_purge(now=NOW)

    assert (counts["newsletter_unconfirmed"], counts["newsletter_unsubscribed"]) == (0, 1)
    assert list(NewsletterSubscription.objects.values_list("email", flat=True)) == ["preuve@exemple.org"]
    assert newsletter_unsubscribed_purge(now=NOW) == 0


def test_the_subscription_is_in_the_export_and_goes_with_the_account(partner, db):
    make_subscription("Partenaire@exemple.fr".lower(), topics=("projets",), source=SubscriptionSource.FORM)

    export = personal_data_export(user=partner)
    account_delete(user=partner, notify=False)

    [row] = export["donnees"]["actors.NewsletterSubscription"]["lignes"]
    assert (row["email"], row["topics"], row["status"], row["source"]) == (
        "partenaire@exemple.fr",
        ["Projets et expériences partagées"],
        "Confirmée",
        "Formulaire d'inscription à la lettre",
    )
    assert NewsletterSubscription.objects.count() == 0


def test_retention_periods_default_to_30_days_and_3_years_and_the_privacy_page_states_them(client, db):
    page = client.get(reverse("platform:privacy")).content.decode().replace("&#x27;", "'")

    assert (
        settings.RETENTION_NEWSLETTER_UNCONFIRMED_DAYS,
        settings.RETENTION_NEWSLETTER_UNSUBSCRIBED_DAYS,
    ) == (
        30,
        1095,
    )
    assert (
        "les demandes d'abonnement à « La lettre du COPS » jamais confirmées, 30 jours après la demande"
        in page
    )
    assert (
        "les adresses désinscrites de « La lettre du COPS », gardées avec leurs dates comme preuve de votre "
        "opposition (rien ne leur est plus envoyé), 1095 jours après la désinscription ;"
    ) in page


# --- Simultaneous requests ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_requests_for_one_address_make_one_row_and_one_email():
    from cops.models import OutgoingEmail
    from tests.actors.test_event_concurrency import race

    topics = list(NewsletterTopic.objects.all())

    results = race([lambda: subs.subscription_request(email="course@exemple.org", topics=topics)] * 20)

    assert [r for r in results if not isinstance(r, subs.RequestOutcome)] == []
    assert sum(r.email_sent for r in results) == 1
    assert NewsletterSubscription.objects.filter(email="course@exemple.org").count() == 1
    assert OutgoingEmail.objects.filter(to=["course@exemple.org"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_unsubscribes_change_the_row_once():
    from tests.actors.test_event_concurrency import race

    subscription, _raw = make_subscription("course@exemple.org")

    results = race([lambda: subs.subscription_unsubscribe(subscription=subscription)] * 20)

    assert sorted(results) == [False] * 19 + [True]
    assert NewsletterSubscription.objects.get().status == SubscriptionStatus.UNSUBSCRIBED
