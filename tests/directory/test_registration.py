import io

import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from actors.enums import MembershipStatus, ModerationStatus, Visibility
from actors.models import ActorProfile, Domain, Membership, Person, Structure
from tests.factories.directory import VALID_FINESS, VALID_SIRET, make_structure

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    caches["shared"].clear()


def step(slug: str) -> str:
    return reverse("directory:register_person", args=[slug])


def ids(model, *codes) -> list[str]:
    return [str(pk) for pk in model.objects.filter(code__in=codes).values_list("pk", flat=True)]


def image_upload(fmt="PNG", size=(120, 90), name="photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 130)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def visibility_data(**overrides) -> dict:
    data = {f"vis_{name}": str(int(level)) for name, level in Person.RESTRICTABLE_FIELDS.items()}
    data.update({f"vis_{name}": str(int(level)) for name, level in overrides.items()})
    return data


def test_person_registration_in_five_steps(partner_client, partner):
    response = partner_client.post(
        step("identite"),
        {"first_name": "Sacha", "last_name": "Martin", "email": "sacha@exemple.fr", "photo": image_upload()},
    )
    assert response.status_code == 302 and response["Location"] == step("profils")
    partner_client.post(
        step("profils"),
        {"profiles": ids(ActorProfile, "proche-aidant"), "domains": ids(Domain, "soin-accompagnement")},
    )
    partner_client.post(step("territoire"), {"commune": "Albi (81000)", "territories": ["81", "12"]})
    partner_client.post(
        step("activites"), {"bio": "Aidant de ma mère.", "experience": "Alzheimer depuis 2018."}
    )
    last = partner_client.get(step("visibilite")).content.decode()
    assert "Récapitulatif" in last and "Albi (81000)" in last and "Aidant de ma mère." in last

    response = partner_client.post(
        step("visibilite"), {**visibility_data(experience=Visibility.STAFF), "consent": "on"}
    )

    assert response.status_code == 302
    person = Person.objects.get(user=partner)
    assert person.status == ModerationStatus.PENDING
    assert (person.first_name, person.last_name, person.commune_id, person.zone) == (
        "Sacha",
        "Martin",
        "81004",
        "ouest",
    )
    assert sorted(person.territories.values_list("code", flat=True)) == ["12", "81"]
    assert person.field_level("experience") == Visibility.STAFF
    assert person.photo.name.startswith("photos/") and person.photo.name.endswith(".jpg")
    with Image.open(person.photo.path) as stored:
        assert stored.format == "JPEG"


def test_failed_step_saves_nothing_and_keeps_what_was_typed(partner_client, partner):
    partner_client.post(step("identite"), {"first_name": "Sacha", "last_name": "Martin"})

    response = partner_client.post(step("territoire"), {"commune": "Atlantide", "territories": ["81"]})

    content = response.content.decode()
    assert response.status_code == 200
    assert "Commune introuvable en Occitanie." in content
    assert 'value="Atlantide"' in content
    assert 'id="error-summary"' in content
    person = Person.objects.get(user=partner)
    assert person.commune_id is None and person.territories.count() == 0


def test_commune_outside_occitanie_is_accepted_and_flagged(partner_client, partner, staff_client):
    partner_client.post(step("identite"), {"first_name": "Sacha", "last_name": "Martin"})

    partner_client.post(step("territoire"), {"commune": "Paris (75011)", "region_wide": "on"})

    person = Person.objects.get(user=partner)
    assert (person.commune_id, person.outside_commune, person.region_wide) == (None, "Paris (75011)", True)


def test_territory_and_consent_are_required(partner_client, partner):
    partner_client.post(step("identite"), {"first_name": "Sacha", "last_name": "Martin"})

    no_territory = partner_client.post(step("territoire"), {"commune": "31555"}).content.decode()
    no_consent = partner_client.post(step("visibilite"), visibility_data()).content.decode()

    assert "Choisissez au moins un département, ou « Toute la région »." in no_territory
    assert "Votre accord est nécessaire pour publier votre fiche." in no_consent
    assert Person.objects.get(user=partner).status == ModerationStatus.DRAFT


def test_bad_uploads_are_refused_with_a_clear_message(partner_client, partner):
    not_an_image = SimpleUploadedFile("photo.png", b"%PDF-1.4 pas une image", content_type="image/png")
    gif = image_upload(fmt="GIF", name="photo.gif")

    first = partner_client.post(
        step("identite"), {"first_name": "Sacha", "last_name": "Martin", "photo": not_an_image}
    )
    second = partner_client.post(
        step("identite"), {"first_name": "Sacha", "last_name": "Martin", "photo": gif}
    )

    assert "Ce fichier n&#x27;est pas une image lisible" in first.content.decode()
    assert "Format d&#x27;image non accepté" in second.content.decode()
    assert not Person.objects.filter(user=partner).exists()


def test_unverified_account_cannot_register(unverified_user):
    from django.test import Client

    client = Client()
    client.force_login(unverified_user)

    response = client.get(step("identite"))

    assert response.status_code == 302 and response["Location"] == reverse("actors:account")


def test_structure_registration_with_identifiers_position_and_referent(partner_client, partner):
    from tests.factories.directory import make_person

    make_person(user=partner, first_name="Sacha", last_name="Martin")
    bad = partner_client.post(
        reverse("directory:register_structure_new"),
        {
            "name": "Clinique du Parc",
            "structure_type": "1",
            "siret": "732 829 320 00075",
            "finess": "310781407",
        },
    ).content.decode()
    assert "Ce numéro SIRET n&#x27;est pas valide" in bad
    assert "Ce numéro FINESS n&#x27;est pas valide" in bad
    assert not Structure.objects.exists()

    from actors.models import StructureType

    clinic = StructureType.objects.get(code="clinique").pk
    partner_client.post(
        reverse("directory:register_structure_new"),
        {
            "name": "Clinique du Parc",
            "structure_type": clinic,
            "siret": "732 829 320 00074",
            "finess": VALID_FINESS,
        },
    )
    structure = Structure.objects.get()
    url = lambda slug: reverse("directory:register_structure", args=[structure.pk, slug])  # noqa: E731
    partner_client.post(url("domaines"), {"domains": ids(Domain, "soin-accompagnement")})
    wrong_postal = partner_client.post(
        url("adresse"),
        {"address": "1 rue du Parc", "postal_code": "34000", "commune": "31555", "territories": ["31"]},
    ).content.decode()
    assert "Ce code postal ne correspond pas à Toulouse" in wrong_postal
    partner_client.post(
        url("adresse"),
        {"address": "1 rue du Parc", "postal_code": "31400", "commune": "31555", "territories": ["31"]},
    )
    structure.refresh_from_db()
    assert (round(structure.latitude, 4), round(structure.longitude, 4)) == (43.596, 1.4321)
    outside = partner_client.post(
        url("position"), {"latitude": "48.85", "longitude": "2.35"}
    ).content.decode()
    assert "La position choisie est en dehors de la région" in outside
    partner_client.post(url("position"), {"latitude": "43.5801", "longitude": "1.4500"})
    partner_client.post(url("publication"), {"consent": "on"})

    structure.refresh_from_db()
    assert structure.status == ModerationStatus.PENDING
    assert (structure.siret, structure.finess) == (VALID_SIRET, VALID_FINESS)
    assert (structure.latitude, structure.longitude) == (43.5801, 1.45)
    membership = Membership.objects.get(structure=structure)
    assert (membership.person.user_id, membership.is_referent, membership.status) == (
        partner.pk,
        True,
        MembershipStatus.ACCEPTED,
    )


def test_only_referents_edit_a_structure(partner_client, other_partner):
    structure = make_structure(by=other_partner, name="Association des Aidants")

    response = partner_client.get(reverse("directory:register_structure", args=[structure.pk, "identite"]))

    assert response.status_code == 403


def test_similar_published_structure_is_shown_at_registration(partner_client, partner):
    existing = make_structure(name="Centre hospitalier de Montauban")
    draft = make_structure(by=partner, name="Centre Hospitalier Montauban", status=ModerationStatus.DRAFT)

    content = partner_client.get(
        reverse("directory:register_structure", args=[draft.pk, "publication"])
    ).content.decode()

    assert "Ces structures semblables sont déjà dans l'annuaire" in content
    assert reverse("directory:structure_detail", args=[existing.pk]) in content


def test_registration_posts_are_rate_limited(partner_client, settings):
    settings.RATE_LIMITS = {"directory.register": (3, 3600)}

    codes = [
        partner_client.post(step("identite"), {"first_name": "Sacha", "last_name": "Martin"}).status_code
        for _ in range(4)
    ]

    assert codes == [302, 302, 302, 429]


def test_commune_suggestions_by_name_or_postal_code(client):
    by_name = client.get(reverse("directory:commune_suggestions"), {"q": "beziers"}).json()["results"]
    by_postal = client.get(reverse("directory:commune_suggestions"), {"q": "8100"}).json()["results"]

    assert by_name[0]["label"] == "Béziers (34500)"
    assert by_postal[0]["label"] == "Albi (81000)"


def test_owner_archives_restores_and_deletes_own_profile(partner_client, partner, client):
    from tests.factories.directory import make_person

    person = make_person(user=partner, first_name="Sacha", last_name="Martin")
    detail = reverse("directory:person_detail", args=[person.pk])

    partner_client.post(reverse("directory:profile_action", args=["personne", person.pk, "archiver"]))
    assert client.get(detail).status_code == 404
    partner_client.post(reverse("directory:profile_action", args=["personne", person.pk, "restaurer"]))
    assert Person.objects.get(pk=person.pk).status == ModerationStatus.DRAFT
    partner_client.post(
        reverse("directory:profile_action", args=["personne", person.pk, "supprimer"]), {"confirm": "oui"}
    )

    assert not Person.objects.filter(pk=person.pk).exists()


def test_a_person_downloads_all_their_data(partner_client, partner, client):
    from tests.factories.directory import make_person

    make_person(
        user=partner, first_name="Sacha", last_name="Martin", experience="Mon vécu.", phone="06 00 00 00 01"
    )

    response = partner_client.get(reverse("directory:my_data"))

    data = response.json()
    assert response["Content-Disposition"] == 'attachment; filename="mes-donnees-annuaire-cops.json"'
    assert data["fiche"]["experience"] == "Mon vécu."
    assert data["fiche"]["telephone"] == "06 00 00 00 01"
    assert data["visibilite"]["phone"] == "L'équipe du COPS uniquement"
    assert data["consentement"]["version_du_texte"] == "2026-01"
    assert client.get(reverse("directory:my_data")).status_code == 302
