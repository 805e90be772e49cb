"""Project sheets: proposing, editing, showing, persons invited, documents (issue 15 §1)."""

import html
import io
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from PIL import Image

from actors.enums import MembershipStatus, ModerationStatus, RevisionStatus, Visibility
from actors.models import Activity, Domain, Membership, Person, Structure
from directory.models import Entry, Project, ProjectDocument, ProjectPerson, ProjectPersonStatus
from directory.services.profiles import profile_approve, profile_submit
from directory.services.projects import project_invite_person, project_person_respond, project_save
from directory.space import space_sections, space_waiting
from tests.factories.actors import UserFactory
from tests.factories.directory import _staff, make_person, make_project, make_structure, project_changes

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.SITE_URL = "https://cops.exemple.fr"


def text(response) -> str:
    return html.unescape(response.content.decode())


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def member():
    """A partner with a published profile, référent of a published structure."""
    user = UserFactory(email="porteuse@exemple.fr", first_name="Inès", last_name="Garcia")
    make_person(user=user, first_name="Inès", last_name="Garcia")
    structure = make_structure(by=user, name="Centre hospitalier de Montauban")
    return user, structure


def form_data(structure: Structure, **overrides) -> dict:
    data = {
        "title": "Ateliers ETP co-animés",
        "summary": "Des patients partenaires co-animent les ateliers avec les soignants.",
        "description": "Chaque atelier est préparé en binôme.",
        "main_structure": str(structure.pk),
        "state": "en_cours",
        "started_on": "2025-01-15",
        "ended_on": "",
        "domains": [str(Domain.objects.get(code="soin-accompagnement").pk)],
        "practices": [str(Activity.objects.get(code="education-therapeutique").pk)],
        "territories": ["82"],
        "commune_1": "Montauban (82000)",
        "commune_2": "",
        "commune_3": "",
        "brakes": ["disponibilite"],
        "levers": [],
        "lessons": "Préparer ensemble change tout.",
        "outcomes": "",
        "video_url": "",
        "website": "",
        "consent": "on",
        "action": "submit",
    }
    data.update(overrides)
    return data


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


# --- Services -----------------------------------------------------------------------------------------


def test_make_project_builds_a_published_project_through_the_services(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        project = make_project(title="Jardin partagé")

    assert project.status == ModerationStatus.PUBLISHED
    assert project.slug == "jardin-partage"
    assert [d.code for d in project.domains.all()] == ["soin-accompagnement"]
    assert [c.insee_code for c in project.communes.all()] == ["31555"]
    assert project.zone == "ouest"
    assert Entry.objects.filter(project=project).count() == 1
    assert "Votre projet est publié sur la cartographie du COPS" in [m.subject for m in mail.outbox]
    assert make_project(title="Jardin partagé", structure=project.main_structure).slug == "jardin-partage-2"


def test_project_for_a_structure_one_does_not_belong_to_is_refused_and_nothing_saved(member):
    _user, structure = member
    outsider = UserFactory()
    make_person(user=outsider)
    requested = UserFactory()
    make_person(user=requested, first_name="Paul")
    Membership.objects.create(
        person=Person.objects.get(user=requested), structure=structure, status=MembershipStatus.REQUESTED
    )

    for user in (outsider, requested):
        with pytest.raises(ValidationError) as error:
            project_save(project=None, by=user, changes=project_changes(main_structure=structure))
        assert error.value.messages == [
            "Vous ne pouvez proposer un projet que pour une structure dont vous êtes membre."
        ]

    assert Project.objects.count() == 0


# --- Proposing through the page ----------------------------------------------------------------------


def test_member_proposes_a_project_which_waits_for_moderation(member, django_capture_on_commit_callbacks):
    user, structure = member
    client = client_for(user)

    page = client.get(reverse("directory:project_create"))
    response = client.post(reverse("directory:project_create"), form_data(structure))

    assert page.status_code == 200
    assert "Structure qui porte le projet" in page.content.decode()
    assert "Le manque de disponibilité des patients et usagers" in page.content.decode()
    project = Project.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("directory:project_detail", args=["ateliers-etp-co-animes"])
    assert project.status == ModerationStatus.PENDING
    assert project.created_by == user
    assert project.consent_at is not None
    assert project.brakes == ["disponibilite"]
    assert str(project.started_on) == "2025-01-15"
    assert [c.insee_code for c in project.communes.all()] == ["82121"]
    assert Client().get(project.get_absolute_url()).status_code == 404
    assert client.get(project.get_absolute_url()).status_code == 200


def test_submitting_without_consent_saves_nothing(member):
    user, structure = member

    response = client_for(user).post(reverse("directory:project_create"), form_data(structure, consent=""))

    assert response.status_code == 200
    assert "Votre accord est nécessaire pour envoyer le projet à la modération." in response.content.decode()
    assert Project.objects.count() == 0


def test_error_summary_links_to_the_first_box_of_a_missing_choice(member):
    user, structure = member

    response = client_for(user).post(reverse("directory:project_create"), form_data(structure, domains=[]))

    html = response.content.decode()
    assert '<a href="#id_domains_0">Domaines</a> : Ce champ est obligatoire.' in html
    assert 'id="id_domains_0"' in html
    assert Project.objects.count() == 0


def test_page_refuses_a_structure_the_author_is_not_member_of(member):
    _user, structure = member
    outsider = UserFactory()
    make_person(user=outsider)
    own = make_structure(by=outsider, name="Association des usagers")

    response = client_for(outsider).post(reverse("directory:project_create"), form_data(structure))

    assert own.pk != structure.pk
    assert response.status_code == 200
    assert "Vous ne pouvez proposer un projet que pour une structure dont vous êtes membre." in (
        response.content.decode()
    )
    assert Project.objects.count() == 0


def test_partner_without_structure_is_told_how_to_propose(partner_client):
    response = partner_client.get(reverse("directory:project_create"))

    assert response.status_code == 403
    assert "Les projets sont proposés par les membres d'une structure" in response.content.decode()


def test_anonymous_is_sent_to_sign_in():
    response = Client().get(reverse("directory:project_create"))

    assert response.status_code == 302
    assert "/compte/connexion/" in response["Location"]


# --- Visibility -----------------------------------------------------------------------------------------


def test_unpublished_project_is_404_for_outsiders_and_visible_to_its_editors(member, tmp_path):
    user, structure = member
    project = make_project(by=user, structure=structure, status=ModerationStatus.DRAFT, title="Projet secret")
    client = client_for(user)
    client.post(
        reverse("directory:project_documents", args=[project.slug]),
        {"kind": "pitch", "title": "Pitch", "file": _upload("pitch.pdf", PDF)},
    )
    document = ProjectDocument.objects.get()
    Project.objects.filter(pk=project.pk).update(image="directory/projects/x.jpg")
    other = UserFactory()
    make_person(user=other)
    urls = [
        reverse("directory:project_detail", args=[project.slug]),
        reverse("directory:project_document", args=[project.slug, document.pk]),
        reverse("directory:project_image", args=[project.slug]),
    ]

    for url in urls:
        assert Client().get(url).status_code == 404, url
        assert client_for(other).get(url).status_code == 404, url
    assert client.get(urls[0]).status_code == 200
    assert client.get(urls[1]).status_code == 200
    assert client_for(_staff_user()).get(urls[0]).status_code == 200


def _staff_user():
    from actors.enums import Role

    return UserFactory(roles=[Role.STAFF, Role.PARTNER])


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_edit_of_a_published_project_waits_for_moderation(member, django_capture_on_commit_callbacks):
    user, structure = member
    project = make_project(by=user, structure=structure, title="Ancien titre")
    client = client_for(user)

    response = client.post(
        reverse("directory:project_edit", args=[project.slug]), form_data(structure, title="Nouveau titre")
    )
    public = Client().get(project.get_absolute_url()).content.decode()
    project.refresh_from_db()

    assert response.status_code == 302
    assert project.title == "Ancien titre"
    assert project.revision["title"] == "Nouveau titre"
    assert project.revision_status == RevisionStatus.PENDING
    assert "Ancien titre" in public and "Nouveau titre" not in public

    with django_capture_on_commit_callbacks(execute=True):
        profile_approve(profile=project, by=_staff())
    public = Client().get(project.get_absolute_url()).content.decode()

    assert "Nouveau titre" in public
    assert "Les modifications de votre projet sont publiées" in [m.subject for m in mail.outbox]


def test_edit_page_is_forbidden_to_other_partners(member):
    user, structure = member
    project = make_project(by=user, structure=structure)
    other = UserFactory()

    assert client_for(other).get(reverse("directory:project_edit", args=[project.slug])).status_code == 403
    assert client_for(other).post(reverse("directory:project_remove", args=[project.slug])).status_code == 403
    assert Project.objects.filter(pk=project.pk, status=ModerationStatus.PUBLISHED).exists()


# --- Documents -------------------------------------------------------------------------------------------


def test_a_file_that_is_not_what_it_says_is_refused_and_nothing_kept(member, settings):
    user, structure = member
    project = make_project(by=user, structure=structure)

    response = client_for(user).post(
        reverse("directory:project_documents", args=[project.slug]),
        {
            "kind": "rapport",
            "title": "Rapport final",
            "file": _upload("rapport.pdf", b"MZ\x90\x00 not a pdf"),
        },
    )

    assert response.status_code == 200
    assert "Ce fichier n'est pas un vrai fichier PDF" in text(response)
    assert ProjectDocument.objects.count() == 0
    private = settings.PRIVATE_MEDIA_ROOT
    assert not private.exists() or list(private.rglob("*.*")) == []


def test_document_is_public_once_approved_with_the_next_edit(member):
    user, structure = member
    project = make_project(by=user, structure=structure, title="Poster du projet")
    client = client_for(user)

    client.post(
        reverse("directory:project_documents", args=[project.slug]),
        {"kind": "poster", "title": "Notre poster", "file": _upload("poster.pdf", PDF)},
    )
    document = ProjectDocument.objects.get()
    url = reverse("directory:project_document", args=[project.slug, document.pk])
    project.refresh_from_db()

    assert document.approved is False
    assert document.file_format == "pdf"
    assert document.file_size == len(PDF)
    assert project.revision_status == RevisionStatus.DRAFT
    assert Client().get(url).status_code == 404
    assert b"".join(client.get(url).streaming_content) == PDF

    profile_submit(profile=project, by=user, consent=True)
    profile_approve(profile=project, by=_staff())
    response = Client().get(url)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="poster-du-projet-notre-poster.pdf"'
    assert b"".join(response.streaming_content) == PDF


def test_project_image_is_reencoded_and_public_once_published(member):
    user, structure = member
    client = client_for(user)
    data = form_data(structure, action="draft", consent="")
    data["image"] = _upload("affiche.png", png_bytes())

    client.post(reverse("directory:project_create"), data)
    project = Project.objects.get()
    url = reverse("directory:project_image", args=[project.slug])

    assert project.image.name.endswith(".jpg")
    assert Client().get(url).status_code == 404
    assert client.get(url)["Content-Type"] == "image/jpeg"

    profile_submit(profile=project, by=user, consent=True)
    profile_approve(profile=project, by=_staff())

    assert Client().get(url).status_code == 200


def test_an_image_that_is_not_an_image_is_refused(member):
    user, structure = member
    data = form_data(structure)
    data["image"] = _upload("affiche.png", b"not an image at all")

    response = client_for(user).post(reverse("directory:project_create"), data)

    assert "Ce fichier n'est pas une image lisible" in text(response)
    assert Project.objects.count() == 0


# --- Persons involved --------------------------------------------------------------------------------------


@pytest.fixture
def invitee():
    user = UserFactory(email="rose@exemple.fr", first_name="Rose", last_name="Lenoir")
    return make_person(user=user, first_name="Rose", last_name="Lenoir")


def test_invited_person_appears_only_once_they_accept(member, invitee, django_capture_on_commit_callbacks):
    user, structure = member
    project = make_project(by=user, structure=structure, title="Café des patients")
    client = client_for(user)
    search = client.get(reverse("directory:project_persons", args=[project.slug]), {"q": "leno"})

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("directory:project_persons", args=[project.slug]),
            {"person": invitee.pk, "role": "Co-animatrice"},
        )

    assert "Rose Lenoir" in search.content.decode()
    assert response.status_code == 302
    invitation = ProjectPerson.objects.get()
    assert invitation.status == ProjectPersonStatus.INVITED
    assert [m.subject for m in mail.outbox] == [
        "Inès Garcia vous propose d'apparaître sur le projet « Café des patients »"
    ]
    assert mail.outbox[0].to == ["rose@exemple.fr"]
    assert f"https://cops.exemple.fr/projets/{project.slug}/participation/" in mail.outbox[0].body
    assert "Rose Lenoir" not in Client().get(project.get_absolute_url()).content.decode()
    waiting = space_waiting(invitee.user)
    assert [item.title for item in waiting] == [
        "Inès Garcia vous propose d'apparaître sur le projet « Café des patients »"
    ]

    answer = client_for(invitee.user).post(
        reverse("directory:project_participation", args=[project.slug]), {"answer": "accept"}
    )

    assert answer.status_code == 302
    assert ProjectPerson.objects.get().status == ProjectPersonStatus.ACCEPTED
    page = Client().get(project.get_absolute_url()).content.decode()
    assert "Rose Lenoir" in page and "Co-animatrice" in page
    assert (
        "Café des patients"
        in Client().get(reverse("directory:person_detail", args=[invitee.pk])).content.decode()
    )
    assert space_waiting(invitee.user) == []


def test_declined_invitation_is_never_shown(member, invitee):
    user, structure = member
    project = make_project(by=user, structure=structure)
    invitation = project_invite_person(project=project, by=user, person=invitee)

    project_person_respond(invitation=invitation, by=invitee.user, accept=False)

    assert "Rose Lenoir" not in Client().get(project.get_absolute_url()).content.decode()
    assert (
        project.title
        not in Client().get(reverse("directory:person_detail", args=[invitee.pk])).content.decode()
    )


def test_only_the_invited_person_may_answer(member, invitee):
    user, structure = member
    project = make_project(by=user, structure=structure)
    project_invite_person(project=project, by=user, person=invitee)

    response = client_for(user).post(
        reverse("directory:project_participation", args=[project.slug]), {"answer": "accept"}
    )

    assert response.status_code == 404
    assert ProjectPerson.objects.get().status == ProjectPersonStatus.INVITED


def test_inviting_the_same_person_twice_is_refused(member, invitee):
    user, structure = member
    project = make_project(by=user, structure=structure)
    project_invite_person(project=project, by=user, person=invitee)

    response = client_for(user).post(
        reverse("directory:project_persons", args=[project.slug]), {"person": invitee.pk, "role": ""}
    )

    assert "Cette personne est déjà invitée sur ce projet." in response.content.decode()
    assert ProjectPerson.objects.count() == 1


def test_person_with_restricted_memberships_is_hidden_from_anonymous(member):
    user, structure = member
    hidden_user = UserFactory()
    hidden = make_person(
        user=hidden_user,
        first_name="Yann",
        last_name="Discret",
        visibility={"memberships": Visibility.PARTNERS},
    )
    project = make_project(by=user, structure=structure)
    invitation = project_invite_person(project=project, by=user, person=hidden)
    project_person_respond(invitation=invitation, by=hidden_user, accept=True)

    anonymous = Client().get(project.get_absolute_url()).content.decode()
    as_partner = client_for(user).get(project.get_absolute_url()).content.decode()

    assert "Yann" not in anonymous
    assert "Yann Discret" in as_partner
    assert (
        project.title
        not in Client().get(reverse("directory:person_detail", args=[hidden.pk])).content.decode()
    )


# --- Lists and Mon espace -------------------------------------------------------------------------------


def test_structure_page_lists_its_published_projects(member):
    user, structure = member
    make_project(by=user, structure=structure, title="Projet publié")
    make_project(by=user, structure=structure, title="Projet brouillon", status=ModerationStatus.DRAFT)
    partner_structure = make_structure(name="Maison des usagers")
    make_project(by=user, structure=structure, title="Projet partagé", structures=[partner_structure])

    page = Client().get(reverse("directory:structure_detail", args=[structure.pk])).content.decode()
    other = Client().get(reverse("directory:structure_detail", args=[partner_structure.pk])).content.decode()

    assert "Projet publié" in page and "Projet partagé" in page
    assert "Projet brouillon" not in page
    assert "Projet partagé" in other and "Projet publié" not in other


def test_mon_espace_lists_my_projects_with_their_state(member):
    user, structure = member
    make_project(by=user, structure=structure, title="Mon projet", status=ModerationStatus.PENDING)

    section = next(s for s in space_sections(user) if s.key == "projets")

    assert [item.title for item in section.items] == ["Mon projet"]
    assert [badge.label for badge in section.items[0].badges] == ["En cours", "En attente de modération"]


def test_project_detail_query_count(member, django_assert_max_num_queries):
    user, structure = member
    project = make_project(by=user, structure=structure, structures=[make_structure(name="Autre")])
    for index in range(4):
        person = make_person(user=UserFactory(), first_name=f"Personne{index}")
        invitation = project_invite_person(project=project, by=user, person=person)
        project_person_respond(invitation=invitation, by=person.user, accept=True)
    client = Client()

    with django_assert_max_num_queries(15):
        response = client.get(project.get_absolute_url())

    assert response.status_code == 200
    assert response.content.decode().count("Personne") >= 4


def test_edit_page_is_prefilled_with_the_pending_version(member):
    user, structure = member
    project = make_project(by=user, structure=structure, title="Titre publié", brakes=["benevolat"])
    project_save(
        project=project,
        by=user,
        changes=project_changes(main_structure=structure, title="Titre en cours", brakes=["benevolat"]),
    )

    page = text(client_for(user).get(reverse("directory:project_edit", args=[project.slug])))

    assert 'value="Titre en cours"' in page
    assert re.search(r'name="brakes" value="benevolat"\s+id="id_brakes_\d+" checked', page)
    assert not re.search(r'name="brakes" value="disponibilite"\s+id="id_brakes_\d+" checked', page)
    assert "Envoyer mes modifications" in page


def test_author_deletes_a_draft_with_its_files_and_archives_a_published_project(
    member, settings, django_capture_on_commit_callbacks
):
    user, structure = member
    client = client_for(user)
    draft = make_project(by=user, structure=structure, title="Brouillon", status=ModerationStatus.DRAFT)
    client.post(
        reverse("directory:project_documents", args=[draft.slug]),
        {"kind": "pitch", "title": "Pitch", "file": _upload("pitch.pdf", PDF)},
    )
    stored = settings.PRIVATE_MEDIA_ROOT / ProjectDocument.objects.get().file.name
    published = make_project(by=user, structure=structure, title="Publié")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("directory:project_remove", args=[draft.slug]))
        client.post(reverse("directory:project_remove", args=[published.slug]))

    assert not Project.objects.filter(pk=draft.pk).exists()
    assert ProjectDocument.objects.count() == 0
    assert not stored.exists()
    assert Project.objects.get(pk=published.pk).status == ModerationStatus.ARCHIVED
    assert Client().get(published.get_absolute_url()).status_code == 404
    assert not Entry.objects.filter(project_id=published.pk).exists()


def test_invitation_names_the_inviter_as_partners_see_them(invitee, django_capture_on_commit_callbacks):
    inviter = UserFactory(first_name="Jeanne", last_name="Cachée")
    make_person(
        user=inviter, first_name="Jeanne", last_name="Cachée", visibility={"last_name": Visibility.STAFF}
    )
    project = make_project(by=inviter, title="Projet discret")

    with django_capture_on_commit_callbacks(execute=True):
        project_invite_person(project=project, by=inviter, person=invitee)

    assert [m.subject for m in mail.outbox if "discret" in m.subject] == [
        "Jeanne vous propose d'apparaître sur le projet « Projet discret »"
    ]
    assert "Cachée" not in mail.outbox[-1].body
    assert [item.title for item in space_waiting(invitee.user)] == [
        "Jeanne vous propose d'apparaître sur le projet « Projet discret »"
    ]


def test_a_project_titled_like_a_page_of_the_projects_gets_another_address():
    from directory.services.projects import unique_project_slug

    assert unique_project_slug("Proposer") == "proposer-2"
