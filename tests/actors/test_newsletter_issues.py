"""Issues of « La lettre du COPS »: composed, reordered, previewed, tested and sent by the staff
(through the bulk sending engine), then archived for the public without any personal link."""

import email
import re
from datetime import timedelta
from email import policy

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from actors.models import NewsletterDelivery, NewsletterIssue, NewsletterIssueItem
from actors.models.newsletter import IssueItemKind, IssueStatus, SubscriptionStatus
from actors.newsletter import issues
from actors.newsletter.letters import SAMPLE_TOKEN, TOKEN_BYTES, TOKEN_LENGTH, IssueLetters, render_sample
from actors.newsletter.sending import issue_send
from cops.enums import DeliveryStatus
from cops.models import OutgoingEmail
from cops.smtp import Envelope
from cops.tokens import hash_token, new_token
from tests.factories.newsletter_issues import (
    make_issue,
    make_news,
    make_subscribers,
    make_subscription,
    topic,
)

UNSUBSCRIBE = re.compile(r"http://testserver/lettre/desinscription/([A-Za-z0-9_-]+)/")
PREFERENCES = re.compile(r"http://testserver/lettre/preferences/([A-Za-z0-9_-]+)/")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.NEWSLETTER_EMAILS_PER_MINUTE = 0
    settings.NEWSLETTER_SMTP_CONNECTIONS = 4


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _send(client, issue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(f"/equipe/lettre/{issue.pk}/envoyer/", follow=True)


# --- Composing -------------------------------------------------------------------------------------------


def test_staff_compose_an_issue_pick_items_reorder_and_remove(staff_client, staff_user):
    first = make_news("Retour sur la JRPS", days_ago=3, summary="Quatre cents participants.")
    second = make_news("Appel à projets 2027", days_ago=1, summary="Faites connaître vos projets.")
    make_news("Brouillon jamais publié", days_ago=None)

    created = staff_client.post(
        "/equipe/lettre/nouveau/",
        {
            "title": "Numéro de rentrée",
            "editorial": "Bonjour,\n\nVoici la lettre.",
            "topics": [topic("evenements").pk],
        },
    )
    issue = NewsletterIssue.objects.get()
    page = staff_client.get(f"/equipe/lettre/{issue.pk}/")
    picks = re.findall(r'name="pick" value="(actualite:\d+)"', page.content.decode())
    staff_client.post(
        f"/equipe/lettre/{issue.pk}/elements/", {"pick": [f"actualite:{first.pk}", f"actualite:{second.pk}"]}
    )
    staff_client.post(
        f"/equipe/lettre/{issue.pk}/ordre/", {"move": f"down:{issue.items.get(source_id=first.pk).pk}"}
    )
    order_after_move = list(issue.items.values_list("title", "position"))
    staff_client.post(
        f"/equipe/lettre/{issue.pk}/ordre/",
        {
            f"position-{issue.items.get(source_id=first.pk).pk}": "1",
            f"position-{issue.items.get(source_id=second.pk).pk}": "2",
        },
    )
    order_after_typing = list(issue.items.values_list("title", "position"))
    remove = staff_client.post(
        f"/equipe/lettre/{issue.pk}/elements/{issue.items.get(source_id=first.pk).pk}/retirer/", follow=True
    )

    assert created["Location"] == f"/equipe/lettre/{issue.pk}/"
    assert (issue.number, issue.title, issue.editorial, issue.status) == (
        1,
        "Numéro de rentrée",
        "Bonjour,\n\nVoici la lettre.",
        IssueStatus.DRAFT,
    )
    assert issue.created_by == staff_user
    assert picks == [f"actualite:{second.pk}", f"actualite:{first.pk}"]  # newest first, drafts never
    assert order_after_move == [("Appel à projets 2027", 1), ("Retour sur la JRPS", 2)]
    assert order_after_typing == [("Retour sur la JRPS", 1), ("Appel à projets 2027", 2)]
    assert _messages(remove) == [
        "2 élément(s) ajouté(s) au numéro.",  # messages shown on the next page seen
        "L'ordre des éléments est enregistré.",
        "L'élément est retiré du numéro.",
    ]
    assert list(
        NewsletterIssueItem.objects.values_list(
            "issue", "kind", "source_id", "title", "text", "url", "position"
        )
    ) == [
        (
            issue.pk,
            IssueItemKind.NEWS,
            second.pk,
            "Appel à projets 2027",
            "Faites connaître vos projets.",
            f"http://testserver/actualites/{second.slug}/",
            1,
        )
    ]


def test_picked_items_are_copies_the_source_may_change_afterwards():
    news = make_news("Titre d'origine", summary="Texte d'origine.")
    issue = make_issue(news=[news])

    news.title = "Titre changé après coup"
    news.save()

    assert list(issue.items.values_list("title", "text")) == [("Titre d'origine", "Texte d'origine.")]


def test_candidates_are_those_published_since_the_last_sent_issue(django_capture_on_commit_callbacks):
    old = make_news("Déjà dans le numéro 1", days_ago=10)
    make_subscription("lectrice@exemple.org")
    sent = make_issue(news=[old])
    with django_capture_on_commit_callbacks(execute=True):
        issues.issue_send_request(issue=sent, by=None)
    NewsletterIssue.objects.filter(pk=sent.pk).update(sent_at=timezone.now() - timedelta(days=2))
    new = make_news("Toute fraîche", days_ago=1)
    draft = make_issue("Numéro 2")

    recent = issues.issue_candidates(draft)
    everything = issues.issue_candidates(draft, since_last=False)

    news = {group.kind: group for group in recent}[IssueItemKind.NEWS]
    assert [item.title for item in news.items] == ["Toute fraîche"]
    assert [item.source_id for item in {g.kind: g for g in everything}[IssueItemKind.NEWS].items] == [
        new.pk,
        old.pk,
    ]
    assert [group.kind for group in recent] == ["actualite", "evenement", "projet", "ressource"]


def test_an_issue_needs_a_title_and_a_topic(staff_client):
    response = staff_client.post("/equipe/lettre/nouveau/", {"title": "", "editorial": "", "topics": []})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "title": ["Donnez un titre au numéro."],
        "topics": ["Choisissez au moins un thème."],
    }
    assert NewsletterIssue.objects.count() == 0


def test_staff_list_shows_each_issue_with_its_counts(staff_client, django_assert_max_num_queries):
    for n in range(5):
        make_issue(f"Numéro {n + 1}")
    sent = NewsletterIssue.objects.get(number=2)
    issues.issue_add_items(
        issue=sent, picks=[(IssueItemKind.NEWS, make_news(f"Actualité {n}").pk) for n in range(3)]
    )
    for n, status in enumerate(
        [DeliveryStatus.SENT, DeliveryStatus.SENT, DeliveryStatus.UNCERTAIN, DeliveryStatus.FAILED]
    ):
        subscription, _raw = make_subscription(f"lectrice{n}@exemple.org")
        NewsletterDelivery.objects.create(issue=sent, subscription=subscription, status=status)

    with django_assert_max_num_queries(8):
        response = staff_client.get("/equipe/lettre/")

    html = response.content.decode()
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>\s*<th scope=\"row\"><a[^>]*>([^<]+)</a>", html)
    assert rows == [
        ("5", "Numéro 5"),
        ("4", "Numéro 4"),
        ("3", "Numéro 3"),
        ("2", "Numéro 2"),
        ("1", "Numéro 1"),
    ]
    assert [(i.number, i.item_count, i.sent_count, i.failed_count) for i in response.context["issues"]] == [
        (5, 0, 0, 0),
        (4, 0, 0, 0),
        (3, 0, 0, 0),
        (2, 3, 3, 1),  # sent and uncertain count as sent, once each whatever the items
        (1, 0, 0, 0),
    ]


# --- Preview and test ------------------------------------------------------------------------------------


def test_preview_shows_exactly_the_email_with_a_sample_personal_link(staff_client):
    news = make_news("Appel à projets 2027", summary="Faites connaître vos projets.")
    issue = make_issue(news=[news])

    text_page = staff_client.get(f"/equipe/lettre/{issue.pk}/apercu/?format=texte")
    html_page = staff_client.get(f"/equipe/lettre/{issue.pk}/apercu/")

    text = text_page.context["rendered"].text
    assert text_page.context["rendered"].subject == "La lettre du COPS n° 1 — Numéro de rentrée"
    assert text.startswith(
        "La lettre du COPS n° 1 — Numéro de rentrée\nCentre Opérationnel du Partenariat en Santé"
    )
    assert (
        "Bonjour à toutes et à tous,\n\nVoici les nouvelles du partenariat.\n\n"
        "— ACTUALITÉ —\nAppel à projets 2027\n" in text
    )
    assert "Faites connaître vos projets.\nEn savoir plus :" in text
    assert UNSUBSCRIBE.findall(text) == ["exemple-de-lien-personnel-000000"]
    assert PREFERENCES.findall(text) == ["exemple-de-lien-personnel-000000"]
    html = html_page.content.decode()
    assert '<h2 class="letter-item-title"><a href="http://testserver/actualites/' in html
    assert 'href="http://testserver/lettre/desinscription/exemple-de-lien-personnel-000000/"' in html
    assert "Me désinscrire" in html


def test_test_email_goes_to_the_staff_members_own_address_through_the_outbox(
    staff_client, staff_user, django_capture_on_commit_callbacks
):
    issue = make_issue(news=[make_news("Appel à projets 2027")])
    preview = staff_client.get(f"/equipe/lettre/{issue.pk}/apercu/?format=texte").context["rendered"]
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/equipe/lettre/{issue.pk}/essai/", follow=True)

    issue.refresh_from_db()
    assert _messages(response) == [f"L'essai part à votre adresse {staff_user.email}."]
    assert issue.test_sent_at is not None
    assert issue.status == IssueStatus.DRAFT
    assert OutgoingEmail.objects.get().to == [staff_user.email]
    [sent] = mail.outbox
    assert sent.to == [staff_user.email]
    assert sent.subject == "[Essai] La lettre du COPS n° 1 — Numéro de rentrée"
    assert sent.body == render_sample(issue, test=True).text
    assert sent.body.startswith("[Essai] Ce courriel est un essai : les liens de désinscription et de\n")
    assert sent.body.endswith(preview.text)
    assert sent.alternatives[0].mimetype == "text/html"
    assert NewsletterDelivery.objects.count() == 0


# --- Sending ----------------------------------------------------------------------------------------------------


def test_send_asks_confirmation_with_the_number_of_confirmed_subscribers_of_the_topics(staff_client):
    issue = make_issue(topics=("evenements", "projets"))
    make_subscribers(3, topics=("evenements",))
    make_subscribers(2, topics=("projets", "barometre"), prefix="projets")
    make_subscribers(4, topics=("barometre",), prefix="autre")  # another topic
    make_subscription("attente@exemple.fr", status=SubscriptionStatus.PENDING)
    make_subscription("parti@exemple.fr", status=SubscriptionStatus.UNSUBSCRIBED)

    response = staff_client.get(f"/equipe/lettre/{issue.pk}/envoyer/")

    assert response.context["recipients"] == 5
    assert "partira à <strong>5 abonnés confirmés</strong> des thèmes choisis." in response.content.decode()


def test_only_confirmed_subscribers_of_the_topics_get_the_issue_once_with_their_links(
    staff_client, django_capture_on_commit_callbacks
):
    issue = make_issue(topics=("evenements",), news=[make_news("Appel à projets 2027")])
    make_subscription("lectrice@exemple.org", topics=("evenements", "projets"))
    make_subscription("lecteur@exemple.org", topics=("evenements",))
    make_subscription("autre@exemple.org", topics=("projets",))
    make_subscription("attente@exemple.org", status=SubscriptionStatus.PENDING)
    make_subscription("parti@exemple.org", status=SubscriptionStatus.UNSUBSCRIBED)
    mail.outbox.clear()

    response = _send(staff_client, issue, django_capture_on_commit_callbacks)

    issue.refresh_from_db()
    assert _messages(response) == ["L'envoi commence : 2 destinataire(s)."]
    assert (issue.status, issue.send_requested_at is not None, issue.sent_at is not None) == (
        IssueStatus.SENT,
        True,
        True,
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["lecteur@exemple.org", "lectrice@exemple.org"]
    message = next(m for m in mail.outbox if m.to == ["lectrice@exemple.org"])
    assert message.subject == "La lettre du COPS n° 1 — Numéro de rentrée"
    token = UNSUBSCRIBE.search(message.body).group(1)
    assert message.extra_headers["List-Unsubscribe"] == f"<http://testserver/lettre/desinscription/{token}/>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert PREFERENCES.findall(message.body) == [token]
    html = message.alternatives[0].content
    assert f'href="http://testserver/lettre/desinscription/{token}/"' in html
    assert f'href="http://testserver/lettre/preferences/{token}/"' in html
    delivery = NewsletterDelivery.objects.get(subscription__email="lectrice@exemple.org")
    assert (delivery.status, delivery.unsubscribe_hash) == (DeliveryStatus.SENT, hash_token(token))
    assert token not in str(list(NewsletterDelivery.objects.values_list("unsubscribe_hash", flat=True)))
    # The preview is the email, but for the personal links.
    assert message.body.replace(token, SAMPLE_TOKEN) == render_sample(issue).text
    other = next(m for m in mail.outbox if m.to == ["lecteur@exemple.org"])
    assert UNSUBSCRIBE.search(other.body).group(1) != token  # one token per delivery


def test_the_links_of_an_issue_open_the_preferences_and_unsubscribe(
    staff_client, django_capture_on_commit_callbacks
):
    issue = make_issue()
    subscription, _raw = make_subscription("lectrice@exemple.org")
    _send(staff_client, issue, django_capture_on_commit_callbacks)
    token = UNSUBSCRIBE.search(mail.outbox[-1].body).group(1)

    preferences = Client().get(f"/lettre/preferences/{token}/")
    Client().post(f"/lettre/desinscription/{token}/")

    subscription.refresh_from_db()
    assert preferences.status_code == 200
    assert "lectrice@exemple.org" in preferences.content.decode()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED


def test_no_subscriber_for_the_topics_means_a_message_and_nothing_sent(
    staff_client, django_capture_on_commit_callbacks
):
    issue = make_issue(topics=("barometre",))
    make_subscription("lectrice@exemple.org", topics=("evenements",))
    mail.outbox.clear()

    response = _send(staff_client, issue, django_capture_on_commit_callbacks)

    issue.refresh_from_db()
    assert _messages(response) == [
        "Aucun abonné confirmé ne suit les thèmes de ce numéro : rien n'a été envoyé. Choisissez d'autres thèmes."
    ]
    assert (issue.status, issue.send_requested_at) == (IssueStatus.DRAFT, None)
    assert mail.outbox == []
    assert NewsletterDelivery.objects.count() == 0


def test_a_sent_issue_is_neither_sent_again_nor_edited(staff_client, django_capture_on_commit_callbacks):
    issue = make_issue(news=[make_news("Appel à projets 2027")])
    make_subscription("lectrice@exemple.org")
    _send(staff_client, issue, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    again = _send(staff_client, issue, django_capture_on_commit_callbacks)
    edit = staff_client.post(
        f"/equipe/lettre/{issue.pk}/",
        {"title": "Autre titre", "topics": [topic("evenements").pk]},
        follow=True,
    )
    remove = staff_client.post(
        f"/equipe/lettre/{issue.pk}/elements/{issue.items.get().pk}/retirer/", follow=True
    )
    issue_send(issue_id=issue.pk)  # a stray pass of the engine

    issue.refresh_from_db()
    assert _messages(again) == [
        "Ce numéro est déjà envoyé (ou en cours d'envoi) : il ne part pas une seconde fois."
    ]
    assert _messages(edit) == ["Ce numéro est envoyé (ou en cours d'envoi) : il ne peut plus être modifié."]
    assert _messages(remove) == [
        "Ce numéro est envoyé (ou en cours d'envoi) : il ne peut plus être modifié ni envoyé à nouveau."
    ]
    assert (issue.title, issue.items.count()) == ("Numéro de rentrée", 1)
    assert mail.outbox == []
    assert NewsletterDelivery.objects.count() == 1
    with pytest.raises(Exception, match="il ne peut plus être modifié ni envoyé à nouveau"):
        issues.issue_send_request(issue=issue, by=None)


def test_issue_page_shows_the_progress_of_the_sending(staff_client):
    issue = make_issue()
    subscriptions = make_subscribers(7)
    statuses = [DeliveryStatus.SENT] * 3 + [
        DeliveryStatus.FAILED,
        DeliveryStatus.UNCERTAIN,
        DeliveryStatus.CLAIMED,
    ]
    for subscription, status in zip(subscriptions, statuses, strict=False):
        NewsletterDelivery.objects.create(issue=issue, subscription=subscription, status=status)
    NewsletterIssue.objects.filter(pk=issue.pk).update(status=IssueStatus.SENDING)

    response = staff_client.get(f"/equipe/lettre/{issue.pk}/")
    partial = staff_client.get(f"/equipe/lettre/{issue.pk}/", headers={"HX-Request": "true"})

    counts = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", response.content.decode()))
    assert counts == {
        "Envoyés": "3",
        "En cours": "1",
        "Restants": "1",
        "Échecs": "1",
        "Incertains": "1",
        "Non envoyés (désinscription)": "0",
    }
    assert partial.content.decode().startswith('<section id="issue-progress"')
    assert 'hx-trigger="every 3s"' in partial.content.decode()


# --- The email over SMTP --------------------------------------------------------------------------------------


def test_email_from_the_compiled_bytes_is_the_one_django_builds():
    issue = make_issue(news=[make_news("Appel à projets 2027 : « candidatez » !", summary="Texte " * 400)])
    letters = IssueLetters(issue)
    raw, _digest = new_token(TOKEN_BYTES)

    ours = letters.envelope(7, "zoe.d+cops@exemple.fr", raw)
    djangos = Envelope.of(7, letters.message("zoe.d+cops@exemple.fr", raw))

    mine = email.message_from_bytes(ours.data, policy=policy.default)
    theirs = email.message_from_bytes(djangos.data, policy=policy.default)
    assert letters._compiled_message() is not None and len(raw) == TOKEN_LENGTH  # the fast path was taken
    assert (ours.sender, ours.recipients) == (djangos.sender, djangos.recipients)
    headers = ("Subject", "From", "To", "List-Unsubscribe", "List-Unsubscribe-Post", "MIME-Version")
    assert [mine[h] for h in headers] == [theirs[h] for h in headers]
    assert mine["List-Unsubscribe"].strip() == f"<http://testserver/lettre/desinscription/{raw}/>"

    def parts(message):
        return [
            (p.get_content_type(), p["Content-Transfer-Encoding"], p.get_content())
            for p in message.walk()
            if not p.is_multipart()
        ]

    assert parts(mine) == parts(theirs)
    assert [p[1] for p in parts(mine)] == ["8bit", "8bit"]


# --- Public archive ---------------------------------------------------------------------------------------------


def test_archive_lists_sent_issues_and_shows_them_without_personal_links(django_capture_on_commit_callbacks):
    make_subscription("lectrice@exemple.org")
    first = make_issue(
        "Le premier", news=[make_news("Appel à projets 2027", summary="Faites connaître vos projets.")]
    )
    with django_capture_on_commit_callbacks(execute=True):
        issues.issue_send_request(issue=first, by=None)
    second = make_issue("Le deuxième")
    with django_capture_on_commit_callbacks(execute=True):
        issues.issue_send_request(issue=second, by=None)
    make_issue("Brouillon")
    visitor = Client()

    archive = visitor.get("/lettre/archives/")
    page = visitor.get("/lettre/1/")
    draft = visitor.get("/lettre/3/")

    assert [issue.title for issue in archive.context["issues"]] == ["Le deuxième", "Le premier"]
    html = page.content.decode()
    assert page.status_code == 200
    assert '<h1 class="letter-title">Le premier</h1>' in html
    assert "Faites connaître vos projets." in html
    assert "/lettre/desinscription/" not in html and "/lettre/preferences/" not in html
    assert draft.status_code == 404


def test_sitemap_lists_the_archive_and_the_sent_issues_only(django_capture_on_commit_callbacks):
    make_subscription("lectrice@exemple.org")
    sent = make_issue("Le premier")
    with django_capture_on_commit_callbacks(execute=True):
        issues.issue_send_request(issue=sent, by=None)
    make_issue("Brouillon")

    xml = Client().get("/sitemap.xml").content.decode()

    assert "<loc>http://testserver/lettre/archives/</loc>" in xml
    assert "<loc>http://testserver/lettre/1/</loc>" in xml
    assert "/lettre/2/" not in xml


# --- What actors offers to an issue -----------------------------------------------------------------------


def test_actors_offer_published_news_and_coming_public_events():
    from actors.newsletter.sources import all_sources

    published = make_news("Publiée", days_ago=2, summary="En bref.")
    make_news("Brouillon", days_ago=None)
    make_news("Programmée", days_ago=-1)  # published tomorrow
    sources = all_sources()

    news = sources[IssueItemKind.NEWS].recent(since=None, limit=10)

    assert [(item.kind, item.source_id, item.title, item.text, item.url) for item in news] == [
        ("actualite", published.pk, "Publiée", "En bref.", f"http://testserver/actualites/{published.slug}/")
    ]
    assert [item.title for item in sources[IssueItemKind.NEWS].items([published.pk, 999_999])] == ["Publiée"]
    assert set(sources) == {"actualite", "evenement", "projet", "ressource"}


def test_actors_offer_coming_public_events_soonest_first_never_cancelled_past_or_private():
    from actors.charter_enums import MeetingStatus
    from actors.newsletter.sources import all_sources
    from tests.actors.test_event_pages import make_event

    later = make_event(days=30, title="Webinaire de janvier")
    sooner = make_event(days=5, title="Atelier de décembre")
    make_event(days=-5, title="Atelier passé")
    make_event(days=10, title="Atelier annulé", status=MeetingStatus.CANCELLED)
    make_event(days=12, title="Atelier privé", is_public=False)

    events = all_sources()[IssueItemKind.EVENT].recent(since=None, limit=10)

    assert [(item.source_id, item.title) for item in events] == [
        (sooner.pk, "Atelier de décembre"),
        (later.pk, "Webinaire de janvier"),
    ]
    assert events[0].url == f"http://testserver/agenda/{sooner.slug}/"
    assert events[0].meta.endswith(" · Maison des associations, Albi")
