"""Every URL × every role: the answer each visitor gets, from the table in permission_matrix.py.

The URL configuration is walked at run time: a URL without an entry in the table (or an entry
whose URL is gone) fails `test_matrix_covers_every_url`, naming it. Each URL is then one case
of `test_each_role_gets_the_answer_in_the_matrix`, which asks as each of the six roles and
reports every role whose answer differs from the table.

The objects the URLs point at are built once for the module, inside a transaction rolled back
at the end; each request runs in a savepoint of its own, so a POST that changes something (an
empty form that still cancels a meeting…) leaves nothing behind for the next one.
"""

import html
import io
import logging
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image

from accompaniment.enums import RequestStatus, Side, SupportType
from accompaniment.models import SupportRequest
from accompaniment.services import accompaniments as acc_services
from accompaniment.services import content as content_services
from accompaniment.services.evaluations import evaluation_launch, schedule_impact_evaluation
from actors.charter_enums import EventKind
from actors.enums import ContactPolicy, MembershipStatus, ModerationStatus, Role, Visibility
from actors.models import Committee, Decision, Mandate, Meeting, MeetingParticipant, Membership, User
from actors.models.events import EventContributor, EventDocument
from barometer.enums import CampaignStatus, DeliveryStatus, Public, ResponseStatus
from barometer.models import Answer, Contact, Delivery, PublishedReport, Response
from cops.enums import ReportStatus
from cops.images import reencode_image
from cops.models import ReportJob
from directory.services.contact import (
    contact_message_report_abuse,
    contact_message_send,
    contact_preferences_save,
)
from directory.services.profiles import person_save, profile_approve, profile_submit
from directory.services.projects import project_document_add, project_invite_person, project_save
from directory.services.resources import resource_propose
from selfassess.enums import Side as AssessmentSide
from tests.factories.accompaniment import default_template
from tests.factories.actors import UserFactory
from tests.factories.barometer import CampaignFactory, make_invitation, make_questionnaire
from tests.factories.charter import CharterVersionFactory, make_meeting, sign
from tests.factories.directory import make_person, make_project, make_structure
from tests.factories.selfassess import AssessmentSessionFactory, FrameworkFactory, ParticipantFactory
from tests.trust.permission_matrix import ADMIN_LOGIN, LOGIN, ROLES, Entry, everyone, full_matrix

pytestmark = pytest.mark.django_db

MATRIX = full_matrix()


# --- The world: six visitors and other people's objects ------------------------------------------


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)
    session_keys: dict[str, str] = field(default_factory=dict)
    objects: dict[str, object] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    admin_objects: dict[str, object] = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None

    def client_for(self, role: str) -> Client:
        """The role's client (one per role: a Client loads the middleware once), with only the
        role's session cookie: whatever a previous case set (language, logout…) is forgotten."""
        client = self.clients.setdefault(role, Client())
        client.cookies = SimpleCookie()
        if role != "anonymous":
            client.cookies[settings.SESSION_COOKIE_NAME] = self.session_keys[role]
        return client

    def admin_object_pk(self, label: str):
        """The object a model's admin pages open: the world's own when it has one (a person with a
        photo, a job with its file…), else the model's first row."""
        if label in self.admin_objects:
            return self.admin_objects[label].pk
        model = next(model for model in admin.site._registry if model._meta.label_lower == label)
        pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        assert pk is not None, f"the world has no {label} for the admin's object pages"
        return pk

    def content_type_id(self, label: str) -> int:
        app_label, model = label.split(".")
        return ContentType.objects.get(app_label=app_label, model=model).pk


def _jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 80, 60)).save(buffer, format="JPEG")
    return SimpleUploadedFile("portrait.jpg", buffer.getvalue(), content_type="image/jpeg")


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (20, 10), (200, 30, 30, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


def _cast(world: World) -> None:
    """The five accounts, signed in once. The partner and the référent of B have a published
    person profile; the CoPil member, the staff and the admin have none."""
    partner = UserFactory(email="matrice.partenaire@exemple.fr", first_name="Sacha", last_name="Martin")
    make_person(user=partner, first_name="Sacha", last_name="Martin")
    referent = UserFactory(email="matrice.referent.b@exemple.fr", first_name="Lou", last_name="Bernard")
    make_person(user=referent, first_name="Lou", last_name="Bernard")
    copil = UserFactory(
        email="matrice.copil@exemple.fr", first_name="Dominique", roles=[Role.COPIL, Role.PARTNER]
    )
    staff = UserFactory(
        email="matrice.equipe@exemple.fr", first_name="Camille", roles=[Role.STAFF, Role.PARTNER]
    )
    administrator = UserFactory(
        email="matrice.admin@exemple.fr",
        first_name="Alix",
        is_staff=True,
        is_superuser=True,
        roles=[Role.ADMIN],
    )
    world.users = {
        "partner": partner,
        "referent": referent,
        "copil": copil,
        "staff": staff,
        "admin": administrator,
    }
    for role, user in world.users.items():
        client = Client()
        client.force_login(user)
        world.session_keys[role] = client.cookies[settings.SESSION_COOKIE_NAME].value


def _directory(world: World) -> None:
    owner_a = UserFactory(email="matrice.referent.a@exemple.fr", first_name="Yanis", last_name="Roux")
    person_a = make_person(user=owner_a, first_name="Yanis", last_name="Roux")
    structure_a = make_structure(by=owner_a, name="Centre hospitalier A")
    structure_b = make_structure(by=world.users["referent"], name="Clinique B")
    # Whoever registers a structure becomes its référent; say so explicitly all the same.
    for person, structure in ((person_a, structure_a), (world.users["referent"].person, structure_b)):
        Membership.objects.update_or_create(
            person=person,
            structure=structure,
            defaults={"is_referent": True, "status": MembershipStatus.ACCEPTED},
        )
    # A person whose photo only partners may see, and someone asking to join structure A.
    person = make_person(
        first_name="Iris", last_name="Durand", visibility={"photo": int(Visibility.PARTNERS)}
    )
    person_save(person=person, by=person.user, changes={"photo": reencode_image(_jpeg(), kind="photo")})
    profile_submit(profile=person, by=person.user, consent=True)
    profile_approve(profile=person, by=world.users["staff"])
    applicant = make_person(first_name="Nour", last_name="Demandeuse-de-A")
    membership_request = Membership.objects.create(
        person=applicant, structure=structure_a, status=MembershipStatus.REQUESTED
    )
    duplicate = make_person(first_name="Iris", last_name="Durand")
    # A structure waiting for moderation, with a logo: only its editors and the staff see it yet.
    pending_structure = make_structure(
        by=UserFactory(), name="Maison de santé C", status=ModerationStatus.PENDING
    )
    pending_structure.logo.save("logo.png", ContentFile(_png()), save=True)
    world.objects.update(
        owner_a=owner_a,
        person_a=person_a,
        structure_a=structure_a,
        structure_b=structure_b,
        person=person,
        duplicate=duplicate,
        membership_request=membership_request,
        pending_structure=pending_structure,
    )
    _contact_relay(world)


def _contact_relay(world: World) -> None:
    """contact relay: a message to structure A, reported by its référent; a patient partner who
    refuses every message (chosen on their preferences, as they would)."""
    abuse_message = contact_message_send(
        structure=world.structure_a,
        sender_user=None,
        sender_name="Expéditeur-de-A",
        sender_email="expediteur.a@exemple.fr",
        purpose="autre",
        body="Message à A.",
        enforce_limits=False,
    )
    contact_message_report_abuse(message=abuse_message, reason="Signalement-de-A")
    refusing_person = make_person(first_name="Rosalie", last_name="Refus")
    contact_preferences_save(user=refusing_person.user, person_policy=ContactPolicy.NOBODY)
    world.objects.update(abuse_message=abuse_message, refusing_person=refusing_person)


def _resources(world: World) -> None:
    """A published resource (a link), and a pending proposal of structure A's référent."""
    changes = {"kind": "guide", "summary": "Résumé", "audience": "tous", "licence": "cc-by"}
    resource = resource_propose(
        by=world.users["staff"],
        changes={**changes, "title": "Guide du partenariat", "link": "https://exemple.fr/ressource"},
        publish=True,
    )
    pending = resource_propose(
        by=world.owner_a,
        changes={**changes, "title": "Ressource en attente de A", "link": "https://exemple.fr/attente"},
    )
    world.objects.update(resource=resource, pending_resource=pending)


def _projects(world: World) -> None:
    """Structure A's published project (with an approved document, an image and an invitation
    to the person Iris, who has not answered), and its pending project: only A's référent and
    the staff see the latter."""
    project = make_project(by=world.owner_a, structure=world.structure_a, title="Projet publié de A")
    project_document_add(
        project=project,
        by=world.owner_a,
        kind="pitch",
        title="Pitch",
        upload=SimpleUploadedFile("pitch.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
        file_format="pdf",
    )
    project_save(project=project, by=world.owner_a, changes={"image": reencode_image(_jpeg(), kind="photo")})
    profile_submit(profile=project, by=world.owner_a, consent=True)
    profile_approve(profile=project, by=world.users["staff"])
    project.refresh_from_db()
    invitation = project_invite_person(project=project, by=world.owner_a, person=world.person)
    pending_project = make_project(
        by=world.owner_a,
        structure=world.structure_a,
        title="Projet en attente de A",
        status=ModerationStatus.PENDING,
    )
    world.objects.update(
        project=project,
        project_document=project.documents.get(),
        project_invitation=invitation,
        pending_project=pending_project,
    )


def _events(world: World) -> None:
    """A public workshop with registrations open, a public document and an organising structure."""
    now = timezone.now()
    event = Meeting.objects.create(
        kind=EventKind.WORKSHOP,
        slug="atelier-matrice",
        title="Atelier matrice",
        starts_at=now + timedelta(days=20),
        ends_at=now + timedelta(days=20, hours=3),
        location="Albi",
        is_public=True,
        registration_open=True,
    )
    document = EventDocument.objects.create(
        event=event,
        moment="avant",
        title="Support",
        is_public=True,
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", "support.pdf"),
        file_format="pdf",
        file_size=15,
    )
    contributor = EventContributor.objects.create(
        event=event, structure=world.structure_a, role="organisateur", accepted_at=now
    )
    world.objects.update(event=event, event_document=document, event_contributor=contributor)
    _event_survey(world)


def _event_survey(world: World) -> None:
    """A past public event whose satisfaction questionnaire (barometer) has published results."""
    from barometer import event_surveys

    now = timezone.now()
    past = Meeting.objects.create(
        kind=EventKind.WORKSHOP,
        slug="atelier-matrice-passe",
        title="Atelier matrice passé",
        starts_at=now - timedelta(days=3, hours=3),
        ends_at=now - timedelta(days=3),
        location="Albi",
        is_public=True,
    )
    survey = event_surveys.survey_create(event=past)
    for status in (CampaignStatus.OPEN, CampaignStatus.CLOSED, CampaignStatus.PUBLISHED):
        event_surveys.survey_set_status(campaign=survey, status=status)
    world.objects.update(survey_event=past)


def _charter(world: World) -> None:
    version = CharterVersionFactory(year=2031, valid_from=date(2031, 1, 1))
    signature = sign(version, person=world.person)
    copil = Committee.objects.get(slug="copil")
    mandate = Mandate.objects.create(committee=copil, person=world.person_a, start_date=date(2025, 1, 1))
    meeting = make_meeting(copil, title="Réunion restreinte du CoPil")
    MeetingParticipant.objects.create(
        meeting=meeting, user=world.users["copil"], name="Dominique", email=world.users["copil"].email
    )
    decision = Decision.objects.create(meeting=meeting, position=1, text="Décision restreinte du CoPil")
    world.objects.update(
        charter_version=version,
        signature=signature,
        committee=copil,
        mandate=mandate,
        meeting=meeting,
        decision=decision,
    )


def _barometer(world: World) -> None:
    open_campaign = CampaignFactory(year=2041, status=CampaignStatus.OPEN)
    questionnaire = make_questionnaire(open_campaign, Public.PATIENTS)
    published = CampaignFactory(year=2042, status=CampaignStatus.PUBLISHED)
    make_questionnaire(published, Public.PATIENTS)
    PublishedReport.objects.create(campaign=published, content=b"%PDF-1.7 rapport\n")
    today = timezone.localdate()
    response = Response.objects.create(
        questionnaire=questionnaire,
        status=ResponseStatus.SUBMITTED,
        consented_on=today,
        started_on=today,
        submitted_on=today,
    )
    question = questionnaire.questions.get(code="metier")
    answer = Answer.objects.create(response=response, question=question, text="Infirmière")
    contact = Contact.objects.create(
        campaign=open_campaign, public=Public.PATIENTS, email="contact@exemple.fr"
    )
    # An email whose worker died after handing it to the server (staff_delivery_resend).
    uncertain_delivery = Delivery.objects.create(
        invitation=make_invitation(questionnaire, email="incertain@exemple.fr"),
        round=0,
        status=DeliveryStatus.UNCERTAIN,
        sent_at=timezone.now(),
    )
    world.objects.update(
        uncertain_delivery=uncertain_delivery,
        campaign=open_campaign,
        questionnaire=questionnaire,
        published_campaign=published,
        section=questionnaire.sections.first(),
        question=question,
        answer=answer,
        contact=contact,
    )


def _selfassess(world: World) -> None:
    framework = FrameworkFactory()
    facilitator = UserFactory(email="matrice.animatrice@exemple.fr")
    session = AssessmentSessionFactory(
        framework=framework, facilitator=facilitator, title="Séance du groupe qualité de A"
    )
    participant = ParticipantFactory(session=session, side=AssessmentSide.USER)
    world.objects.update(
        assessment_session=session, assessment_participant=participant, criterion=framework.criteria.first()
    )


def _accompaniment(world: World) -> None:
    staff = world.users["staff"]
    support_request = SupportRequest.objects.create(
        structure=world.structure_a,
        requested_by=world.owner_a,
        support_type=SupportType.PROJECT,
        title="Projet des usagers de A",
        context="Associer les patients au projet d'établissement.",
        expected_outcome="Un projet des usagers.",
        contact_name="Yanis Roux",
        contact_email=world.owner_a.email,
        status=RequestStatus.SUBMITTED,
        submitted_at=timezone.now() - timedelta(days=3),
    )
    accompaniment = acc_services.accompaniment_open(
        structure=world.structure_a,
        title="Accompagnement confidentiel de A",
        support_type=SupportType.PROJECT,
        template=default_template(),
        professional_lead=staff,
        patient_partner_lead=UserFactory(roles=[Role.STAFF]),
        started_on=timezone.localdate() - timedelta(days=30),
        by=staff,
    )
    participant = acc_services.participant_add(
        accompaniment=accompaniment,
        first_name="Inès",
        last_name="Roux",
        email="ines@exemple.fr",
        side=Side.USER,
    )
    action = content_services.action_add(
        accompaniment=accompaniment,
        title="Associer les RU",
        owner=participant,
        due_on=timezone.localdate() + timedelta(days=30),
        by=staff,
    )
    accompaniment.convention_file.save("convention.pdf", ContentFile(b"%PDF-1.7 convention\n"), save=True)
    meeting = content_services.meeting_add(
        accompaniment=accompaniment,
        held_on=timezone.localdate(),
        title="Rencontre",
        notes="",
        participants=[],
        by=staff,
    )
    finding = content_services.finding_add(
        accompaniment=accompaniment, kind="levier", text="Constat", by=staff
    )
    indicator = content_services.indicator_add(
        accompaniment=accompaniment, name="Indicateur", baseline=Decimal("1"), target=Decimal("5"), by=staff
    )
    measurement = content_services.measurement_add(
        accompaniment=accompaniment,
        indicator=indicator,
        measured_on=timezone.localdate(),
        value=Decimal("2"),
        by=staff,
    )
    impact = schedule_impact_evaluation(accompaniment=accompaniment, after=timezone.localdate(), by=staff)
    evaluation_launch(evaluation_id=impact.pk)
    world.objects.update(
        accompaniment_meeting=meeting,
        finding=finding,
        indicator=indicator,
        measurement=measurement,
        evaluation=impact,
        evaluation_invitation=impact.invitations.get(),
        support_request=support_request,
        accompaniment=accompaniment,
        phase=accompaniment.current_phase,
        accompaniment_participant=participant,
        action=action,
    )


def _reports(world: World) -> None:
    job = ReportJob.objects.create(
        kind="platform.activity",
        params={},
        title="Bilan confidentiel de A",
        requested_by=world.owner_a,
        status=ReportStatus.DONE,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        filename="rapport.pdf",
        size=18,
        file=ContentFile(b"%PDF-1.7 rapport\n", name="rapport.pdf"),
    )
    world.objects.update(report_job=job)


def _news(world: World) -> None:
    """A published news item, a draft (the one the publishing and deleting pages act on) and a
    subscription to the newsletter (someone outside the cast)."""
    from actors.models import NewsItem, NewsletterSubscription
    from actors.models.newsletter import SubscriptionSource, SubscriptionStatus

    now = timezone.now()
    news = NewsItem.objects.create(
        title="Actualité matrice", slug="actualite-matrice", summary="En bref.", published_at=now
    )
    news_draft = NewsItem.objects.create(
        title="Brouillon matrice", slug="brouillon-matrice", summary="En bref."
    )
    NewsletterSubscription.objects.create(
        email="abonnee.matrice@exemple.org",
        status=SubscriptionStatus.CONFIRMED,
        source=SubscriptionSource.FORM,
        consented_at=now,
    )
    world.objects.update(news=news, news_draft=news_draft)


def _newsletter_issues(world: World) -> None:
    """A draft issue with two items (one the removing endpoint acts on) and a sent issue (the
    public archive's page)."""
    from actors.models import NewsletterIssue, NewsletterIssueItem
    from actors.models.newsletter import IssueItemKind, IssueStatus

    draft = NewsletterIssue.objects.create(number=1, title="Numéro matrice", created_by=world.users["staff"])
    item = {"issue": draft, "kind": IssueItemKind.NEWS, "text": "En bref.", "url": "http://testserver/"}
    NewsletterIssueItem.objects.create(**item, source_id=1, title="Élément gardé", position=1)
    removable = NewsletterIssueItem.objects.create(**item, source_id=2, title="Élément retiré", position=2)
    sent = NewsletterIssue.objects.create(
        number=2, title="Numéro envoyé matrice", status=IssueStatus.SENT, sent_at=timezone.now()
    )
    world.objects.update(issue_draft=draft, issue_item=removable, issue_sent=sent)


def _admin_rows(world: World) -> None:
    """A row for the admin pages of models nothing above creates (journals, schedules…)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_celery_beat.models import (
        ClockedSchedule,
        CrontabSchedule,
        IntervalSchedule,
        PeriodicTask,
        SolarSchedule,
    )

    from actors.models import CompositionValidation, RenewalInvitation

    attempt = {
        "user_agent": "Firefox",
        "ip_address": "192.0.2.10",
        "username": "x@exemple.fr",
        "path_info": "/",
    }
    AccessAttempt.objects.create(**attempt, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**attempt)
    AccessFailureLog.objects.create(**attempt)
    interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    CrontabSchedule.objects.create(minute="0", hour="3")
    SolarSchedule.objects.create(event="sunrise", latitude=43.6, longitude=1.44)
    ClockedSchedule.objects.create(clocked_time=timezone.now())
    PeriodicTask.objects.create(name="Purge nocturne", task="cops.purge_expired_data", interval=interval)
    CompositionValidation.objects.create(
        committee=world.committee,
        meeting=world.meeting,
        validated_on=date(2025, 3, 1),
        recorded_by=world.users["staff"],
    )
    RenewalInvitation.objects.create(
        version=world.charter_version, user=world.person.user, email="iris@exemple.fr"
    )
    world.admin_objects = {
        "actors.person": world.person,
        "actors.structure": world.pending_structure,
        "accompaniment.accompaniment": world.accompaniment,
        "cops.reportjob": world.report_job,
        "selfassess.framework": world.assessment_session.framework,
        "selfassess.assessmentsession": world.assessment_session,
    }


def build_world() -> World:
    world = World()
    _cast(world)
    _directory(world)
    _resources(world)
    _projects(world)
    _events(world)
    _news(world)
    _newsletter_issues(world)
    _charter(world)
    _barometer(world)
    _selfassess(world)
    _accompaniment(world)
    _reports(world)
    _admin_rows(world)
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from cops.celery import app
    from directory import facets
    from directory.filters import clear_choices_cache

    media = tmp_path_factory.mktemp("matrix-media")
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    request_logger = logging.getLogger("django.request")
    level = request_logger.level
    # 403 and 404 are the expected answers here, by the hundred; a 500 still logs (and fails).
    request_logger.setLevel(logging.ERROR)
    facets.reset()
    clear_choices_cache()
    try:
        with (
            override_settings(
                MEDIA_ROOT=media / "public",
                PRIVATE_MEDIA_ROOT=media / "private",
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            ),
            django_db_blocker.unblock(),
            transaction.atomic(),
        ):
            yield build_world()
            transaction.set_rollback(True)
    finally:
        app.conf.task_always_eager = eager
        request_logger.setLevel(level)
        facets.reset()
        clear_choices_cache()


# --- The URL configuration ----------------------------------------------------------------------


def url_keys(resolver: URLResolver | None = None, namespace: tuple = (), route: str = "") -> set[str]:
    """Every pattern as `namespace:name`, or `route:<full route>` when it has no name."""
    resolver = resolver or get_resolver()
    keys = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + ((pattern.namespace,) if pattern.namespace else ())
            keys |= url_keys(pattern, inner, route + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            if pattern.name:
                keys.add(":".join(namespace + (pattern.name,)))
            else:
                keys.add(f"route:{route}{pattern.pattern}")
    return keys


def test_matrix_covers_every_url():
    found = url_keys()
    listed = set(MATRIX)
    optional = {key for key, entry in MATRIX.items() if entry.optional}

    missing = sorted(found - listed)
    stale = sorted(listed - found - optional)

    assert missing == [], f"URLs without an entry in tests/trust/permission_matrix.py: {missing}"
    assert stale == [], f"entries of tests/trust/permission_matrix.py matching no URL: {stale}"


def test_admin_entries_follow_the_admin_registry():
    registered = {model._meta.label_lower for model in admin.site._registry}

    changelists = {
        key.removeprefix("admin:").removesuffix("_changelist")
        for key in MATRIX
        if key.startswith("admin:") and key.endswith("_changelist")
    }

    assert changelists == {label.replace(".", "_") for label in registered}
    assert len(registered) > 30


# --- One case per URL and role ------------------------------------------------------------------


def _url(key: str, entry: Entry, world: World) -> str:
    kwargs = entry.kwargs(world) if entry.kwargs else {}
    if key.startswith("route:"):
        path = _route_path(key.removeprefix("route:"), kwargs)
    else:
        path = reverse(key, kwargs=kwargs or None)
    return f"{path}?{urlencode(entry.query)}" if entry.query else path


def _route_path(route: str, kwargs: dict) -> str:
    """The address of an unnamed pattern: its route with the kwargs put in."""
    path = route.removeprefix("^").removesuffix("$")
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), path)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), path)
    return "/" + path


def _describe(response) -> str:
    location = response.get("Location", "")
    return f"{response.status_code}{' → ' + location if location else ''}"


def mismatch(response, expected, url: str, world: World) -> str | None:
    """What is wrong with the answer, or None when it is the expected one."""
    got = _describe(response)
    if isinstance(expected, int):
        return None if response.status_code == expected else f"expected {expected}, got {got}"
    if response.status_code != 302:
        return f"expected {expected!r}, got {got}"
    location = urlsplit(response["Location"])
    if expected is LOGIN or expected is ADMIN_LOGIN:
        login = resolve_url(settings.LOGIN_URL) if expected is LOGIN else reverse("admin:login")
        ok = (location.path, parse_qs(location.query)) == (login, {"next": [url]})
        return None if ok else f"expected {expected!r} with next={url}, got {got}"
    target = expected.to(world) if callable(expected.to) else expected.to
    if expected.prefix:
        return (
            None
            if response["Location"].startswith(target)
            else f"expected a redirect under {target}, got {got}"
        )
    return None if response["Location"] == target else f"expected a redirect to {target}, got {got}"


def page_text(response) -> str:
    """The page as a reader sees it (entities such as &#x27; decoded)."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return html.unescape(body.decode())


def answer(world: World, role: str, entry: Entry, url: str):
    """The role's request, in a savepoint: what a POST changes is undone before the next role."""
    client = world.client_for(role)
    savepoint = transaction.savepoint()
    try:
        return client.generic(entry.method, url) if entry.method != "GET" else client.get(url)
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_each_role_gets_the_answer_in_the_matrix(world, key):
    entry = MATRIX[key]
    url = _url(key, entry, world)

    responses = {role: answer(world, role, entry, url) for role in ROLES}

    problems = []
    for role, response in responses.items():
        text = page_text(response) if entry.shows or entry.hides else ""
        problem = mismatch(response, entry.expect[role], url, world)
        if problem is None and entry.shows and entry.shows not in text:
            problem = f"the page does not say « {entry.shows} »"
        if problem is None and role in entry.hidden_from and entry.hides in text:
            problem = f"the page shows « {entry.hides} »"
        if problem is None and role in entry.seen_by and entry.hides not in text:
            problem = f"the page does not show « {entry.hides} »"
        if problem:
            problems.append(f"{role}: {problem}")
    assert problems == [], f"{entry.method} {url}\n" + "\n".join(problems)


# --- Writes: a role refused a page is refused its form too ----------------------------------------

DENIALS = (LOGIN, 403, 404)


def _is_denial(expected) -> bool:
    return any(expected is denial or expected == denial for denial in DENIALS)


# The admin is left out: its permission check (admin_view) wraps every view whatever the method.
WRITE_CASES = sorted(
    key
    for key, entry in MATRIX.items()
    if entry.method == "GET"
    and not key.startswith(("admin:", "route:admin/"))
    and any(_is_denial(expected) for expected in entry.expect.values())
)


@pytest.mark.parametrize("key", WRITE_CASES)
def test_post_is_refused_to_whom_the_page_is(world, key):
    """A view that checked who asks on GET only would let anyone post its form."""
    entry = replace(MATRIX[key], method="POST")
    url = _url(key, entry, world)
    refused = {role: expected for role, expected in entry.expect.items() if _is_denial(expected)}

    responses = {role: answer(world, role, entry, url) for role in refused}

    problems = [
        f"{role}: {problem}"
        for role, response in responses.items()
        if response.status_code != 405
        and (problem := mismatch(response, refused[role], url, world)) is not None
    ]
    assert problems == [], f"POST {url}\n" + "\n".join(problems)


# --- contact relay: a person who refuses messages has no contact form anywhere ----------------------


def _contact_pages(person) -> dict[str, str]:
    """Where a « Contacter » link to the person could appear."""
    return {
        "person page": reverse("directory:person_detail", args=[person.pk]),
        "patient partners": reverse("directory:patient_partners"),
        "directory list": reverse("directory:list"),
        "api person": reverse("directory:api_person", args=[person.pk]),
        "api list": reverse("directory:api_actors"),
    }


def _links_to(url: str) -> tuple[str, str]:
    # The form's address, and the same address as the `next` of a « sign in to write » link.
    return url, quote(url, safe="")


def test_a_person_who_refuses_messages_has_no_contact_form_anywhere(world):
    refusing = world.refusing_person
    form_url = reverse("directory:contact_person", args=[refusing.pk])
    pages = _contact_pages(refusing)
    get = Entry(everyone(200))

    texts = {
        (role, name): page_text(answer(world, role, get, url))
        for role in ROLES
        for name, url in pages.items()
    }
    form_answers = {
        (role, method): answer(world, role, Entry(everyone(404), method=method), form_url).status_code
        for role in ROLES
        for method in ("GET", "POST")
    }

    links = [(key, link) for key, text in texts.items() for link in _links_to(form_url) if link in text]
    assert links == []
    assert form_answers == {(role, method): 404 for role in ROLES for method in ("GET", "POST")}
    # The person is on each page all the same (so that a link would have been seen)...
    for role in ROLES:
        for name in ("person page", "patient partners", "directory list", "api list"):
            assert "Rosalie" in texts[(role, name)], (role, name)
        assert f'"id":{refusing.pk}' in texts[(role, "api person")].replace(" ", "")
    # ...and a person with the default policy does get the link, or the sign-in link.
    iris_url = reverse("directory:contact_person", args=[world.person.pk])
    iris_page = reverse("directory:person_detail", args=[world.person.pk])
    partners_page = reverse("directory:patient_partners")
    assert f'href="{iris_url}"' in answer(world, "partner", get, iris_page).content.decode()
    assert f'href="{iris_url}"' in answer(world, "partner", get, partners_page).content.decode()
    assert quote(iris_url, safe="") in answer(world, "anonymous", get, iris_page).content.decode()
