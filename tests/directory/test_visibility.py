"""What each viewer sees of a person: anonymous, signed-in without a published profile,
partner (own profile published), staff, and the owner."""

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from actors.enums import ModerationStatus, Visibility
from actors.models import Person
from actors.permissions import directory_viewer_level
from directory.services.profiles import person_save, profile_approve, profile_submit
from tests.factories.actors import UserFactory
from tests.factories.directory import make_person

pytestmark = pytest.mark.django_db

PUBLIC, PARTNERS, STAFF = Visibility.PUBLIC, Visibility.PARTNERS, Visibility.STAFF


@pytest.fixture
def person():
    return make_person(
        first_name="Hélène",
        last_name="Cassagne",
        bio="Bio publique.",
        experience="Expérience réservée aux partenaires.",
        email="helene.contact@exemple.fr",
        phone="06 11 22 33 44",
        visibility={
            "last_name": PARTNERS,
            "experience": PARTNERS,
            "email": PARTNERS,
            "phone": STAFF,
            "commune": STAFF,
        },
    )


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def published_partner_client():
    viewer = make_person(first_name="Paul", last_name="Partenaire")
    return client_for(viewer.user)


def test_viewer_levels(person, partner, staff_user):
    unpublished = make_person(first_name="Nina", last_name="Brouillon", status=ModerationStatus.PENDING)

    assert directory_viewer_level(AnonymousUser()) == PUBLIC
    assert directory_viewer_level(partner) == PUBLIC  # an account without a published profile
    assert directory_viewer_level(unpublished.user) == PUBLIC
    assert directory_viewer_level(person.user) == PARTNERS
    assert directory_viewer_level(staff_user) == STAFF


def test_anonymous_visitor_sees_public_fields_only(person, client):
    content = client.get(reverse("directory:person_detail", args=[person.pk])).content.decode()

    assert "Hélène" in content
    assert "Bio publique." in content
    assert "Cassagne" not in content
    assert "Expérience réservée aux partenaires." not in content
    assert "helene.contact@exemple.fr" not in content
    assert "06 11 22 33 44" not in content
    assert "Toulouse" not in content


def test_signed_in_user_without_published_profile_sees_public_fields_only(person, partner_client):
    content = partner_client.get(reverse("directory:person_detail", args=[person.pk])).content.decode()

    assert "Cassagne" not in content
    assert "helene.contact@exemple.fr" not in content


def test_partner_with_published_profile_sees_partner_fields(person, published_partner_client):
    content = published_partner_client.get(
        reverse("directory:person_detail", args=[person.pk])
    ).content.decode()

    assert "Hélène Cassagne" in content
    assert "Expérience réservée aux partenaires." in content
    assert "helene.contact@exemple.fr" in content
    assert "06 11 22 33 44" not in content
    assert "Toulouse" not in content


def test_staff_sees_everything(person, staff_client):
    content = staff_client.get(reverse("directory:person_detail", args=[person.pk])).content.decode()

    assert "Hélène Cassagne" in content
    assert "06 11 22 33 44" in content
    assert "Toulouse (31000)" in content


def test_owner_sees_everything_with_who_sees_each_field(person):
    content = (
        client_for(person.user).get(reverse("directory:person_detail", args=[person.pk])).content.decode()
    )

    assert "06 11 22 33 44" in content
    assert "Visible par : L&#x27;équipe du COPS uniquement" in content
    assert "Statut de la fiche :" in content


def test_unpublished_profile_is_not_found_except_for_owner_and_staff(client, staff_client):
    pending = make_person(first_name="Zoé", last_name="Attente", status=ModerationStatus.PENDING)
    url = reverse("directory:person_detail", args=[pending.pk])

    assert client.get(url).status_code == 404
    assert staff_client.get(url).status_code == 200
    assert client_for(pending.user).get(url).status_code == 200


def test_restricted_fields_never_match_filters_of_lower_audiences(person, client, published_partner_client):
    # Hélène's commune is staff-only: a visitor filtering on Toulouse must not find her.
    public = client.get(reverse("directory:list"), {"commune": "31555"}).content.decode()
    staff_level_titles = list(
        Person.objects.filter(directory_entry__tags_staff__contains=["c:31555"]).values_list(
            "first_name", flat=True
        )
    )

    assert "Hélène" not in public
    assert "Hélène" in staff_level_titles
    # Her last name is for partners: a visitor's name search does not find it, a partner's does.
    assert "Hélène" not in client.get(reverse("directory:list"), {"nom": "Cassagne"}).content.decode()
    assert (
        "Hélène Cassagne"
        in published_partner_client.get(reverse("directory:list"), {"nom": "Cassagne"}).content.decode()
    )


def _jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 80, 60)).save(buffer, format="JPEG")
    return SimpleUploadedFile("moi.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_photo_is_served_only_to_those_who_may_see_it(client, published_partner_client, staff_client):
    from cops.images import reencode_image

    person = make_person(first_name="Iris", last_name="Photo", visibility={"photo": PARTNERS})
    person_save(person=person, by=person.user, changes={"photo": reencode_image(_jpeg(), kind="photo")})
    profile_submit(profile=person, by=person.user, consent=True)
    profile_approve(profile=person, by=UserFactory())
    url = reverse("directory:person_photo", args=[person.pk])

    assert client.get(url).status_code == 404
    assert published_partner_client.get(url).status_code == 200
    assert staff_client.get(url)["Content-Type"] == "image/jpeg"
