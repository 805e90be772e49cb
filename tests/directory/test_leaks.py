"""The leak test: many profiles carry a unique marker in every restricted field; no output a
viewer may see — list, search, detail, map, API, exports, emails — may contain one.

Markers "ZQXSTAFF…" are in staff-only fields, "ZQXPART…" in partners-only fields. Positive
controls (the staff and partners do see them) prove the check can fail.
"""

import io
import re

import pytest
from django.core import mail
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from actors.enums import MembershipStatus, ModerationStatus, Visibility
from actors.models import Activity, ActorProfile, Availability, Domain, Membership, Person, Qualification
from directory.services.bulk import ProfileRow, persons_bulk_create
from directory.services.memberships import membership_request
from tests.factories.actors import UserFactory
from tests.factories.directory import make_person, make_structure

pytestmark = pytest.mark.django_db

PER_GROUP = 15
# A small commune used only by restricted profiles (its name and centroid are the markers).
SECRET_COMMUNE = "09001"  # Aigues-Juntes
SECRET_COMMUNE_NAME = "Aigues-Juntes"
SECRET_COORDINATES = ("1.4714", "43.0504")
ANY_MARKER = re.compile(r"ZQX(STAFF|PART)")
STAFF_MARKER = re.compile(r"ZQXSTAFF")


def _secret_taxonomies(group: str) -> dict[str, list[int]]:
    """Inactive taxonomy values (so they are not offered as filters) with marker labels."""
    made = {}
    for field, model in (
        ("profiles", ActorProfile),
        ("domains", Domain),
        ("qualifications", Qualification),
        ("activities", Activity),
        ("availabilities", Availability),
    ):
        extra = {"side": "usager"} if model is ActorProfile else {}
        item = model.objects.create(
            code=f"zqx-{group.lower()}-{field}", label=f"ZQX{group}TAXO{field}", is_active=False, **extra
        )
        made[field] = [item.pk]
    return made


def _rows(group: str, level: int, structure) -> list[ProfileRow]:
    taxonomies = _secret_taxonomies(group)
    rows = []
    for n in range(PER_GROUP):
        marker = f"ZQX{group}{n:03d}"
        rows.append(
            ProfileRow(
                fields={
                    "first_name": f"Visible{group.title()}{n}",
                    "last_name": f"{marker}LASTNAME",
                    "commune_id": SECRET_COMMUNE,
                    "bio": f"{marker}BIO hôpital formation",
                    "experience": f"{marker}EXPERIENCE",
                    "email": f"{marker.lower()}email@exemple.fr",
                    "phone": f"{marker}PHONE",
                    "website": f"https://{marker.lower()}website.exemple.fr",
                    "visibility": {name: int(level) for name in Person.RESTRICTABLE_FIELDS},
                },
                many_to_many={**taxonomies, "territories": ["09"]},
                status=ModerationStatus.PUBLISHED,
            )
        )
    return rows


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    caches["shared"].clear()
    referent = make_person(first_name="Régine", last_name="Publique")
    structure = make_structure(
        by=referent.user,
        name="Maison de santé des Pyrénées",
        commune="09122",
        postal_code="09000",
        territories=["09"],
    )
    staff_only = persons_bulk_create(rows=_rows("STAFF", Visibility.STAFF, structure))
    partners_only = persons_bulk_create(rows=_rows("PART", Visibility.PARTNERS, structure))
    for person in staff_only + partners_only:
        Membership.objects.create(
            person=person,
            structure=structure,
            function=f"ZQX{'STAFF' if person in staff_only else 'PART'}FUNCTION",
            status=MembershipStatus.ACCEPTED,
        )
    from directory.indexing import index_persons

    index_persons([p.pk for p in staff_only + partners_only])
    # A restricted person asks to join another structure: its référent is emailed.
    other_referent = make_person(first_name="Olivier", last_name="Référent")
    other = make_structure(
        by=other_referent.user,
        name="Association Ariège Santé",
        commune="09122",
        postal_code="09000",
        territories=["09"],
    )
    requester = staff_only[0]
    requester.user = UserFactory()
    requester.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        membership_request(
            person=requester, structure=other, function="Bénévole", message="", by=requester.user
        )
    return {
        "staff_only": staff_only,
        "partners_only": partners_only,
        "structure": structure,
        "persons": staff_only + partners_only,
        "partner_viewer": make_person(first_name="Paula", last_name="Partenaire"),
    }


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def public_outputs(client: Client, world) -> dict[str, str]:
    """Every output of the directory a viewer can reach."""
    outputs = {}
    page = 1
    while True:
        response = client.get(reverse("directory:list"), {"page": page})
        outputs[f"list page {page}"] = response.content.decode()
        if f"page={page + 1}" not in outputs[f"list page {page}"]:
            break
        page += 1
    for query in (
        {"q": "ZQXSTAFF000BIO"},
        {"q": "hôpital formation"},
        {"nom": "ZQXPART001LASTNAME"},
        {"q": "ZQXPARTTAXOdomains"},
    ):
        # What the visitor typed is echoed back (search box, links): only the rest must be clean.
        (typed,) = query.values()
        page = client.get(reverse("directory:list"), query).content.decode()
        api = client.get(reverse("directory:api_actors"), query).content.decode()
        outputs[f"search {query}"] = page.replace(typed, "")
        outputs[f"api search {query}"] = api.replace(typed, "")
        outputs[f"search count {query}"] = page[page.index('id="results-count"') :][:80]
    outputs["map page"] = client.get(reverse("directory:map")).content.decode()
    outputs["patient partners"] = client.get(reverse("directory:patient_partners")).content.decode()
    outputs["geojson"] = client.get(reverse("directory:api_geojson")).content.decode()
    outputs["api list"] = client.get(reverse("directory:api_actors"), {"taille": 200}).content.decode()
    outputs["structure page"] = client.get(
        reverse("directory:structure_detail", args=[world["structure"].pk])
    ).content.decode()
    outputs["api structure"] = client.get(
        reverse("directory:api_structure", args=[world["structure"].pk])
    ).content.decode()
    for person in world["persons"]:
        outputs[f"detail {person.pk}"] = client.get(
            reverse("directory:person_detail", args=[person.pk])
        ).content.decode()
        outputs[f"api {person.pk}"] = client.get(
            reverse("directory:api_person", args=[person.pk])
        ).content.decode()
    return outputs


def leaks(outputs: dict[str, str], pattern: re.Pattern) -> list[str]:
    found = []
    for name, text in outputs.items():
        for match in pattern.finditer(text):
            found.append(f"{name}: …{text[max(0, match.start() - 40) : match.end() + 40]}…")
    return found


def test_anonymous_visitor_sees_no_restricted_value(world, client):
    outputs = public_outputs(client, world)

    assert leaks(outputs, ANY_MARKER) == []
    everything = "".join(outputs.values())
    assert SECRET_COMMUNE_NAME not in everything
    assert f"[{SECRET_COORDINATES[0]},{SECRET_COORDINATES[1]}]" not in outputs["geojson"]
    # The restricted persons are still listed, by first name only.
    assert "VisibleStaff0" in outputs["list page 1"] + outputs.get("list page 2", "") + outputs.get(
        "list page 3", ""
    )
    assert client.get(reverse("directory:person_photo", args=[world["persons"][0].pk])).status_code == 404


def test_signed_in_account_without_published_profile_sees_no_restricted_value(world):
    outputs = public_outputs(client_for(UserFactory()), world)

    assert leaks(outputs, ANY_MARKER) == []


def test_partner_sees_partner_values_but_no_staff_value(world):
    viewer = client_for(world["partner_viewer"].user)
    outputs = public_outputs(viewer, world)

    assert leaks(outputs, STAFF_MARKER) == []
    # Positive control: partners-only values reach partners (so the check above can fail).
    assert "ZQXPART000LASTNAME" in outputs[f"detail {world['partners_only'][0].pk}"]
    assert "ZQXPART000EXPERIENCE" in outputs[f"api {world['partners_only'][0].pk}"]


def test_staff_see_every_value(world, staff_client):
    outputs = public_outputs(staff_client, world)

    person = world["staff_only"][1]
    assert "ZQXSTAFF001PHONE" in outputs[f"detail {person.pk}"]
    assert "ZQXSTAFFTAXOqualifications" in outputs[f"api {person.pk}"]
    assert SECRET_COMMUNE_NAME in outputs[f"detail {person.pk}"]


def test_searching_restricted_values_finds_nothing(world, client):
    for query in ({"q": "ZQXSTAFF000BIO"}, {"nom": "ZQXPART001LASTNAME"}, {"q": "ZQXPARTTAXOdomains"}):
        assert client.get(reverse("directory:api_actors"), query).json()["count"] == 0
    # Their bio mentions "hôpital formation", but only staff may read (and search) it.
    found = client.get(reverse("directory:api_actors"), {"q": "hôpital formation", "taille": 200}).json()
    assert not any(item["title"].startswith("Visible") for item in found["results"])


def test_filters_on_restricted_values_do_not_reveal_them(world, client):
    by_commune = client.get(reverse("directory:api_actors"), {"commune": SECRET_COMMUNE}).json()
    by_territory = client.get(reverse("directory:api_actors"), {"territoire": "09"}).json()

    assert by_commune["count"] == 0
    assert {item["title"] for item in by_territory["results"]} == {
        "Maison de santé des Pyrénées",
        "Association Ariège Santé",
    }


def test_exports_for_a_partner_contain_no_staff_value(world):
    viewer = client_for(world["partner_viewer"].user)

    csv_text = viewer.get(reverse("directory:export", args=["csv"])).content.decode("utf-8-sig")
    xlsx = load_workbook(io.BytesIO(viewer.get(reverse("directory:export", args=["xlsx"])).content))
    cells = " ".join(str(cell) for row in xlsx.active.iter_rows(values_only=True) for cell in row if cell)

    assert leaks({"csv": csv_text, "xlsx": cells}, STAFF_MARKER) == []
    assert "ZQXPART000LASTNAME" in csv_text and "ZQXPART000LASTNAME" in cells
    assert client_for(UserFactory()).get(reverse("directory:export", args=["csv"])).status_code == 403


def test_staff_export_for_the_public_audience_has_no_restricted_value(world, staff_client):
    public = staff_client.get(reverse("directory:export", args=["csv"]), {"audience": "0"}).content.decode(
        "utf-8-sig"
    )
    full = staff_client.get(reverse("directory:export", args=["csv"])).content.decode("utf-8-sig")

    assert leaks({"public export": public}, ANY_MARKER) == []
    assert "ZQXSTAFF002PHONE" in full


def test_emails_to_other_people_contain_no_restricted_value(world):
    # The référent who received the membership request is a partner: no staff-only value.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]

    assert leaks({"email subject": message.subject, "email body": message.body}, ANY_MARKER) == []
    assert "VisibleStaff0 demande à apparaître comme membre" in message.body
