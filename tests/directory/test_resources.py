"""The resource library (« Ressources ») and the lexicon « Des mots pour se comprendre »: French
search and filters, who sees and proposes what, moderation and its emails, uploads judged by their
content, downloads counted, glossary anchors and the profile badges that link to them."""

import html
import io
import re
import zipfile
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from actors.enums import ModerationStatus
from actors.models import ActorProfile, Domain, Membership
from cops.personal_data import account_delete, personal_data_export
from directory.models import Resource, ResourceAudience, ResourceKind, ResourceLicence
from directory.selectors.resources import lexicon, lexicon_anchors
from directory.services.resources import resource_propose
from tests.factories.accompaniment import make_referent
from tests.factories.actors import UserFactory
from tests.factories.directory import make_person, make_structure

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.SITE_URL = "https://cops.exemple.fr"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def structure(db):
    return make_structure(name="Centre hospitalier de Béziers")


@pytest.fixture
def referent(structure):
    user = UserFactory(email="referente@exemple.fr", first_name="Inès", last_name="Garcia")
    make_referent(user, structure)
    return user


@pytest.fixture
def other_referent(db):
    user = UserFactory(email="autre.referent@exemple.fr", first_name="Paul", last_name="Durand")
    make_referent(user, make_structure(name="Clinique du Parc"))
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def changes(**overrides) -> dict:
    values = {
        "title": "Guide de l'évaluation partagée",
        "kind": ResourceKind.GUIDE,
        "summary": "Comment évaluer ensemble un projet mené en partenariat.",
        "link": "https://www.partenariat-en-sante.org/guide/",
        "audience": ResourceAudience.PROFESSIONALS,
        "licence": ResourceLicence.CC_BY,
    }
    values.update(overrides)
    return values


def publish(staff, **overrides) -> Resource:
    themes = overrides.pop("themes", [])
    file = overrides.get("file")
    resource = resource_propose(
        by=staff, changes=changes(**overrides), file_format="pdf" if file else "", publish=True
    )
    resource.themes.set(themes)
    return resource


def form_data(**overrides) -> dict:
    data = {
        "title": "Fiche repère : s'engager dans le partenariat",
        "kind": ResourceKind.TOOL,
        "summary": "Une fiche pour se situer avant de s'engager.",
        "link": "",
        "audience": ResourceAudience.ALL,
        "licence": ResourceLicence.CC_BY_SA,
        "published_on": "",
    }
    data.update(overrides)
    return data


def titles(response) -> list[str]:
    found = re.findall(
        r'<h3 class="h5 resource-title"><a href="[^"]+">([^<]+)</a>', response.content.decode()
    )
    return [html.unescape(title) for title in found]


# --- Search, filters, pagination -------------------------------------------------------------


def test_keyword_search_ignores_accents_and_uses_french_stems(client, staff_user):
    publish(staff_user, title="Évaluer ensemble les pratiques", summary="Une démarche d'auto-évaluation.")
    publish(
        staff_user, title="Vidéo : témoignages", kind=ResourceKind.VIDEO, summary="Des patients racontent."
    )

    by_stem = client.get(reverse("directory:resources"), {"q": "évaluation"})
    without_accents = client.get(reverse("directory:resources"), {"q": "EVALUER"})
    by_plural = client.get(reverse("directory:resources"), {"q": "temoignage"})

    assert titles(by_stem) == ["Évaluer ensemble les pratiques"]
    assert titles(without_accents) == ["Évaluer ensemble les pratiques"]
    assert titles(by_plural) == ["Vidéo : témoignages"]


def test_search_ranks_title_matches_first(client, staff_user):
    publish(staff_user, title="Charte d'accueil", summary="Former les équipes au partenariat.")
    publish(staff_user, title="Former au partenariat", summary="Un module pour les IFSI.")

    response = client.get(reverse("directory:resources"), {"q": "partenariats"})

    assert titles(response) == ["Former au partenariat", "Charte d'accueil"]


def test_filters_by_kind_audience_and_theme(client, staff_user):
    care = Domain.objects.get(code="soin-accompagnement")
    publish(staff_user, title="Guide soignants", audience=ResourceAudience.PROFESSIONALS, themes=[care])
    publish(staff_user, title="Guide patients", audience=ResourceAudience.PATIENTS)
    publish(staff_user, title="Cible pour tous", kind=ResourceKind.TARGET, audience=ResourceAudience.ALL)

    url = reverse("directory:resources")
    assert titles(client.get(url, {"type": "cible"})) == ["Cible pour tous"]
    # A resource « pour tous » is also one for patients.
    assert sorted(titles(client.get(url, {"public": "patients"}))) == ["Cible pour tous", "Guide patients"]
    assert titles(client.get(url, {"theme": "soin-accompagnement"})) == ["Guide soignants"]
    assert titles(client.get(url, {"type": "guide", "public": "professionnels"})) == ["Guide soignants"]


def test_unknown_filter_values_are_ignored_not_an_error(client, staff_user):
    publish(staff_user, title="Guide soignants")

    response = client.get(reverse("directory:resources"), {"type": "inconnu", "theme": "nope"})

    assert response.status_code == 200
    assert titles(response) == ["Guide soignants"]


def test_list_is_paginated_with_a_bounded_number_of_queries(
    client, staff_user, django_assert_max_num_queries
):
    themes = list(Domain.objects.all())
    for number in range(13):
        publish(
            staff_user,
            title=f"Ressource numéro {number:02d}",
            published_on=date(2024, 1, number + 1),
            themes=themes,
        )

    with django_assert_max_num_queries(4):
        first = client.get(reverse("directory:resources"))
    with django_assert_max_num_queries(4):
        second = client.get(reverse("directory:resources"), {"page": 2})

    assert len(titles(first)) == 12
    assert titles(first)[0] == "Ressource numéro 12"
    assert titles(second) == ["Ressource numéro 00"]
    assert "13 ressources" in first.content.decode()


def test_empty_results_say_what_to_do(client, staff_user):
    publish(staff_user, title="Guide soignants")

    response = client.get(reverse("directory:resources"), {"q": "astrophysique"})

    content = response.content.decode()
    assert "Aucune ressource ne correspond à votre recherche." in content
    assert "Essayez un autre mot" in content
    assert "Voir toutes les ressources" in content


# --- Who sees an unpublished resource ---------------------------------------------------------


def test_pending_resource_is_404_to_outsiders_and_visible_to_its_proposer_and_staff(
    client, referent, other_referent, partner_client, copil_client, staff_client, admin_client
):
    resource = resource_propose(by=referent, changes=changes(title="Projet des usagers, brouillon"))
    detail = reverse("directory:resource_detail", args=[resource.slug])
    download = reverse("directory:resource_download", args=[resource.slug])

    for outsider in (client, partner_client, copil_client, client_for(other_referent)):
        assert outsider.get(detail).status_code == 404
        assert outsider.get(download).status_code == 404
    owner = client_for(referent)
    assert owner.get(detail).status_code == 200
    assert "En attente de modération" in owner.get(detail).content.decode()
    assert staff_client.get(detail).status_code == 200
    assert admin_client.get(detail).status_code == 200
    assert "Projet des usagers, brouillon" not in client.get(reverse("directory:resources")).content.decode()
    assert Resource.objects.get(pk=resource.pk).download_count == 0


def test_unknown_slug_is_404(client):
    assert client.get(reverse("directory:resource_detail", args=["nexiste-pas"])).status_code == 404


# --- Proposing --------------------------------------------------------------------------------


def test_referent_proposal_waits_for_the_staff(referent, structure):
    owner = client_for(referent)

    response = owner.post(
        reverse("directory:resource_propose"),
        form_data(link="https://exemple.fr/fiche", author_structure=structure.pk, publish="1"),
    )

    resource = Resource.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/ressources/{resource.slug}/"
    # « publish » is the staff's button: a référent's proposal waits whatever the form says.
    assert (resource.status, resource.proposed_by, resource.author_structure) == (
        ModerationStatus.PENDING,
        referent,
        structure,
    )
    assert resource.slug == "fiche-repere-sengager-dans-le-partenariat"


def test_referent_may_not_sign_for_another_structure(referent, other_referent):
    foreign = Membership.objects.get(person__user=other_referent).structure

    response = client_for(referent).post(
        reverse("directory:resource_propose"),
        form_data(link="https://exemple.fr/fiche", author_structure=foreign.pk),
    )

    assert response.status_code == 400
    assert not Resource.objects.exists()


def test_staff_publish_directly_and_the_resource_is_listed(client, staff_client):
    response = staff_client.post(
        reverse("directory:resource_propose"), form_data(link="https://exemple.fr/fiche", publish="1")
    )

    resource = Resource.objects.get()
    assert response.status_code == 302
    assert resource.status == ModerationStatus.PUBLISHED
    assert resource.published_on is not None
    assert titles(client.get(reverse("directory:resources"))) == [
        "Fiche repère : s'engager dans le partenariat"
    ]


def test_partner_who_is_not_referent_gets_a_french_403(partner_client, copil_client, client):
    response = partner_client.get(reverse("directory:resource_propose"))
    posted = partner_client.post(reverse("directory:resource_propose"), form_data(link="https://exemple.fr"))

    assert response.status_code == 403
    assert "Les ressources sont proposées par les référents de structure" in response.content.decode()
    assert posted.status_code == 403
    assert copil_client.get(reverse("directory:resource_propose")).status_code == 403
    anonymous = client.get(reverse("directory:resource_propose"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/compte/connexion/")
    assert not Resource.objects.exists()


def test_service_refuses_a_proposal_from_a_partner(partner):
    with pytest.raises(Exception, match="référents de structure"):
        resource_propose(by=partner, changes=changes())
    assert not Resource.objects.exists()


def test_a_pdf_file_is_stored_privately_and_served_as_an_attachment(client, staff_client, _private_media):
    response = staff_client.post(
        reverse("directory:resource_propose"),
        {**form_data(), "file": SimpleUploadedFile("Fiche.PDF", PDF, "application/pdf"), "publish": "1"},
    )
    resource = Resource.objects.get()

    download = client.get(reverse("directory:resource_download", args=[resource.slug]))

    assert response.status_code == 302
    assert (resource.file_format, resource.file_size) == ("pdf", len(PDF))
    assert resource.file.name.startswith("ressources/") and "Fiche" not in resource.file.name
    assert (_private_media / resource.file.name).read_bytes() == PDF
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == (
        'attachment; filename="fiche-repere-sengager-dans-le-partenariat.pdf"'
    )
    assert b"".join(download.streaming_content) == PDF
    resource.refresh_from_db()
    assert resource.download_count == 1


def docx(marker: str = "word/document.xml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(marker, "<document/>")
    return buffer.getvalue()


def test_a_real_docx_is_accepted(staff_client):
    response = staff_client.post(
        reverse("directory:resource_propose"),
        {**form_data(), "file": SimpleUploadedFile("fiche.docx", docx(), "application/octet-stream")},
    )

    assert response.status_code == 302
    assert Resource.objects.get().file_format == "docx"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("fiche.pdf", b"Ceci est un simple texte, pas un PDF.\n"),
        ("fiche.docx", b"MZ\x90\x00\x03 un programme renomme"),
        ("fiche.xlsx", docx()),  # a Word archive renamed as a spreadsheet
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40),  # a PNG signature and no image
        ("script.html", b"<script>alert(1)</script>"),
    ],
)
def test_a_file_that_is_not_what_it_says_is_refused_and_nothing_saved(
    referent, name, content, _private_media
):
    response = client_for(referent).post(
        reverse("directory:resource_propose"),
        {**form_data(), "file": SimpleUploadedFile(name, content, "application/pdf")},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Ce fichier n&#x27;est pas un vrai fichier" in page or "Format non accepté" in page
    assert not Resource.objects.exists()
    assert not _private_media.exists() or not any(_private_media.rglob("*.*"))


def test_text_renamed_pdf_gets_the_exact_french_message(referent):
    response = client_for(referent).post(
        reverse("directory:resource_propose"),
        {**form_data(), "file": SimpleUploadedFile("fiche.pdf", b"juste du texte", "application/pdf")},
    )

    assert response.status_code == 400
    assert (
        "Ce fichier n&#x27;est pas un vrai fichier PDF : son contenu ne correspond pas à son nom."
        in response.content.decode()
    )


def test_a_file_over_20_mb_is_refused(referent, settings):
    big = SimpleUploadedFile("gros.pdf", b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024), "application/pdf")

    response = client_for(referent).post(reverse("directory:resource_propose"), {**form_data(), "file": big})

    assert response.status_code == 400
    assert "Le fichier est trop lourd (20,0 Mo) : 20 Mo au maximum." in response.content.decode()
    assert not Resource.objects.exists()


def test_exactly_one_of_file_and_link(referent):
    owner = client_for(referent)
    url = reverse("directory:resource_propose")

    neither = owner.post(url, form_data())
    both = owner.post(
        url,
        {**form_data(link="https://exemple.fr"), "file": SimpleUploadedFile("f.pdf", PDF, "application/pdf")},
    )

    assert neither.status_code == 400
    assert "Joignez un fichier ou donnez un lien vers la ressource." in neither.content.decode()
    assert both.status_code == 400
    assert "Donnez soit un fichier, soit un lien, pas les deux." in both.content.decode()
    assert not Resource.objects.exists()


def test_the_database_refuses_a_resource_without_file_nor_link():
    with pytest.raises(IntegrityError), transaction.atomic():
        Resource.objects.create(
            title="Rien", slug="rien", kind="guide", summary="…", audience="tous", licence="autre"
        )


def test_a_reserved_address_is_never_given_to_a_resource(staff_user):
    resource = publish(staff_user, title="Proposer")

    assert resource.slug == "proposer-2"


# --- Moderation -------------------------------------------------------------------------------


def test_moderation_pages_are_for_the_staff_only(
    client, partner_client, copil_client, referent, staff_client
):
    resource = resource_propose(by=referent, changes=changes(title="Projet des usagers"))
    queue = reverse("directory:resource_moderation")
    review = reverse("directory:resource_review", args=[resource.pk])

    assert client.get(queue).status_code == 302
    for outsider in (partner_client, copil_client, client_for(referent)):
        assert outsider.get(queue).status_code == 403
        assert outsider.post(review, {"decision": "publish"}).status_code == 403
    listed = staff_client.get(queue)
    assert listed.status_code == 200
    assert "Projet des usagers" in listed.content.decode()
    assert "Proposée par Inès Garcia" in listed.content.decode()


def review_data(resource: Resource, **overrides) -> dict:
    data = {
        "title": resource.title,
        "kind": resource.kind,
        "summary": resource.summary,
        "link": resource.link,
        "audience": resource.audience,
        "licence": resource.licence,
        "published_on": "",
        "author_structure": resource.author_structure_id or "",
        "reason": "",
    }
    data.update(overrides)
    return data


def test_staff_publish_a_proposal_and_the_proposer_is_told(
    client, referent, staff_client, mailoutbox, django_capture_on_commit_callbacks
):
    resource = resource_propose(by=referent, changes=changes(title="Projet des usagers"))

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("directory:resource_review", args=[resource.pk]),
            review_data(resource, decision="publish", title="Projet des usagers du CH de Béziers"),
        )

    resource.refresh_from_db()
    assert response.status_code == 302
    assert resource.status == ModerationStatus.PUBLISHED
    assert resource.title == "Projet des usagers du CH de Béziers"
    assert titles(client.get(reverse("directory:resources"), {"q": "Béziers usagers"})) == [
        "Projet des usagers du CH de Béziers"
    ]
    assert [(email.to, email.subject) for email in mailoutbox] == [
        (["referente@exemple.fr"], "Votre ressource « Projet des usagers du CH de Béziers » est publiée")
    ]
    assert f"https://cops.exemple.fr/ressources/{resource.slug}/" in mailoutbox[0].body


def test_staff_refuse_with_a_reason_that_reaches_the_proposer(
    referent, staff_client, mailoutbox, django_capture_on_commit_callbacks
):
    resource = resource_propose(by=referent, changes=changes(title="Brochure commerciale"))

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("directory:resource_review", args=[resource.pk]),
            review_data(
                resource, decision="refuse", reason="Ce document fait la publicité d'une formation payante."
            ),
        )

    resource.refresh_from_db()
    assert response.status_code == 302
    assert (resource.status, resource.moderation_note) == (
        ModerationStatus.REJECTED,
        "Ce document fait la publicité d'une formation payante.",
    )
    assert [(email.to, email.subject) for email in mailoutbox] == [
        (["referente@exemple.fr"], "Votre ressource « Brochure commerciale » n'est pas publiée")
    ]
    assert "Ce document fait la publicité d'une formation payante." in mailoutbox[0].body
    owner_view = client_for(referent).get(reverse("directory:resource_detail", args=[resource.slug]))
    assert "Ce document fait la publicité d&#x27;une formation payante." in owner_view.content.decode()


def test_refusing_without_a_reason_changes_nothing(referent, staff_client, mailoutbox):
    resource = resource_propose(by=referent, changes=changes(title="Brochure"))

    response = staff_client.post(
        reverse("directory:resource_review", args=[resource.pk]),
        review_data(resource, decision="refuse", title="Titre corrigé"),
    )

    resource.refresh_from_db()
    assert response.status_code == 400
    assert "Expliquez le refus" in response.content.decode()
    assert (resource.status, resource.title) == (ModerationStatus.PENDING, "Brochure")
    assert mailoutbox == []


# --- Downloads --------------------------------------------------------------------------------


def test_opening_a_link_counts_and_redirects(client, staff_user):
    resource = publish(staff_user, link="https://www.has-sante.fr/pacte")

    first = client.get(reverse("directory:resource_download", args=[resource.slug]))
    client.get(reverse("directory:resource_download", args=[resource.slug]))

    assert first.status_code == 302
    assert first["Location"] == "https://www.has-sante.fr/pacte"
    resource.refresh_from_db()
    assert resource.download_count == 2
    assert "2 consultations" in client.get(reverse("directory:resources")).content.decode()


def test_the_proposer_may_open_a_pending_file_without_counting_it(referent, _private_media):
    resource = resource_propose(
        by=referent,
        changes=changes(link="", file=SimpleUploadedFile("f.pdf", PDF, "application/pdf")),
        file_format="pdf",
    )

    response = client_for(referent).get(reverse("directory:resource_download", args=[resource.slug]))

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    resource.refresh_from_db()
    assert resource.download_count == 0


# --- Lexicon and badges -----------------------------------------------------------------------


def test_glossary_has_an_anchor_for_every_term_and_every_actor_profile(client):
    response = client.get(reverse("directory:glossary"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Des mots pour se comprendre</h1>" in content
    for anchor in lexicon_anchors():
        assert f'id="{anchor}"' in content
        assert f'href="#{anchor}"' in content  # the table of contents
    assert 'href="#"' not in content  # every entry of the table of contents leads somewhere
    codes = set(ActorProfile.objects.values_list("code", flat=True))
    assert codes == set(lexicon().profile_anchors)
    assert set(lexicon().profile_anchors.values()) <= lexicon_anchors()
    assert (
        "Personne ayant développé des savoirs expérientiels et des compétences supplémentaires de chercheur"
        in content
    )


def test_profile_badges_on_person_page_and_cards_link_to_their_definition(client):
    person = make_person(first_name="Nadia", last_name="Benali", profiles=["patient-partenaire-formateur"])

    page = client.get(reverse("directory:person_detail", args=[person.pk])).content.decode()
    card = client.get(reverse("directory:patient_partners")).content.decode()

    link = '<a href="/lexique/#patient-partenaire-formateur"'
    assert link in page
    assert (
        '<a class="profile-link" href="/lexique/#patient-partenaire-formateur">Patient partenaire formateur</a>'
        in card
    )


# --- Sitemap and privacy ----------------------------------------------------------------------


def test_sitemap_lists_published_resources_and_the_glossary_only(client, staff_user, referent):
    published = publish(staff_user, title="Guide publié")
    pending = resource_propose(by=referent, changes=changes(title="Brouillon confidentiel"))

    content = client.get("/sitemap.xml").content.decode()

    assert f"/ressources/{published.slug}/</loc>" in content
    assert f"/ressources/{pending.slug}/" not in content
    assert "/lexique/</loc>" in content
    assert "/ressources/</loc>" in content


def test_export_lists_the_resources_a_person_proposed_and_deletion_keeps_them_anonymous(referent, staff_user):
    published = resource_propose(by=referent, changes=changes(title="Guide de la référente"))
    staff_own = publish(staff_user, title="Guide de l'équipe")

    rows = personal_data_export(user=referent)["donnees"]["directory.Resource"]["lignes"]
    account_delete(user=referent, notify=False)

    assert [row["title"] for row in rows] == ["Guide de la référente"]
    published.refresh_from_db()
    staff_own.refresh_from_db()
    assert published.proposed_by is None
    assert staff_own.proposed_by == staff_user
