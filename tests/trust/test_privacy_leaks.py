"""The platform-wide leak test.

A generated population covers every visibility level of every restricted field of a person's
profile, with a unique marker in each value: « ZQX<level><FIELD><nn> », where <level> is PUB,
PART or STAFF (the level the person chose for that field) and <nn> the person's number.
Persons whose profile is not published carry « ZQXUNPUB… » markers in every field, all of
them public: an unpublished profile shows nothing to anyone but its owner and the staff.
Account addresses (never shown in the directory) are « zqxstaffaccount<nn>@… ».

The persons are members of structures, charter signatories, CoPil binômes, meeting
invitees, accompaniment participants, self-assessment participants and barometer invitees; a
partner writes to some of them through the contact relay, whose emails carry no address of the
other side until an answer (Reply-To).
Then every page, API response, GeoJSON, search, sitemap, export, PDF and email that an
anonymous visitor, a signed-in account without a published profile, a published partner or a
structure's référent may receive is read: no marker above the reader's level may appear
(except the reader's own values). Positive controls show the staff do see them.
"""

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from accompaniment.services import content as accompaniment_content
from actors.charter_enums import CommitteeKind
from actors.enums import MembershipStatus, ModerationStatus, Role, Visibility
from actors.models import (
    Activity,
    ActorProfile,
    Availability,
    Committee,
    Domain,
    Membership,
    Person,
    Qualification,
)
from actors.permissions import directory_viewer_level
from actors.services import charter as charter_services
from actors.services import committees as committee_services
from barometer.enums import CampaignStatus
from barometer.models import SendingRound
from barometer.services import sending as barometer_sending
from barometer.services.reports import report_publish_request
from cops.models import OutgoingEmail, ReportJob
from cops.reports import report_request
from directory.indexing import index_persons, index_projects
from directory.models import ContactPurpose, ProjectPerson, ProjectPersonStatus
from directory.services.bulk import ProfileRow, persons_bulk_create
from directory.services.contact import contact_message_reply, contact_message_send
from directory.services.memberships import membership_request
from selfassess.enums import Side as SelfassessSide
from selfassess.models import AssessmentSession, Framework
from selfassess.services import participant_invite
from tests.factories.accompaniment import make_accompaniment
from tests.factories.actors import UserFactory
from tests.factories.barometer import CampaignFactory, make_invitation, make_questionnaire
from tests.factories.charter import CharterVersionFactory
from tests.factories.directory import make_person, make_project, make_structure
from tests.workers import tasks_run_in_process

pytestmark = pytest.mark.django_db

LEVELS = (Visibility.PUBLIC, Visibility.PARTNERS, Visibility.STAFF)
TAGS = {Visibility.PUBLIC: "PUB", Visibility.PARTNERS: "PART", Visibility.STAFF: "STAFF"}
UNPUBLISHED = "UNPUB"
# Where a tag may be read: its level; unpublished profiles' values only by the staff and the owner.
TAG_LEVEL = {"PUB": 0, "PART": 1, "STAFF": 2, UNPUBLISHED: 3}
MARKER = re.compile(r"zqx(pub|part|staff|unpub)([a-z]+?)(\d{2})", re.IGNORECASE)
FIELDS = list(Person.RESTRICTABLE_FIELDS)
TAXONOMIES = {
    "profiles": ActorProfile,
    "domains": Domain,
    "qualifications": Qualification,
    "activities": Activity,
    "availabilities": Availability,
}
# A 1×1 JPEG, for the photo (restricted by default).
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912"
    "130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b0800"
    "01000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002"
    "010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f024"
    "33627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a63646566676869"
    "6a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4"
    "c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fbd3"
    "ffd9"
)


def marker(tag: str, name: str, number: int) -> str:
    return f"ZQX{tag}{name.upper().replace('_', '')}{number:02d}"


def level_plans() -> list[dict[str, int]]:
    """Every field at every level: three persons with one level throughout, three mixed ones
    (field i at level i+k), so each field is also seen next to others at different levels."""
    plans = [{name: int(level) for name in FIELDS} for level in LEVELS]
    for shift in range(len(LEVELS)):
        plans.append({name: int(LEVELS[(i + shift) % len(LEVELS)]) for i, name in enumerate(FIELDS)})
    return plans


@dataclass
class Population:
    persons: list[Person]  # published, numbered 0..n-1 (their number is in their markers)
    unpublished: list[Person]
    levels: dict[int, dict[str, int]]
    structure: object
    other_structure: object
    referent: Person  # a published partner, référent of `structure`
    other_referent: Person  # référent of `other_structure`
    staff: object
    accompaniment: object
    meeting: object
    session: AssessmentSession
    session_tokens: dict[str, str]
    campaign: object
    version: object
    previous_version: object
    dossier_job: ReportJob | None = None
    annual_job: ReportJob | None = None
    emails: list[dict] = field(default_factory=list)
    # contact relay: the emails of each step, as handed to the mail backend (headers included).
    contact_emails: dict[str, list] = field(default_factory=dict)
    contact_messages: list = field(default_factory=list)
    project: object = None

    def tag(self, number: int, name: str) -> str:
        return TAGS[self.levels[number][name]]

    def value(self, number: int, name: str) -> str:
        return marker(self.tag(number, name), name, number)


def _taxonomies(number: int, tags: dict[str, str]) -> dict[str, list[int]]:
    """Inactive taxonomy values (not offered as filters) labelled with the person's markers."""
    made = {}
    for name, model in TAXONOMIES.items():
        extra = {"side": "usager"} if model is ActorProfile else {}
        item = model.objects.create(
            code=f"zqx-{number}-{name}", label=marker(tags[name], name, number), is_active=False, **extra
        )
        made[name] = [item.pk]
    return made


def _row(number: int, levels: dict[str, int], *, status: str, tag_override: str | None = None) -> ProfileRow:
    tags = {name: tag_override or TAGS[level] for name, level in levels.items()}
    user = UserFactory(
        email=f"zqxstaffaccount{number:02d}@exemple.fr",
        first_name=f"Visible{number}",
        last_name=marker(tags["last_name"], "last_name", number),
    )
    return ProfileRow(
        fields={
            "user": user,
            "first_name": f"Visible{number}",
            "last_name": marker(tags["last_name"], "last_name", number),
            "commune_id": "31555",
            "bio": marker(tags["bio"], "bio", number) + " hôpital formation",
            "experience": marker(tags["experience"], "experience", number),
            "email": f"{marker(tags['email'], 'email', number).lower()}@exemple.fr",
            "phone": marker(tags["phone"], "phone", number),
            "website": f"https://{marker(tags['website'], 'website', number).lower()}.exemple.fr",
            "visibility": levels,
        },
        many_to_many={**_taxonomies(number, tags), "territories": ["31"]},
        status=status,
        at=timezone.now() - timedelta(days=30),
    )


def _emails_sent() -> list[dict]:
    """Every email of the scenario: the messages handed to the mail backend and the outbox rows."""
    emails = []
    for message in mail.outbox:
        parts = [message.subject, message.body]
        parts += [content for content, _mimetype in getattr(message, "alternatives", [])]
        parts += [str(attachment[1]) for attachment in message.attachments if isinstance(attachment, tuple)]
        emails.append({"to": [a.lower() for a in message.to], "text": "\n".join(parts), "source": "backend"})
    for row in OutgoingEmail.objects.all():
        parts = [row.subject, row.body_text, row.body_html] + [str(item[1]) for item in row.attachments]
        emails.append({"to": [a.lower() for a in row.to], "text": "\n".join(parts), "source": row.template})
    return emails


@pytest.fixture(scope="module")
def population(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module's tests, in a transaction rolled back after the last of them (each
    test runs in a savepoint inside it, so none sees what another wrote)."""
    overrides = override_settings(
        PRIVATE_MEDIA_ROOT=tmp_path_factory.mktemp("private"),
        RATE_LIMITS={"directory.search": (100_000, 60)},
        BAROMETER_EMAILS_PER_MINUTE=0,
        BAROMETER_SMTP_CONNECTIONS=1,
    )
    with overrides:
        with django_db_blocker.unblock(), tasks_run_in_process():
            outer = transaction.atomic()
            outer.__enter__()
            staff_user = UserFactory(
                email="equipe@exemple.fr", first_name="Camille", roles=[Role.STAFF, Role.PARTNER]
            )
            world = build_population(staff_user, TestCase.captureOnCommitCallbacks)
        yield world
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def build_population(staff_user, django_capture_on_commit_callbacks) -> Population:
    caches["shared"].clear()
    mail.outbox.clear()
    plans = level_plans()
    today = timezone.localdate()

    referent = make_person(first_name="Régine", last_name="Référente")
    structure = make_structure(by=referent.user, name="Maison de santé des Aspres", commune="31555")
    other_referent = make_person(first_name="Olivier", last_name="Responsable")
    other_structure = make_structure(
        by=other_referent.user, name="Association Garonne Santé", commune="31555"
    )

    with django_capture_on_commit_callbacks(execute=True):
        persons = persons_bulk_create(
            rows=[_row(n, plan, status=ModerationStatus.PUBLISHED) for n, plan in enumerate(plans)]
        )
        unpublished_statuses = [
            ModerationStatus.DRAFT,
            ModerationStatus.PENDING,
            ModerationStatus.REJECTED,
            ModerationStatus.ARCHIVED,
        ]
        public_plan = {name: int(Visibility.PUBLIC) for name in FIELDS}
        unpublished = persons_bulk_create(
            rows=[
                _row(len(plans) + n, public_plan, status=status, tag_override=UNPUBLISHED)
                for n, status in enumerate(unpublished_statuses)
            ]
        )
        numbers = {person.pk: n for n, person in enumerate(persons + unpublished)}
        for person in persons + unpublished:
            number = numbers[person.pk]
            tag = UNPUBLISHED if person in unpublished else TAGS[plans[number]["memberships"]]
            Membership.objects.create(
                person=person,
                structure=structure,
                function=marker(tag, "function", number),
                status=MembershipStatus.ACCEPTED,
            )
            photo_tag = UNPUBLISHED if person in unpublished else TAGS[plans[number]["photo"]]
            person.photo.save(f"{marker(photo_tag, 'photo', number)}.jpg", ContentFile(JPEG), save=True)
        index_persons([p.pk for p in persons + unpublished])

        # Two restricted persons ask to join the other structure: its référent is emailed.
        for number in (1, 2):
            membership_request(
                person=persons[number],
                structure=other_structure,
                function="Bénévole",
                message="",
                by=persons[number].user,
            )

        # The charter: everybody signs the previous version, then the new one is published
        # (renewal invitations) and signed again.
        previous_version = CharterVersionFactory(year=2031)
        for person in persons + unpublished[:3]:
            charter_services.charter_sign(version=previous_version, by=person.user, person=person)
        charter_services.charter_sign(version=previous_version, by=referent.user, structure=structure)
        version = CharterVersionFactory(year=2032, published_at=None)
        charter_services.charter_version_publish(version=version, by=staff_user)
        version.refresh_from_db()
        for person in persons + unpublished[:3]:
            charter_services.charter_sign(version=version, by=person.user, person=person)

        # The CoPil: three binômes validated by a CoPart meeting, and a meeting of the CoPil.
        copil = Committee.objects.get(kind=CommitteeKind.COPIL)
        copart = Committee.objects.get(kind=CommitteeKind.COPART)
        now = timezone.now()
        copart_meeting = committee_services.meeting_create(
            committee=copart,
            title="Comité des Partenaires de printemps",
            starts_at=now - timedelta(days=20),
            ends_at=now - timedelta(days=20) + timedelta(hours=2),
            location="Toulouse",
            visio_url="",
            agenda="Validation du CoPil",
            by=staff_user,
        )
        mandates = []
        for professional, partner in ((0, 1), (2, 3), (4, 5)):
            binome = committee_services.binome_create(
                committee=copil,
                professional=persons[professional],
                partner=persons[partner],
                start_date=today - timedelta(days=30),
                end_date=None,
                by=staff_user,
            )
            mandates += list(binome.mandates.all())
        committee_services.composition_validate(
            committee=copil,
            meeting=copart_meeting,
            validated_on=today - timedelta(days=20),
            mandates=mandates,
            note="",
            by=staff_user,
        )
        meeting = committee_services.meeting_create(
            committee=copil,
            title="CoPil de novembre",
            starts_at=now + timedelta(days=10),
            ends_at=now + timedelta(days=10, hours=2),
            location="Montpellier",
            visio_url="",
            agenda="Examen des demandes",
            by=staff_user,
        )
        committee_services.meeting_invite_members(meeting=meeting, by=staff_user)
        committee_services.meeting_participant_add(
            meeting=meeting, name="Régine Référente", email=referent.user.email, by=staff_user
        )

    # An accompaniment of the structure: the staff add the restricted persons as participants
    # from the directory (the form fills their name and address in).
    accompaniment = make_accompaniment(
        structure=structure,
        professional_lead=staff_user,
        patient_partner_lead=UserFactory(roles=[Role.STAFF]),
    )
    staff = Client()
    staff.force_login(staff_user)
    for number, person in enumerate(persons):
        response = staff.post(
            reverse("accompaniment:participant_add", args=[accompaniment.pk]),
            {"person": person.pk, "side": "usager" if number % 2 else "professionnel"},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    participants = list(accompaniment.participants.order_by("pk"))
    with django_capture_on_commit_callbacks(execute=True):
        accompaniment_content.meeting_add(
            accompaniment=accompaniment,
            held_on=today,
            title="Rencontre de lancement",
            notes="Présentation du projet",
            participants=participants,
            by=staff_user,
        )
        accompaniment_content.action_add(
            accompaniment=accompaniment,
            title="Rédiger le projet des usagers",
            owner=participants[2],
            due_on=today + timedelta(days=30),
            by=staff_user,
        )
        dossier_job = report_request(
            kind="accompaniment.dossier", params={"accompaniment": str(accompaniment.pk)}, by=referent.user
        )

    # A self-assessment session: the restricted persons and the référent are invited.
    framework = Framework.objects.filter(is_active=True).order_by("pk").first()
    session = AssessmentSession.objects.create(
        title="Séance de la maison de santé", framework=framework, facilitator=staff_user, structure=structure
    )
    session_tokens = {}
    with django_capture_on_commit_callbacks(execute=True):
        for number, person in enumerate(persons):
            _participant, token = participant_invite(
                session=session,
                by=staff_user,
                name=f"{person.first_name} {person.last_name}",
                email=person.email,
                side=SelfassessSide.USER if number % 2 else SelfassessSide.PROFESSIONAL,
            )
            session_tokens[person.email] = token
        _participant, session_tokens[referent.user.email] = participant_invite(
            session=session,
            by=staff_user,
            name="Régine Référente",
            email=referent.user.email,
            side=SelfassessSide.PROFESSIONAL,
        )

    # The barometer: the restricted persons are invited, the invitations are sent, then the
    # campaign's results are published.
    campaign = CampaignFactory(year=2033, anonymous=False)
    questionnaire = make_questionnaire(campaign)
    for person in persons:
        make_invitation(questionnaire, email=person.email, name=f"{person.first_name} {person.last_name}")
    sending_round = SendingRound.objects.create(
        campaign=campaign, number=0, scheduled_at=timezone.now() - timedelta(minutes=5)
    )
    assert barometer_sending.send_round(round_id=sending_round.pk).sent == len(persons)
    campaign.status = CampaignStatus.PUBLISHED
    campaign.save(update_fields=["status"])
    with django_capture_on_commit_callbacks(execute=True):
        report_publish_request(campaign=campaign, by=staff_user)
        annual_job = report_request(kind="actors.annual_report", params={"year": today.year}, by=staff_user)

    contact_emails, contact_messages = _contact_relay(
        persons, referent, other_referent, structure, django_capture_on_commit_callbacks
    )

    # A project of the structure on which every person appears (as if each had accepted), with a
    # role marked at the level of their memberships: taking part in a project is shown like a
    # membership (it can reveal a health condition).
    project = make_project(by=referent.user, structure=structure, title="Projet des Aspres")
    for person in persons + unpublished:
        number = numbers[person.pk]
        tag = UNPUBLISHED if person in unpublished else TAGS[plans[number]["memberships"]]
        ProjectPerson.objects.create(
            project=project,
            person=person,
            role=marker(tag, "role", number),
            status=ProjectPersonStatus.ACCEPTED,
            responded_at=timezone.now(),
        )
    index_projects([project.pk])

    world = Population(
        persons=persons,
        unpublished=unpublished,
        levels=dict(enumerate(plans)),
        structure=structure,
        other_structure=other_structure,
        referent=referent,
        other_referent=other_referent,
        staff=staff_user,
        accompaniment=accompaniment,
        meeting=meeting,
        session=session,
        session_tokens=session_tokens,
        campaign=campaign,
        version=version,
        previous_version=previous_version,
        dossier_job=ReportJob.objects.get(pk=dossier_job.pk),
        annual_job=ReportJob.objects.get(pk=annual_job.pk),
        contact_emails=contact_emails,
        contact_messages=contact_messages,
        project=project,
    )
    world.emails = _emails_sent()
    return world


def _sent_by(call, django_capture_on_commit_callbacks) -> tuple[object, list]:
    """contact relay: a service call's result and the emails it sent (delivered after commit)."""
    start = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        result = call()
    return result, mail.outbox[start:]


def _contact_relay(persons, referent, other_referent, structure, django_capture_on_commit_callbacks):
    """contact relay: a partner (the other structure's référent) writes to three restricted persons
    and to the référent; a visitor writes to the structure; the référent answers the partner."""
    emails: dict[str, list] = {"relayed": [], "confirmations": [], "replies": []}
    messages = []
    writes = [
        {"person": person, "sender_user": other_referent.user, "sender_name": "Olivier Responsable"}
        for person in (*persons[:3], referent)
    ]
    writes.append(
        {
            "structure": structure,
            "sender_user": None,
            "sender_name": "Visiteuse Externe",
            "sender_email": "visiteuse.externe@exemple.fr",
        }
    )
    for write in writes:
        message, sent = _sent_by(
            lambda write=write: contact_message_send(
                **{"sender_email": "", **write},
                purpose=ContactPurpose.PROJECT,
                body="Bonjour, nous montons un projet des usagers : seriez-vous disponible ?",
                enforce_limits=False,
            ),
            django_capture_on_commit_callbacks,
        )
        # The relayed email(s) first, then the sender's confirmation (directory.services.contact).
        emails["relayed"] += sent[:-1]
        emails["confirmations"] += sent[-1:]
        messages.append(message)
    _answer, sent = _sent_by(
        lambda: contact_message_reply(
            message=messages[3], body="Avec plaisir, appelons-nous.", by=referent.user
        ),
        django_capture_on_commit_callbacks,
    )
    emails["replies"] += sent
    return emails, messages


# --- Reading what a viewer receives ---------------------------------------------------------------------


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def xlsx_text(content: bytes) -> str:
    workbook = load_workbook(io.BytesIO(content))
    return "\n".join(
        " ".join(str(cell) for cell in row if cell is not None)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def searchable_markers(world: Population) -> list[tuple[str, Person]]:
    """Every restricted text value of the population (what a visitor might type in the search box),
    with the person it belongs to."""
    values = []
    for number, person in enumerate(world.persons):
        for name in ("last_name", "bio", "experience", "phone", "profiles", "domains", "qualifications"):
            if world.levels[number][name] > Visibility.PUBLIC:
                values.append((world.value(number, name), person))
    for person in world.unpublished:
        values.append((person.last_name, person))
    return values


def get_text(client: Client, url: str, outputs: dict, name: str, *, params=None, typed: str = "") -> None:
    response = client.get(url, params or {})
    if response.status_code in (301, 302, 403, 404):
        outputs[name] = ""
        return
    assert response.status_code == 200, f"{name}: {response.status_code}"
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "pdf" in content_type:
        text = pdf_text(body)
    elif "spreadsheetml" in content_type:
        text = xlsx_text(body)
    else:
        text = body.decode("utf-8-sig")
    # What the visitor typed is echoed back (search box, links): only the rest must be clean.
    outputs[name] = text.replace(typed, "") if typed else text


def viewer_outputs(client: Client, world: Population) -> dict[str, str]:
    """Every output of the platform this client can reach, by name."""
    outputs: dict[str, str] = {}
    # Public pages.
    for name, url in {
        "home": reverse("home"),
        "map": reverse("directory:map"),
        "patient partners": reverse("directory:patient_partners"),
        "geojson": reverse("directory:api_geojson"),
        "charter": reverse("charter:charter"),
        "charter version": reverse("charter:version", args=[world.previous_version.year]),
        "committees": reverse("charter:committees"),
        "copil": reverse("charter:copil"),
        "copart": reverse("charter:committee_detail", args=["copart"]),
        "decisions": reverse("charter:decisions"),
        "barometer": reverse("barometer:landing"),
        "barometer results": reverse("barometer:public_results", args=[world.campaign.year]),
        "barometer report": reverse("barometer:public_report", args=[world.campaign.year]),
        "accompaniment landing": reverse("accompaniment:landing"),
        "selfassess index": reverse("selfassess:index"),
        "sitemap": reverse("sitemap"),
        "robots": reverse("robots_txt"),
        "project": reverse("directory:project_detail", args=[world.project.slug]),
        "api project": reverse("directory:api_project", args=[world.project.pk]),
        "projects list": reverse("directory:list") + "?type=projet",
        "projects map list": reverse("directory:map") + "?type=projet",
        "embedded map": reverse("directory:map_embed"),
        "structure page": reverse("directory:structure_detail", args=[world.structure.pk]),
    }.items():
        get_text(client, url, outputs, name)
    for year in (world.version.year, world.previous_version.year):
        get_text(
            client, reverse("charter:signatories"), outputs, f"signatories {year}", params={"annee": year}
        )
        get_text(client, reverse("charter:statistics"), outputs, f"statistics {year}", params={"annee": year})
        for side in ("usager", "professionnel"):
            get_text(
                client,
                reverse("charter:signatories"),
                outputs,
                f"signatories {year} {side}",
                params={"annee": year, "cote": side},
            )
    page = 1
    while True:
        get_text(client, reverse("directory:list"), outputs, f"list page {page}", params={"page": page})
        if f"page={page + 1}" not in outputs[f"list page {page}"]:
            break
        page += 1
    get_text(client, reverse("directory:api_actors"), outputs, "api list", params={"taille": 200})
    for typed, _person in searchable_markers(world):
        for key in ("q", "nom"):
            get_text(
                client,
                reverse("directory:list"),
                outputs,
                f"search {key}={typed}",
                params={key: typed},
                typed=typed,
            )
            get_text(
                client,
                reverse("directory:api_actors"),
                outputs,
                f"api {key}={typed}",
                params={key: typed},
                typed=typed,
            )
    for structure in (world.structure, world.other_structure):
        get_text(
            client,
            reverse("directory:structure_detail", args=[structure.pk]),
            outputs,
            f"structure {structure.pk}",
        )
        get_text(
            client,
            reverse("directory:api_structure", args=[structure.pk]),
            outputs,
            f"api structure {structure.pk}",
        )
    for person in world.persons + world.unpublished:
        get_text(client, reverse("directory:person_detail", args=[person.pk]), outputs, f"person {person.pk}")
        get_text(
            client, reverse("directory:api_person", args=[person.pk]), outputs, f"api person {person.pk}"
        )
    # contact relay: the writing forms name their recipient (an anonymous visitor is sent to sign
    # in where only partners may write).
    for person in world.persons + world.unpublished:
        get_text(
            client, reverse("directory:contact_person", args=[person.pk]), outputs, f"contact {person.pk}"
        )
    for structure in (world.structure, world.other_structure):
        get_text(
            client,
            reverse("directory:contact_structure", args=[structure.pk]),
            outputs,
            f"contact structure {structure.pk}",
        )
    # What a signed-in account reaches.
    for name, url in {
        "account": reverse("actors:account"),
        "my profiles": reverse("directory:my_profiles"),
        "membership requests": reverse("directory:membership_requests"),
        "my meetings": reverse("charter:my_meetings"),
        "meeting": reverse("charter:meeting_detail", args=[world.meeting.pk]),
        "meeting ics": reverse("charter:meeting_ics", args=[world.meeting.pk]),
        "accompaniment": reverse("accompaniment:detail", args=[world.accompaniment.pk]),
        "accompaniment requests": reverse("accompaniment:request_list"),
        "reports": reverse("platform:report_list"),
        "dossier": reverse("platform:report_download", args=[world.dossier_job.pk]),
        "export csv": reverse("directory:export", args=["csv"]),
        "export xlsx": reverse("directory:export", args=["xlsx"]),
        "selfassess session": reverse("selfassess:session_detail", args=[world.session.pk]),
        "selfassess target": reverse("selfassess:session_target", args=[world.session.pk]),
    }.items():
        get_text(client, url, outputs, name)
    return outputs


def participant_outputs(client: Client, world: Population, token: str) -> dict[str, str]:
    """What a self-assessment participant sees through their personal link."""
    outputs: dict[str, str] = {}
    join = client.get(reverse("selfassess:join", args=[token]))
    assert join.status_code == 302
    get_text(client, join["Location"], outputs, "participation")
    get_text(client, reverse("selfassess:participant_results", args=[world.session.pk]), outputs, "results")
    return outputs


def leaks(outputs: dict[str, str], level: int, *, own: int | None = None) -> list[str]:
    """Markers above `level` (other than the reader's own values), with their surroundings."""
    found = []
    for name, text in outputs.items():
        for match in MARKER.finditer(text):
            tag, number = match.group(1).upper(), int(match.group(3))
            if TAG_LEVEL[tag] > level and number != own:
                found.append(f"{name}: …{text[max(0, match.start() - 60) : match.end() + 40]}…")
    return found


# --- The tests ------------------------------------------------------------------------------------------


def test_anonymous_visitor_receives_no_restricted_value(population, client):
    outputs = viewer_outputs(client, population)

    assert leaks(outputs, Visibility.PUBLIC) == []
    # The restricted persons are still listed, by their first name.
    everything = "\n".join(outputs.values())
    assert "Visible2" in everything
    assert marker("PUB", "bio", 0) in outputs[f"person {population.persons[0].pk}"]


def test_signed_in_account_without_published_profile_receives_no_restricted_value(population):
    outputs = viewer_outputs(client_for(UserFactory()), population)

    assert leaks(outputs, Visibility.PUBLIC) == []


def test_published_partner_receives_no_staff_value(population):
    viewer = make_person(first_name="Paula", last_name="Partenaire")

    outputs = viewer_outputs(client_for(viewer.user), population)

    assert leaks(outputs, Visibility.PARTNERS) == []
    # Positive controls: partners-only values reach partners (so the check above can fail).
    assert marker("PART", "experience", 1) in outputs[f"person {population.persons[1].pk}"]
    assert marker("PART", "phone", 1) in outputs["export csv"]
    assert marker("PART", "phone", 1) in outputs["export xlsx"]


def test_structure_referent_receives_no_staff_value(population):
    client = client_for(population.referent.user)

    outputs = viewer_outputs(client, population)
    outputs.update(
        participant_outputs(client, population, population.session_tokens[population.referent.user.email])
    )

    assert leaks(outputs, Visibility.PARTNERS) == []
    # The référent does reach the accompaniment, its dossier, the meeting and the session.
    assert "Rencontre de lancement" in outputs["accompaniment"]
    # Participants taken from the directory: a partners-level name is shown, a staff-only one is not.
    assert f"Visible1 {marker('PART', 'last_name', 1)}" in outputs["accompaniment"]
    assert f"Visible1 {marker('PART', 'last_name', 1)}" in outputs["dossier"]
    assert '<span class="fw-bold">Visible2</span>' in outputs["accompaniment"]
    assert "Rédiger le projet des usagers" in outputs["dossier"]
    assert "CoPil de novembre" in outputs["meeting"]
    assert "Séance de la maison de santé" in outputs["participation"]


def test_who_comes_to_a_meeting_is_named_as_the_directory_allows(population):
    from actors.charter_enums import MeetingResponse
    from actors.models import MeetingParticipant

    MeetingParticipant.objects.filter(meeting=population.meeting).update(response=MeetingResponse.COMING)
    client = client_for(population.referent.user)

    text = client.get(reverse("charter:meeting_detail", args=[population.meeting.pk])).content.decode()

    assert leaks({"meeting": text}, Visibility.PARTNERS) == []
    assert f"Visible1 {marker('PART', 'last_name', 1)}" in text  # partners-level names do show
    assert "@" not in re.sub(
        r"<(script|link|meta)[^>]*>", "", text.split('id="contenu"')[1].split("<footer")[0]
    )


def test_other_referent_sees_membership_requests_without_staff_values(population):
    outputs = viewer_outputs(client_for(population.other_referent.user), population)

    assert leaks(outputs, Visibility.PARTNERS) == []
    assert "Visible1" in outputs["membership requests"] and "Visible2" in outputs["membership requests"]


def test_self_assessment_participant_sees_no_other_participant(population):
    person = population.persons[0]
    client = Client()

    outputs = participant_outputs(client, population, population.session_tokens[person.email])

    assert leaks(outputs, Visibility.PUBLIC, own=0) == []
    assert "Séance de la maison de santé" in outputs["participation"]


def test_searching_restricted_values_does_not_find_their_person(population, client):
    staff = client_for(population.staff)
    missed = []

    for typed, person in searchable_markers(population):
        for key in ("q", "nom"):
            found = {
                item["id"]
                for item in client.get(reverse("directory:api_actors"), {key: typed}).json()["results"]
            }
            if person.pk in found:
                missed.append((key, typed))

    assert missed == []
    # Positive control: the staff do find a person by a staff-only value.
    person = population.persons[2]
    found = staff.get(reverse("directory:api_actors"), {"q": marker("STAFF", "bio", 2)}).json()["results"]
    assert person.pk in {item["id"] for item in found}


def test_photos_follow_their_visibility(population, client):
    partner = client_for(make_person(first_name="Paula", last_name="Partenaire").user)
    staff = client_for(population.staff)

    for number, person in enumerate(population.persons):
        url = reverse("directory:person_photo", args=[person.pk])
        level = population.levels[number]["photo"]
        assert client.get(url).status_code == (200 if level == Visibility.PUBLIC else 404)
        assert partner.get(url).status_code == (200 if level <= Visibility.PARTNERS else 404)
        assert staff.get(url).status_code == 200
    for person in population.unpublished:
        assert partner.get(reverse("directory:person_photo", args=[person.pk])).status_code == 404


def test_emails_carry_no_value_their_recipient_may_not_see(population):
    staff_addresses = {population.staff.email}
    own: dict[str, int] = {}
    for number, person in enumerate(population.persons + population.unpublished):
        own[person.user.email.lower()] = number
        own[person.email.lower()] = number
    checked = 0
    found = []

    for email in population.emails:
        for address in email["to"]:
            if address in staff_addresses:
                continue
            from actors.models import User

            user = User.objects.filter(email__iexact=address).first()
            level = directory_viewer_level(user) if user is not None else Visibility.PUBLIC
            found += leaks({f"{email['source']} to {address}": email["text"]}, level, own=own.get(address))
            checked += 1

    assert found == []
    # Membership requests, renewals, meeting invitations, self-assessment and barometer invitations, the
    # dossier's "ready" email: all of them were read.
    sources = {email["source"] for email in population.emails}
    assert {
        "actors/emails/membership_requested",
        "charter/emails/renewal",
        "committees/emails/invitation",
        "selfassess/emails/invitation",
        "reports/emails/report_ready",
    } <= sources
    assert checked >= 4 * len(population.persons)


def test_public_documents_made_by_the_staff_contain_no_restricted_value(population):
    staff = client_for(population.staff)
    outputs = {}

    get_text(
        staff, reverse("platform:report_download", args=[population.annual_job.pk]), outputs, "annual report"
    )
    get_text(
        client_for(None),
        reverse("barometer:public_report", args=[population.campaign.year]),
        outputs,
        "barometer",
    )

    # The annual report is meant to be handed out: it shows what the public may see.
    assert leaks(outputs, Visibility.PUBLIC) == []
    assert "CoPil" in outputs["annual report"]
    assert marker("PUB", "last_name", 0) in outputs["annual report"]
    assert str(population.campaign.year) in outputs["barometer"]


def test_staff_see_the_staff_values(population):
    staff = client_for(population.staff)
    outputs = viewer_outputs(staff, population)
    get_text(staff, reverse("charter:committee_manage", args=["copil"]), outputs, "copil manage")

    person = population.persons[2]  # every field staff-only
    assert marker("STAFF", "phone", 2) in outputs[f"person {person.pk}"]
    assert marker("STAFF", "qualifications", 2) in outputs[f"api person {person.pk}"]
    assert marker("STAFF", "last_name", 2) in outputs["export csv"]
    assert marker("STAFF", "last_name", 2) in outputs["accompaniment"]
    assert marker("STAFF", "last_name", 2) in outputs["copil manage"]
    assert marker("STAFF", "function", 2) in outputs[f"structure {population.structure.pk}"]
    assert marker("UNPUB", "last_name", 6) in outputs[f"person {population.unpublished[0].pk}"]
    # Projects: the staff see who takes part, whatever their level (but never the unpublished).
    assert marker("STAFF", "role", 2) in outputs["project"]
    assert marker("STAFF", "last_name", 2) in outputs["api project"]
    assert marker("UNPUB", "role", 6) not in outputs["project"]


def test_visitors_see_on_a_project_the_persons_whose_memberships_are_public(population, client):
    outputs = viewer_outputs(client, population)

    assert marker("PUB", "role", 0) in outputs["project"]
    assert marker("PUB", "last_name", 0) in outputs["api project"]
    assert marker("PART", "role", 1) not in outputs["project"]


# --- contact relay: addresses are exchanged only by an answer ----------------------------------------------


def _headers_and_text(message) -> tuple[dict[str, str], str]:
    """An email as its recipient gets it: every header (as sent), and its text and HTML."""
    headers = {name: str(value) for name, value in message.message().items()}
    text = "\n".join([message.subject, message.body, *(content for content, _type in message.alternatives)])
    return headers, text


def _contact_addresses(population: Population) -> tuple[set[str], set[str]]:
    """The senders' addresses, and every address of the recipients (accounts, profiles, structure)."""
    senders = {message.sender_email.lower() for message in population.contact_messages}
    recipients = {population.referent.user.email.lower(), population.structure.email.lower()}
    for person in population.persons[:3]:
        recipients |= {person.user.email.lower(), person.email.lower()}
    return senders, recipients - {""}


def test_relayed_emails_carry_no_sender_address(population):
    senders, _recipients = _contact_addresses(population)
    relayed = population.contact_emails["relayed"]

    found = []
    for message in relayed:
        headers, text = _headers_and_text(message)
        found += [
            (message.to, where, address)
            for address in senders
            for where, content in (*headers.items(), ("text", text))
            if address in content.lower()
        ]

    assert found == []
    assert senders == {population.other_referent.user.email.lower(), "visiteuse.externe@exemple.fr"}
    # One email per recipient, each with its answer link and no Reply-To.
    assert sorted(message.to[0] for message in relayed) == sorted(
        [person.user.email for person in population.persons[:3]] + [population.referent.user.email] * 2
    )
    assert all(message.reply_to == [] and "Reply-To" not in message.message() for message in relayed)
    assert all("http://testserver/annuaire/messages/" in message.body for message in relayed)
    assert "Olivier Responsable vous écrit par l'annuaire du COPS." in relayed[0].body


def test_sender_confirmations_carry_no_recipient_address(population):
    _senders, recipients = _contact_addresses(population)
    confirmations = population.contact_emails["confirmations"]

    found = []
    for message in confirmations:
        headers, text = _headers_and_text(message)
        found += [
            (message.to, where, address)
            for address in recipients
            for where, content in (*headers.items(), ("text", text))
            if address in content.lower()
        ]

    assert found == []
    assert len(recipients) == 8  # three accounts and three profile addresses, the référent, the structure
    assert [message.to for message in confirmations] == [[population.other_referent.user.email]] * 4 + [
        ["visiteuse.externe@exemple.fr"]
    ]
    assert all(message.reply_to == [] and "Reply-To" not in message.message() for message in confirmations)
    # Nor the secret link of the relayed message: only its recipient may answer.
    assert all("/annuaire/messages/" not in message.body for message in confirmations)


def test_reply_to_appears_only_on_the_answer_and_its_copy(population):
    olivier, regine = population.other_referent.user.email, population.referent.user.email
    every_contact_email = [message for sent in population.contact_emails.values() for message in sent]

    with_reply_to = [(message.to, message.reply_to) for message in every_contact_email if message.reply_to]

    assert with_reply_to == [([olivier], [regine]), ([regine], [olivier])]
    assert [message.message()["Reply-To"] for message in population.contact_emails["replies"]] == [
        regine,
        olivier,
    ]
    assert f"votre réponse ira directement à {regine}" in population.contact_emails["replies"][0].body


def test_an_answer_names_a_restricted_recipient_at_the_sender_level_only(
    population, django_capture_on_commit_callbacks
):
    """Person 2 keeps every field for the staff: their answer gives the partner their address (that
    is what answering means), and their first name only."""
    message = population.contact_messages[2]
    own_address = population.persons[2].user.email
    sender = population.other_referent.user

    _answer, sent = _sent_by(
        lambda: contact_message_reply(message=message, body="Je vous écris directement.", by=None),
        django_capture_on_commit_callbacks,
    )

    [to_sender] = [email for email in sent if email.to == [sender.email]]
    headers, text = _headers_and_text(to_sender)
    assert headers["Reply-To"] == own_address
    assert "Visible2 a répondu au message" in text
    assert leaks({"answer": text.replace(own_address, "")}, directory_viewer_level(sender)) == []
    assert marker("STAFF", "last_name", 2) not in text


def test_contact_forms_name_the_recipient_at_the_viewer_level(population):
    partner = client_for(make_person(first_name="Paula", last_name="Partenaire").user)
    outputs = {}
    for number in (0, 1, 2):
        person = population.persons[number]
        get_text(partner, reverse("directory:contact_person", args=[person.pk]), outputs, str(number))
    get_text(
        client_for(None),
        reverse("directory:contact_person", args=[population.persons[0].pk]),
        outputs,
        "anon",
    )

    assert leaks(outputs, Visibility.PARTNERS) == []
    assert f"Écrire à Visible0 {marker('PUB', 'last_name', 0)}" in outputs["0"]
    assert f"Écrire à Visible1 {marker('PART', 'last_name', 1)}" in outputs["1"]
    assert "Écrire à Visible2</h1>" in outputs["2"]
    assert outputs["anon"] == ""  # « partenaires »: an anonymous visitor is sent to sign in
