"""Mon espace (/compte/): what waits for the person, their sections, the menu, the home's link."""

import re
from datetime import timedelta
from unittest.mock import patch

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accompaniment.enums import EvaluationKind
from accompaniment.models import Evaluation, EvaluationInvitation
from accompaniment.models import Participant as AccompanimentParticipant
from actors.charter_enums import MeetingResponse, MeetingStatus
from actors.enums import MembershipStatus, ModerationStatus, Role
from actors.models import Mandate, MeetingParticipant, Membership
from cops.context_processors import platform
from cops.enums import ReportStatus
from cops.space import MENU_SESSION_KEY, format_day, space_waiting
from selfassess.models import Rating
from tests.factories.accompaniment import make_accompaniment
from tests.factories.charter import (
    CharterVersionFactory,
    PersonFactory,
    StructureFactory,
    committee,
    make_meeting,
    make_referent,
    sign,
)
from tests.factories.cops import ReportJobFactory
from tests.factories.selfassess import AssessmentSessionFactory
from tests.factories.selfassess import ParticipantFactory as AssessmentParticipantFactory

pytestmark = pytest.mark.django_db

ACCOUNT = "/compte/"


def page_text(response) -> str:
    """The page's visible text, one space between words (exact assertions, whatever the markup)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    text = text.replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&").replace("&nbsp;", " ")
    return re.sub(r"\s+", " ", text).strip()


def section_text(response, key: str) -> str:
    html = response.content.decode()
    match = re.search(rf'<section[^>]*id="{key}".*?</section>', html, flags=re.S)
    assert match, f"section {key} missing"

    class Fake:
        content = match.group(0).encode()

    return page_text(Fake)


def section_ids(response) -> list[str]:
    return re.findall(
        r'<section class="card-soft space-section[^"]*" id="([^"]+)"', response.content.decode()
    )


def open_accompaniment(**kwargs):
    """Opened through the service; its notification email is another feature's (not read here)."""
    with patch("accompaniment.services.accompaniments.notify_structure"):
        return make_accompaniment(**kwargs)


def _versions():
    old = CharterVersionFactory(year=2030, published_at=timezone.now() - timedelta(days=400))
    current = CharterVersionFactory(year=2031)
    return old, current


def build_member_space(user, *, copies: int = 1, versions=None) -> dict:
    """A partner with something in every section; `copies` multiplies the items (query counts)."""
    old, current = versions or _versions()
    person = PersonFactory(user=user, first_name="Sacha", last_name="Martin")
    person.accuracy_reminder_sent_at = timezone.now() - timedelta(days=20)
    person.accuracy_confirmed_at = timezone.now() - timedelta(days=400)
    person.save()
    sign(old, person=person)
    structures = []
    for number in range(copies):
        structure = StructureFactory(name=f"Centre de dialyse n° {number + 1}")
        make_referent(person, structure)
        applicant = PersonFactory(user=None, first_name="Lou", last_name=f"Bernard {number}")
        Membership.objects.create(person=applicant, structure=structure, status=MembershipStatus.REQUESTED)
        sign(current, structure=structure, by=user)
        structures.append(structure)
    copil = committee("copil")
    for number in range(copies):
        Mandate.objects.create(
            committee=copil,
            person=person,
            role=f"Binôme n° {number + 1}",
            start_date=timezone.localdate() - timedelta(days=30),
        )
    meetings = []
    for number in range(copies):
        upcoming = make_meeting(copil, days=5 + number, title=f"CoPil de printemps {number + 1}")
        MeetingParticipant.objects.create(
            meeting=upcoming, user=user, person=person, name="Sacha Martin", email=user.email
        )
        past = make_meeting(
            copil,
            days=-30 - number,
            title=f"CoPil d'hiver {number + 1}",
            status=MeetingStatus.HELD,
            minutes="Relevé des décisions.",
            minutes_approved_at=timezone.now() - timedelta(days=2),
        )
        MeetingParticipant.objects.create(
            meeting=past, user=user, person=person, name="Sacha Martin", email=user.email
        )
        meetings.append(upcoming)
    accompaniments = []
    for structure in structures:
        accompaniment = open_accompaniment(
            structure=structure, title=f"Projet des usagers — {structure.name}"
        )
        participant = AccompanimentParticipant.objects.create(
            accompaniment=accompaniment,
            person=person,
            first_name="Sacha",
            last_name="Martin",
            email=user.email,
            side="usager",
        )
        evaluation = Evaluation.objects.create(
            accompaniment=accompaniment,
            kind=EvaluationKind.HOT,
            launched_at=timezone.now() - timedelta(days=3),
            answer_by=timezone.localdate() + timedelta(days=12),
        )
        EvaluationInvitation.objects.create(
            evaluation=evaluation,
            participant=participant,
            email=user.email,
            sent_at=timezone.now() - timedelta(days=3),
        )
        accompaniments.append(accompaniment)
    sessions = []
    for number in range(copies):
        session = AssessmentSessionFactory(
            title=f"Cible du service de néphrologie {number + 1}",
            held_on=timezone.localdate() + timedelta(days=2 + number),
        )
        AssessmentParticipantFactory(session=session, email=user.email, name="Sacha Martin")
        sessions.append(session)
    for number in range(copies):
        ReportJobFactory(
            requested_by=user, title=f"Rapport d'activité n° {number + 1}", status=ReportStatus.DONE
        )
    return {
        "person": person,
        "structures": structures,
        "meetings": meetings,
        "accompaniments": accompaniments,
        "sessions": sessions,
        "current": current,
        "versions": (old, current),
    }


# --- Empty space ---------------------------------------------------------------------------------


def test_new_partner_sees_what_they_can_start_and_nothing_that_does_not_apply(partner_client):
    _versions()

    response = partner_client.get(ACCOUNT)

    assert response.status_code == 200
    assert "<title>Mon espace · COPS Occitanie</title>" in response.content.decode()
    assert section_ids(response) == ["a-faire", "fiches", "charte", "lettre", "preferences", "compte"]
    assert (
        section_text(response, "a-faire") == "À faire Rien ne vous attend pour l'instant : vous êtes à jour."
    )
    assert section_text(response, "fiches") == (
        "Mes fiches Vous n'avez pas encore de fiche dans l'annuaire. Rejoindre l'annuaire"
    )
    assert 'href="/annuaire/inscription/">Rejoindre l&#x27;annuaire</a>' in response.content.decode()
    assert section_text(response, "charte") == (
        "Mes signatures de la charte Vous n'avez pas encore signé la charte d'engagement du partenariat en "
        "santé. Signer la charte Lire la charte"
    )
    assert section_text(response, "preferences") == (
        "Mes préférences de courriel et de contact Les courriels de service (sécurité, invitations, rappels) "
        "vous sont toujours envoyés. Quand vous aurez une fiche, vous choisirez ici qui peut vous écrire par "
        "la plateforme. Choisir qui peut m'écrire"
    )


def test_charter_section_offers_no_signing_without_a_published_version(partner_client):
    response = partner_client.get(ACCOUNT)

    assert section_text(response, "charte") == (
        "Mes signatures de la charte Vous n'avez pas encore signé la charte d'engagement du partenariat en santé."
    )


# --- Every section with data ---------------------------------------------------------------------


@pytest.fixture
def member(partner):
    return build_member_space(partner)


def test_waiting_lists_every_kind_of_thing_in_order_of_urgency(partner, partner_client, member):
    response = partner_client.get(ACCOUNT)

    titles = [item.title for item in space_waiting(partner)]
    assert titles == [
        "Confirmer que la fiche « Sacha Martin » est toujours exacte",  # asked 20 days ago
        "Renouveler la signature de la charte 2031",  # since the version was published
        "Demandes pour rejoindre vos structures : 1",  # since the request
        "Donner vos notes : Cible du service de néphrologie 1",  # the session, in 2 days
        "Répondre à l'invitation : CoPil de printemps 1",  # the meeting, in 5 days
        "Évaluation à chaud à remplir : Projet des usagers — Centre de dialyse n° 1",  # answer by, in 12 days
    ]
    text = section_text(response, "a-faire")
    assert (
        "Répondre à l'invitation : CoPil de printemps 1 Comité de Pilotage (CoPil)" not in text
    )  # short name
    assert "Répondre à l'invitation : CoPil de printemps 1 CoPil, le" in text
    assert "Je viens Je suis excusé·e Je ne viens pas" in text
    assert (
        "Donner vos notes : Cible du service de néphrologie 1 0 critère(s) noté(s) sur 4. Ouvrez le lien "
        "personnel reçu par courriel le"
    ) in text
    assert (
        "Évaluation à chaud à remplir : Projet des usagers — Centre de dialyse n° 1 Réponses attendues avant le"
        in text
    )


def test_waiting_is_sorted_by_due_date_undated_last(partner):
    _old, current = _versions()
    person = PersonFactory(user=partner)
    copil = committee("copil")
    later = make_meeting(copil, days=20, title="Réunion lointaine")
    sooner = make_meeting(copil, days=3, title="Réunion proche")
    for meeting in (later, sooner):
        MeetingParticipant.objects.create(
            meeting=meeting, user=partner, person=person, name="S", email=partner.email
        )
    person.accuracy_reminder_sent_at = timezone.now() - timedelta(days=2)
    person.save()

    titles = [item.title for item in space_waiting(partner)]

    assert titles == [
        "Confirmer que la fiche « Sacha Martin » est toujours exacte",
        "Répondre à l'invitation : Réunion proche",
        "Répondre à l'invitation : Réunion lointaine",
    ]
    assert current.year == 2031


def test_waiting_leaves_out_what_is_done(partner):
    _old, current = _versions()
    person = PersonFactory(user=partner)
    sign(current, person=person)  # signed the current version: nothing to renew
    copil = committee("copil")
    answered = make_meeting(copil, days=3, title="Déjà répondu")
    cancelled = make_meeting(copil, days=4, title="Annulée", status=MeetingStatus.CANCELLED)
    past = make_meeting(copil, days=-3, title="Passée")
    MeetingParticipant.objects.create(
        meeting=answered, user=partner, name="S", email=partner.email, response=MeetingResponse.COMING
    )
    for meeting in (cancelled, past):
        MeetingParticipant.objects.create(meeting=meeting, user=partner, name="S", email=partner.email)
    person.accuracy_reminder_sent_at = timezone.now() - timedelta(days=20)
    person.accuracy_confirmed_at = timezone.now() - timedelta(days=1)  # confirmed since the reminder
    person.save()
    session = AssessmentSessionFactory()
    rated = AssessmentParticipantFactory(session=session, email=partner.email)
    for criterion in session.framework.criteria.all():
        Rating.objects.create(participant=rated, criterion=criterion, score=3)

    assert space_waiting(partner) == []


def test_profiles_section_shows_state_confirmation_and_links(partner_client, member):
    person = member["person"]

    response = partner_client.get(ACCOUNT)

    confirmed = timezone.localtime(person.accuracy_confirmed_at)
    assert section_text(response, "fiches") == (
        f"Mes fiches Sacha Martin Publié Dernière confirmation : {confirmed.day} "
        f"{_month(confirmed)} {confirmed.year} Modifier ma fiche — Sacha Martin Voir ma fiche — Sacha Martin "
        "Gérer mes fiches — Sacha Martin"
    )


@pytest.mark.parametrize(
    ("status", "badge"),
    [
        (ModerationStatus.DRAFT, "Brouillon"),
        (ModerationStatus.PENDING, "En attente de modération"),
        (ModerationStatus.PUBLISHED, "Publié"),
    ],
)
def test_profile_badge_follows_moderation(partner, partner_client, status, badge):
    PersonFactory(user=partner, status=status, published_at=None)

    response = partner_client.get(ACCOUNT)

    assert section_text(response, "fiches").startswith(f"Mes fiches Sacha Martin {badge} Modifier ma fiche")


def test_structures_section_counts_members_and_requests(partner_client, member):
    response = partner_client.get(ACCOUNT)

    assert section_text(response, "structures") == (
        "Mes structures Centre de dialyse n° 1 Publié 1 demande(s) en attente 1 membre(s) "
        "Modifier la fiche — Centre de dialyse n° 1 Voir — Centre de dialyse n° 1 "
        "Demandes d'adhésion à décider Inscrire une structure"
    )


def test_signatures_section_marks_what_to_renew(partner_client, member):
    response = partner_client.get(ACCOUNT)

    text = section_text(response, "charte")
    assert text.startswith(
        "Mes signatures de la charte Charte 2031 — Centre de dialyse n° 1 (votre structure) Version en vigueur Signée le "
    )
    assert "Charte 2030 — Sacha Martin (vous-même) À renouveler Signée le " in text
    assert text.endswith("Lire la charte")


def test_committees_section_lists_copart_and_mandates(partner_client, member):
    response = partner_client.get(ACCOUNT)

    start = timezone.localdate() - timedelta(days=30)
    assert section_text(response, "instances") == (
        "Mes instances Comité de Pilotage — Binôme n° 1 En cours "
        f"depuis le {start.day} {_month(start)} {start.year} Les instances du COPS"
    )


def test_committees_section_for_a_current_signatory_without_mandate(partner, partner_client):
    _old, current = _versions()
    sign(current, person=PersonFactory(user=partner))

    response = partner_client.get(ACCOUNT)

    assert section_text(response, "instances") == (
        "Mes instances Comité des Partenaires (CoPart) En cours Membre en tant que signataire de la charte 2031 "
        "Les instances du COPS"
    )


def test_meetings_section_shows_answers_and_approved_minutes(partner_client, member):
    response = partner_client.get(ACCOUNT)

    text = section_text(response, "reunions")
    assert text.startswith("Mes réunions CoPil de printemps 1 À venir Pas encore de réponse CoPil, le ")
    assert "CoPil d'hiver 1 Passée Compte rendu approuvé CoPil, le " in text
    assert text.endswith("Lire le compte rendu — CoPil d'hiver 1 Toutes mes réunions")
    meeting_url = reverse("charter:meeting_detail", args=[member["meetings"][0].pk])
    assert f'href="{meeting_url}"' in response.content.decode()


def test_accompaniments_section_links_only_for_a_referent(partner_client, member, other_partner):
    accompaniment = member["accompaniments"][0]

    response = partner_client.get(ACCOUNT)

    text = section_text(response, "accompagnements")
    assert text.startswith(
        f"Mes accompagnements Projet des usagers — Centre de dialyse n° 1 Phase : {accompaniment.current_phase.short_name} "
        "Centre de dialyse n° 1"
    )
    assert f'href="{accompaniment.get_absolute_url()}"' in response.content.decode()


def test_referent_space_leaves_out_staff_only_meetings_and_actions(partner_client, member, staff_user):
    from accompaniment.enums import ContentVisibility
    from accompaniment.models import Action
    from accompaniment.models import Meeting as AccompanimentMeeting

    accompaniment = member["accompaniments"][0]
    owner = accompaniment.participants.get()
    common = {"accompaniment": accompaniment, "phase": accompaniment.current_phase, "created_by": staff_user}
    AccompanimentMeeting.objects.create(
        **common,
        held_on=timezone.localdate() + timedelta(days=9),
        title="Point interne",
        visibility=ContentVisibility.STAFF,
    )
    Action.objects.create(
        **common,
        title="Relance interne",
        owner=owner,
        due_on=timezone.localdate() - timedelta(days=3),
        visibility=ContentVisibility.STAFF,
    )
    Action.objects.create(
        **common,
        title="Relance interne 2",
        owner=owner,
        due_on=timezone.localdate() + timedelta(days=4),
        visibility=ContentVisibility.STAFF,
    )

    text = section_text(partner_client.get(ACCOUNT), "accompagnements")

    assert "prochaine rencontre" not in text
    assert "en retard" not in text
    assert "prochaine échéance d'action" not in text


def test_action_owner_finds_their_shared_actions_to_do(partner, partner_client, member, staff_user):
    from accompaniment.enums import ContentVisibility
    from accompaniment.models import Action

    accompaniment = member["accompaniments"][0]
    owner = accompaniment.participants.get()
    common = {"accompaniment": accompaniment, "phase": accompaniment.current_phase, "created_by": staff_user}
    due = timezone.localdate() + timedelta(days=20)
    Action.objects.create(**common, title="Associer les représentants des usagers", owner=owner, due_on=due)
    Action.objects.create(
        **common, title="Relance interne", owner=owner, due_on=due, visibility=ContentVisibility.STAFF
    )

    text = section_text(partner_client.get(ACCOUNT), "a-faire")

    assert "Action à mener : Associer les représentants des usagers" in text
    assert f"échéance le {format_day(due)}" in text
    assert "Relance interne" not in text


def test_staff_space_counts_staff_only_actions(staff_user, staff_client, member):
    from accompaniment.enums import ContentVisibility
    from accompaniment.models import Action

    accompaniment = member["accompaniments"][0]
    accompaniment.professional_lead = staff_user
    accompaniment.save(update_fields=["professional_lead"])
    Action.objects.create(
        accompaniment=accompaniment,
        phase=accompaniment.current_phase,
        created_by=staff_user,
        title="Relance interne",
        owner=accompaniment.participants.get(),
        due_on=timezone.localdate() - timedelta(days=3),
        visibility=ContentVisibility.STAFF,
    )

    text = section_text(staff_client.get(ACCOUNT), "accompagnements")

    assert "1 action(s) en retard" in text


def test_accompaniment_participant_who_is_not_referent_gets_no_link(other_partner):
    from django.test import Client

    accompaniment = open_accompaniment(title="Projet sans lien")
    person = PersonFactory(user=other_partner)
    AccompanimentParticipant.objects.create(
        accompaniment=accompaniment, person=person, first_name="Lou", last_name="Bernard", side="usager"
    )
    client = Client()
    client.force_login(other_partner)

    response = client.get(ACCOUNT)

    assert section_text(response, "accompagnements").startswith(
        "Mes accompagnements Projet sans lien Phase : "
    )
    assert accompaniment.get_absolute_url() not in response.content.decode()
    assert client.get(accompaniment.get_absolute_url()).status_code == 404  # the page they would be refused


def test_selfassess_section_for_participant_and_facilitator(partner, partner_client, member):
    AssessmentSessionFactory(title="Séance que j'anime", facilitator=partner)

    response = partner_client.get(ACCOUNT)

    text = section_text(response, "auto-evaluation")
    assert text.startswith(
        "Mes séances d'auto-évaluation Séance que j'anime Étape individuelle Vous animez cette séance du "
    )
    assert "Cible du service de néphrologie 1 Étape individuelle Vous participez à cette séance du " in text
    assert "(côté professionnel)" in text


def test_reports_section(partner_client, member):
    response = partner_client.get(ACCOUNT)

    text = section_text(response, "rapports")
    assert text.startswith("Mes rapports Rapport d'activité n° 1 Prêt Demandé le ")
    assert text.endswith("Tous mes rapports")


def test_preferences_section_says_who_may_write(partner_client, member):
    response = partner_client.get(ACCOUNT)

    assert section_text(response, "preferences") == (
        "Mes préférences de courriel et de contact Les courriels de service (sécurité, invitations, rappels) "
        "vous sont toujours envoyés. Ma fiche : tout le monde peut vous écrire par la plateforme Votre adresse "
        "reste cachée : les messages vous sont relayés par la plateforme. Centre de dialyse n° 1 : tout le "
        "monde peut écrire à ses référents par la plateforme Choisir qui peut m'écrire"
    )


def test_sections_follow_the_order_of_usefulness(partner_client, member):
    response = partner_client.get(ACCOUNT)

    assert section_ids(response) == [
        "a-faire",
        "fiches",
        "structures",
        "projets",
        "charte",
        "instances",
        "reunions",
        "accompagnements",
        "auto-evaluation",
        "rapports",
        "lettre",
        "preferences",
        "compte",
    ]


def test_account_part_keeps_security_data_and_staff_link(staff_client, partner_client):
    staff_page = section_text(staff_client.get(ACCOUNT), "compte")
    partner_page = section_text(partner_client.get(ACCOUNT), "compte")

    assert staff_page.startswith(
        "Mon compte et mes données Mes rôles Partenaire Équipe COPS Aller à l'espace équipe Sécurité"
    )
    assert partner_page.startswith(
        "Mon compte et mes données Mes rôles Partenaire Sécurité partenaire@exemple.fr Inscrit le"
    )
    assert partner_page.endswith("Télécharger mes données (JSON) Supprimer mon compte")


# --- Query count ---------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_page_queries_do_not_grow_with_items(partner, other_partner, django_assert_max_num_queries):
    from django.test import Client

    versions = build_member_space(partner, copies=1)["versions"]
    build_member_space(other_partner, copies=4, versions=versions)
    one, many = Client(), Client()
    one.force_login(partner)
    many.force_login(other_partner)
    _queries(one, ACCOUNT)  # warm the per-process caches (content types, committees)
    few = _queries(one, ACCOUNT)

    with django_assert_max_num_queries(32):
        response = many.get(ACCOUNT)

    assert _queries(many, ACCOUNT) == few
    assert section_text(response, "reunions").count("CoPil de printemps") == 4
    assert (
        section_text(response, "structures").count("Centre de dialyse n° ") == 12
    )  # the title, and in each button's hidden label


# --- The menu ------------------------------------------------------------------------------------


def test_login_stores_the_applicable_sections_in_the_session(client, partner, password, member):
    client.post(reverse("actors:login"), {"username": partner.email, "password": password})

    assert client.session[MENU_SESSION_KEY] == [
        ["fiches", "Mes fiches"],
        ["structures", "Mes structures"],
        ["projets", "Mes projets"],
        ["charte", "Mes signatures de la charte"],
        ["instances", "Mes instances"],
        ["reunions", "Mes réunions"],
        ["accompagnements", "Mes accompagnements"],
        ["auto-evaluation", "Mes séances d'auto-évaluation"],
        ["rapports", "Mes rapports"],
        ["lettre", "La lettre du COPS"],
        ["preferences", "Mes préférences de courriel et de contact"],
    ]


def test_menu_on_another_page_reads_the_session(partner_client):
    session = partner_client.session
    session[MENU_SESSION_KEY] = [["fiches", "Mes fiches"], ["reunions", "Mes réunions"]]
    session.save()

    html = partner_client.get("/charte/").content.decode()

    menu = re.search(r'<ul class="dropdown-menu space-menu">(.*?)</ul>', html, flags=re.S).group(1)
    assert re.findall(r'href="([^"]+)">([^<]+)</a>', menu) == [
        ("/compte/", "Tout mon espace"),
        ("/compte/#a-faire", "À faire"),
        ("/compte/#fiches", "Mes fiches"),
        ("/compte/#reunions", "Mes réunions"),
    ]
    assert html.count(">Annuaire</a>") == 1  # the public entries stay, once


def test_mon_espace_refreshes_the_menu(partner, partner_client):
    session = partner_client.session
    session[MENU_SESSION_KEY] = [["reunions", "Mes réunions"]]
    session.save()

    partner_client.get(ACCOUNT)

    assert partner_client.session[MENU_SESSION_KEY] == [
        ["fiches", "Mes fiches"],
        ["charte", "Mes signatures de la charte"],
        ["lettre", "La lettre du COPS"],
        ["preferences", "Mes préférences de courriel et de contact"],
    ]


def test_anonymous_and_staff_menus(client, staff_client):
    anonymous = client.get("/charte/").content.decode()
    staff = staff_client.get("/charte/").content.decode()

    assert "space-menu" not in anonymous
    assert ">Espace équipe</a>" in staff
    assert "space-menu" in staff


def test_context_processor_adds_no_query(rf, partner):
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get("/charte/")
    request.user = get_user_model().objects.get(pk=partner.pk)
    request.user.has_role(Role.STAFF)  # the roles the page reads anyway, loaded once per request
    request.session = SessionStore()
    request.session[MENU_SESSION_KEY] = [["fiches", "Mes fiches"]]

    with CaptureQueriesContext(connection) as captured:
        context = platform(request)

    assert context["space_menu"] == [["fiches", "Mes fiches"]]
    assert len(captured) == 0


def test_the_menu_adds_no_query_to_another_page(partner, partner_client, member):
    _queries(partner_client, "/charte/")  # warm the per-process caches
    session = partner_client.session
    session[MENU_SESSION_KEY] = []
    session.save()
    without_menu = _queries(partner_client, "/charte/")
    session = partner_client.session
    session[MENU_SESSION_KEY] = [
        [key, key] for key in ("fiches", "structures", "charte", "reunions", "rapports")
    ]
    session.save()

    with_menu = _queries(partner_client, "/charte/")

    assert with_menu == without_menu


# --- The home page's « Rejoindre l'annuaire » ----------------------------------------------------


def _join_link(response) -> str:
    pattern = r"<a class=\"btn btn-accent btn-lg\" href=\"([^\"]+)\">Rejoindre l'annuaire</a>"
    return re.search(pattern, response.content.decode()).group(1)


def test_home_join_link_goes_to_registration_without_a_profile(client, partner_client):
    assert _join_link(client.get("/")) == "/annuaire/inscription/"
    assert _join_link(partner_client.get("/")) == "/annuaire/inscription/"


def test_home_join_link_goes_to_my_profiles_with_one(partner, partner_client):
    PersonFactory(user=partner)

    assert _join_link(partner_client.get("/")) == "/annuaire/mes-fiches/"


def test_home_costs_one_exists_for_a_signed_in_person_only(client, partner_client):
    _queries(client, "/")
    _queries(partner_client, "/")
    anonymous = _queries(client, "/")

    with CaptureQueriesContext(connection) as captured:
        partner_client.get("/")

    exists = [query["sql"] for query in captured if "person" in query["sql"] and "LIMIT 1" in query["sql"]]
    assert len(exists) == 1
    assert anonymous == _queries(client, "/")


def _month(day) -> str:
    from django.utils.formats import date_format

    return date_format(day, "F")


# --- What waits, by role -------------------------------------------------------------------------


def test_copil_member_has_the_support_requests_to_examine(copil_user, copil_client, staff_user):
    from tests.factories.accompaniment import SupportRequestFactory

    SupportRequestFactory(submitted_at=timezone.now() - timedelta(days=6))
    SupportRequestFactory(submitted_at=timezone.now() - timedelta(days=2))
    SupportRequestFactory(status="acceptee")

    response = copil_client.get(ACCOUNT)

    assert section_text(response, "a-faire") == (
        "À faire Demandes d'appui à examiner par le CoPil : 2 Chaque demande attend la décision du CoPil. Examiner"
    )
    assert 'href="/accompagnements/demandes/?statut=a_examiner"' in response.content.decode()
    assert space_waiting(staff_user) == []  # the staff have them on the staff home


def test_referent_is_asked_to_complete_a_support_request(partner, partner_client):
    from tests.factories.accompaniment import SupportRequestFactory
    from tests.factories.accompaniment import make_referent as make_accompaniment_referent

    structure = StructureFactory(name="Centre de rééducation")
    make_accompaniment_referent(partner, structure)
    support_request = SupportRequestFactory(
        structure=structure, title="Projet d'éducation thérapeutique", status="complement"
    )

    response = partner_client.get(ACCOUNT)

    assert section_text(response, "a-faire") == (
        "À faire Compléter la demande d'appui : Projet d'éducation thérapeutique Le CoPil vous demande un "
        "complément d'information. Compléter"
    )
    assert (
        f'href="{reverse("accompaniment:request_detail", args=[support_request.pk])}"'
        in response.content.decode()
    )


def test_what_several_hooks_read_is_computed_once_per_page_and_never_kept_after_it():
    from cops.space import remembered_for_page, space_page

    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert [remembered_for_page(("k",), compute), remembered_for_page(("k",), compute)] == [1, 2]
    with space_page():
        assert [remembered_for_page(("k",), compute), remembered_for_page(("k",), compute)] == [3, 3]
    assert remembered_for_page(("k",), compute) == 4
