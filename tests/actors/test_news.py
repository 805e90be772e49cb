"""News (« Actualités »): the public list and pages, the feeds, the home page's latest three, and
the staff's writing, publishing, unpublishing and deleting (image checked and stripped)."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from actors.models import NewsItem
from tests.actors.test_event_pages import make_event
from tests.factories.news import image_upload, make_news, topic

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# --- Public pages -----------------------------------------------------------------------------------------


def test_list_shows_published_items_newest_first_with_their_topics(client, db, django_assert_max_num_queries):
    make_news("Ancienne", days_ago=30, topics=("barometre",))
    make_news("Récente", days_ago=1, topics=("evenements", "projets"))
    make_news("Brouillon", days_ago=None)
    make_news("Programmée", days_ago=-2)

    with django_assert_max_num_queries(6):
        response = client.get(reverse("news:list"))

    page = response.content.decode()
    assert response.status_code == 200
    assert [item.title for item in response.context["items"]] == ["Récente", "Ancienne"]
    assert "Brouillon" not in page and "Programmée" not in page
    assert (
        '<li class="tag">Événements et ateliers</li><li class="tag">Projets et expériences partagées</li>'
        in page
    )
    assert f'href="{reverse("news:rss")}"' in page


def test_list_query_count_does_not_grow_with_the_items(client, db, django_assert_max_num_queries):
    for number in range(9):
        make_news(f"Nouvelle {number}", days_ago=number + 1, topics=("evenements", "ressources"))

    with django_assert_max_num_queries(6):
        response = client.get(reverse("news:list"))

    assert len(response.context["items"]) == 9


def test_list_is_paginated_by_nine(client, db):
    for number in range(11):
        make_news(f"Nouvelle {number:02d}", days_ago=number + 1)

    second = client.get(reverse("news:list"), {"page": 2})

    assert [item.title for item in second.context["items"]] == ["Nouvelle 09", "Nouvelle 10"]
    assert "Page 2 sur 2" in second.content.decode()


def test_item_page_shows_paragraphs_image_alt_links_and_microdata(client, db, media):
    event = make_event(title="Atelier des binômes", slug="atelier-des-binomes")
    draft_event = make_event(title="Atelier caché", slug="atelier-cache", is_public=False)
    item = make_news("Retour sur la JRPS", slug="retour-jrps", body="Un.\n\nDeux\nlignes.\n\n\nTrois.")
    item.image.save("x.jpg", image_upload(), save=False)
    item.image_alt = "Les participants en atelier"
    item.save()
    item.events.set([event, draft_event])

    response = client.get(reverse("news:detail", args=["retour-jrps"]))

    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["paragraphs"] == ["Un.", "Deux\nlignes.", "Trois."]
    assert 'itemscope itemtype="https://schema.org/NewsArticle"' in page
    assert '<h1 itemprop="headline">Retour sur la JRPS</h1>' in page
    assert 'alt="Les participants en atelier"' in page
    assert f'href="/agenda/{event.slug}/">Atelier des binômes</a>' in page
    assert "Atelier caché" not in page  # only public events are linked


@pytest.mark.parametrize("days_ago", [None, -1], ids=["draft", "scheduled"])
def test_unpublished_item_is_404_except_for_the_staff(client, partner_client, staff_client, db, days_ago):
    make_news("Pas encore", slug="pas-encore", days_ago=days_ago)
    url = reverse("news:detail", args=["pas-encore"])

    statuses = [c.get(url).status_code for c in (client, partner_client, staff_client)]

    assert statuses == [404, 404, 200]
    assert "Visible par l'équipe seulement." in staff_client.get(url).content.decode()


# --- Feeds ------------------------------------------------------------------------------------------------


def test_rss_feed_lists_published_items_with_absolute_links(client, db):
    make_news("Deuxième", slug="deuxieme", days_ago=2, topics=("barometre",))
    make_news("Première", slug="premiere", days_ago=5)
    make_news("Brouillon", days_ago=None)

    response = client.get(reverse("news:rss"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    assert channel.findtext("title") == "Actualités du COPS Occitanie"
    assert channel.findtext("link") == f"{settings.SITE_URL}/actualites/"
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["Deuxième", "Première"]
    assert [item.findtext("link") for item in items] == [
        f"{settings.SITE_URL}/actualites/deuxieme/",
        f"{settings.SITE_URL}/actualites/premiere/",
    ]
    assert items[0].findtext("description") == "En bref : Deuxième."
    assert items[0].findtext("category") == "Baromètre régional"


def test_atom_feed_is_valid_with_absolute_links(client, db):
    make_news("Seule", slug="seule", days_ago=1)

    response = client.get(reverse("news:atom"))

    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    [entry] = root.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Seule"
    assert entry.find(f"{ATOM}link").get("href") == f"{settings.SITE_URL}/actualites/seule/"
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == f"{settings.SITE_URL}/actualites/atom/"


# --- Home page ------------------------------------------------------------------------------------------


def test_home_shows_the_latest_three_published_items(client, db):
    for number, days in enumerate((1, 2, 3, 4)):
        make_news(f"Nouvelle numéro {number + 1}", days_ago=days)
    make_news("Brouillon du jour", days_ago=None)

    page = client.get(reverse("home")).content.decode()

    assert [
        title for title in ("Nouvelle numéro 1", "Nouvelle numéro 2", "Nouvelle numéro 3") if title in page
    ] == [
        "Nouvelle numéro 1",
        "Nouvelle numéro 2",
        "Nouvelle numéro 3",
    ]
    assert "Nouvelle numéro 4" not in page and "Brouillon du jour" not in page
    assert page.index("Nouvelle numéro 1") < page.index("Nouvelle numéro 2") < page.index("Nouvelle numéro 3")


def test_home_has_no_news_block_without_news(client, db):
    page = client.get(reverse("home")).content.decode()

    assert 'id="home-news-title"' not in page


def test_sitemap_lists_published_items_only(client, db):
    make_news("Publique", slug="publique")
    make_news("Brouillon", slug="brouillon", days_ago=None)

    content = client.get(reverse("sitemap")).content.decode()

    assert "/actualites/publique/" in content
    assert "/actualites/brouillon/" not in content
    assert "/lettre/inscription/" in content


# --- Staff ------------------------------------------------------------------------------------------------


def form_data(**overrides) -> dict:
    data = {
        "title": "Nouvel atelier à Albi",
        "slug": "",
        "summary": "Un atelier d'échanges de pratiques.",
        "body": "Premier.\n\nSecond.",
        "image_alt": "",
        "topics": [topic("evenements").pk],
    }
    data.update(overrides)
    return data


def test_staff_creates_a_draft_with_a_stripped_image_then_publishes_and_unpublishes(
    staff_client, staff_user, db, media
):
    event = make_event(title="Atelier d'Albi")
    upload = image_upload("photo.jpg", exif=True, size=(2400, 1200))

    response = staff_client.post(
        reverse("news:staff_create"),
        form_data(image=upload, image_alt="Une salle d'atelier", events=[event.pk]),
    )

    item = NewsItem.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("news:staff_edit", args=[item.pk])
    assert (item.slug, item.published_at, item.author, item.image_alt) == (
        "nouvel-atelier-a-albi",
        None,
        staff_user,
        "Une salle d'atelier",
    )
    assert list(item.events.all()) == [event]
    assert [t.slug for t in item.topics.all()] == ["evenements"]
    with Image.open(item.image.path) as stored:
        assert (stored.format, stored.size) == ("JPEG", (1600, 800))
        assert not stored.getexif() and "exif" not in stored.info

    staff_client.post(reverse("news:staff_publish", args=[item.pk]), {"action": "publish"})
    item.refresh_from_db()
    assert item.is_published and timezone.now() - item.published_at < timedelta(seconds=5)

    staff_client.post(reverse("news:staff_publish", args=[item.pk]), {"action": "unpublish"})
    item.refresh_from_db()
    assert item.published_at is None


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"slug": "rss"}, "slug", "« rss » est réservé par le site : choisissez une autre adresse."),
        ({"title": ""}, "title", "Donnez un titre à l'actualité."),
        (
            {"image_alt": ""},
            "image_alt",
            "Décrivez l'image en une phrase pour les personnes qui ne la voient pas",
        ),
        ({"topics": [987654]}, "topics", "Ce thème n'existe pas : choisissez parmi les thèmes proposés."),
    ],
    ids=["reserved-slug", "no-title", "image-without-alt", "unknown-topic"],
)
def test_staff_form_refuses_bad_input_and_saves_nothing(staff_client, db, media, overrides, field, message):
    data = form_data(image=image_upload(), **overrides)

    response = staff_client.post(reverse("news:staff_create"), data)

    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert NewsItem.objects.count() == 0
    assert not (media / "actualites").exists() or not any((media / "actualites").iterdir())


def test_staff_form_refuses_a_text_file_named_like_an_image(staff_client, db, media):
    fake = image_upload("photo.jpg")
    fake.file.seek(0)
    fake.file.truncate()
    fake.file.write(b"ceci n'est pas une image")
    fake.size = 24
    fake.file.seek(0)

    response = staff_client.post(reverse("news:staff_create"), form_data(image=fake, image_alt="Une photo"))

    assert response.status_code == 400
    assert response.context["form"].errors["image"] == [
        "Ce fichier n'est pas une image lisible : envoyez un fichier JPEG, PNG ou WebP."
    ]
    assert NewsItem.objects.count() == 0


def test_second_item_with_the_same_title_gets_a_numbered_address(staff_client, db):
    make_news("Nouvel atelier à Albi", slug="nouvel-atelier-a-albi")

    staff_client.post(reverse("news:staff_create"), form_data())

    assert NewsItem.objects.latest("pk").slug == "nouvel-atelier-a-albi-2"


def test_staff_deletes_after_confirming_and_the_image_goes(
    staff_client, db, media, django_capture_on_commit_callbacks
):
    item = make_news("À supprimer")
    item.image.save("x.jpg", image_upload(), save=True)
    path = item.image.path

    confirm_page = staff_client.get(reverse("news:staff_delete", args=[item.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("news:staff_delete", args=[item.pk]))

    assert "Supprimer définitivement" in confirm_page.content.decode()
    assert response["Location"] == reverse("news:staff_list")
    assert NewsItem.objects.count() == 0
    assert not media.joinpath(path).exists()


def test_staff_list_shows_drafts_first_with_their_state(staff_client, db, django_assert_max_num_queries):
    make_news("Publiée hier", days_ago=1)
    make_news("Mon brouillon", days_ago=None)

    with django_assert_max_num_queries(8):
        response = staff_client.get(reverse("news:staff_list"))

    assert [(row["item"].title, str(row["state"][0])) for row in response.context["rows"]] == [
        ("Mon brouillon", "Brouillon"),
        ("Publiée hier", "Publiée"),
    ]


def test_staff_pages_are_refused_to_partners(partner_client, client, db):
    item = make_news()

    assert partner_client.get(reverse("news:staff_list")).status_code == 403
    assert (
        partner_client.post(
            reverse("news:staff_publish", args=[item.pk]), {"action": "unpublish"}
        ).status_code
        == 403
    )
    assert client.get(reverse("news:staff_create")).status_code == 302
    item.refresh_from_db()
    assert item.is_published


def test_staff_home_links_to_the_news_pages_and_the_menu_to_the_list(staff_client, partner_client, db):
    staff_home = staff_client.get(reverse("platform:staff_home")).content.decode()
    public = partner_client.get(reverse("news:list")).content.decode()

    assert f'href="{reverse("news:staff_list")}"' in staff_home
    assert f'href="{reverse("news:staff_create")}"' in staff_home
    assert '<a class="nav-link" href="/actualites/" aria-current="page">Actualités</a>' in public
    assert "Gérer les actualités" not in public  # the button is for the staff only
