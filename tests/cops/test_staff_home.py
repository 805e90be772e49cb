"""The staff home as the work to do, and every link of the staff home and of Mon espace opening
for the person who sees it (no login page, no 403)."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accompaniment.models import Accompaniment
from actors.charter_enums import MeetingStatus
from actors.enums import MembershipStatus, ModerationStatus, Role
from actors.models import Membership, Person, Structure
from barometer.enums import CampaignStatus, DeliveryStatus
from barometer.models import Delivery, SendingRound
from cops.enums import ReportStatus
from cops.figures import staff_work
from cops.tokens import new_token
from directory.models import ContactMessage, ContactPurpose
from tests.cops.test_member_space import build_member_space, open_accompaniment, page_text
from tests.factories.accompaniment import SupportRequestFactory
from tests.factories.actors import UserFactory
from tests.factories.barometer import CampaignFactory, make_invitation, make_questionnaire
from tests.factories.charter import PersonFactory, StructureFactory, committee, make_meeting
from tests.factories.cops import ReportJobFactory

pytestmark = pytest.mark.django_db

STAFF_HOME = "/equipe/"


def ago(days: int):
    """Noon, `days` days ago (local time): the « N jours » on the page do not depend on the hour."""
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    return noon - timedelta(days=days)


def build_staff_work(staff_user) -> None:
    """Two or more waiting items in every queue, the oldest named, plus things that must not count."""
    # Profiles to moderate: two new persons, one edit of a published structure; a draft does not count.
    for first_name, days in (("Zoé", 3), ("Anaïs", 12)):
        person = PersonFactory(
            user=None, first_name=first_name, last_name="Roux", status=ModerationStatus.PENDING
        )
        Person.objects.filter(pk=person.pk).update(submitted_at=ago(days))
    edited = StructureFactory(name="Clinique du Parc")
    Structure.objects.filter(pk=edited.pk).update(
        revision={"name": "Clinique du Parc (Toulouse)"},
        revision_status="en_attente",
        revision_submitted_at=ago(5),
    )
    PersonFactory(user=None, first_name="Brouillon", status=ModerationStatus.DRAFT)
    # Membership requests nobody can answer for, and one a référent answers (not the staff's).
    orphan = StructureFactory(name="Association des aidants")
    for first_name, days in (("Lou", 8), ("Noé", 2)):
        membership = Membership.objects.create(
            person=PersonFactory(user=None, first_name=first_name, last_name="Petit"),
            structure=orphan,
            status=MembershipStatus.REQUESTED,
        )
        Membership.objects.filter(pk=membership.pk).update(requested_at=ago(days))
    answered = StructureFactory(name="Centre avec référent")
    Membership.objects.create(
        person=PersonFactory(user=None),
        structure=answered,
        is_referent=True,
        status=MembershipStatus.ACCEPTED,
    )
    Membership.objects.create(
        person=PersonFactory(user=None), structure=answered, status=MembershipStatus.REQUESTED
    )
    # Support requests waiting for the CoPil.
    SupportRequestFactory(
        title="Projet des usagers", submitted_at=ago(10), structure=StructureFactory(name="CH d'Albi")
    )
    SupportRequestFactory(title="Formation en binôme", submitted_at=ago(4))
    SupportRequestFactory(title="Déjà acceptée", status="acceptee", submitted_at=ago(40))
    # Meetings without approved minutes: one empty, one written not approved; approved and cancelled do not count.
    copil = committee("copil")
    for title, days, fields in (
        ("CoPil de novembre", 20, {"status": MeetingStatus.HELD}),
        ("CoPil de décembre", 6, {"minutes": "Brouillon du relevé"}),
    ):
        make_meeting(
            copil, title=title, starts_at=ago(days), ends_at=ago(days) + timedelta(hours=2), **fields
        )
    make_meeting(copil, days=-40, title="CoPil approuvé", minutes="Relevé", minutes_approved_at=ago(30))
    make_meeting(copil, days=-50, title="CoPil annulé", status=MeetingStatus.CANCELLED)
    make_meeting(copil, days=5, title="CoPil à venir")
    # Accompaniments past their convention's end.
    for title, days in (("Accompagnement ancien", 15), ("Accompagnement récent", 2)):
        accompaniment = open_accompaniment(title=title)
        Accompaniment.objects.filter(pk=accompaniment.pk).update(
            convention_start=timezone.localdate() - timedelta(days=200),
            convention_end=timezone.localdate() - timedelta(days=days),
        )
    # Barometer rounds: one that reached nobody, one with a failure; one sent fine does not count.
    campaign = CampaignFactory(year=2040, title="Baromètre 2040", status=CampaignStatus.OPEN)
    questionnaire = make_questionnaire(campaign)
    invitation = make_invitation(questionnaire, email="invite@exemple.fr")
    SendingRound.objects.create(campaign=campaign, number=0, scheduled_at=ago(9))
    SendingRound.objects.create(campaign=campaign, number=1, scheduled_at=ago(6))
    SendingRound.objects.create(campaign=campaign, number=2, scheduled_at=ago(1))
    Delivery.objects.create(invitation=invitation, round=0, status=DeliveryStatus.SENT, sent_at=ago(9))
    Delivery.objects.create(invitation=invitation, round=1, status=DeliveryStatus.FAILED, error="550")
    # An email a dead worker may have handed to the server (H4: sending transparency).
    uncertain = make_invitation(questionnaire, email="incertain@exemple.fr")
    Delivery.objects.create(invitation=uncertain, round=0, status=DeliveryStatus.UNCERTAIN, sent_at=ago(3))
    # Abuse reports on relayed messages: two open, one handled.
    recipient = PersonFactory(user=None, first_name="Inès", last_name="Garcia")
    for days, handled in ((4, False), (1, False), (20, True)):
        ContactMessage.objects.create(
            person=recipient,
            sender_name="Expéditeur",
            sender_email="expediteur@exemple.fr",
            purpose=ContactPurpose.choices[0][0],
            body="Bonjour",
            token_hash=new_token()[1],
            abuse_reported_at=ago(days),
            abuse_reason="Publicité",
            abuse_handled_at=ago(days - 1) if handled else None,
        )
    # Reports ready for this staff member; another's does not count.
    ReportJobFactory(
        requested_by=staff_user, title="Rapport d'activité 2026", status=ReportStatus.DONE, finished_at=ago(2)
    )
    ReportJobFactory(
        requested_by=staff_user, title="Rapport récent", status=ReportStatus.DONE, finished_at=ago(0)
    )
    ReportJobFactory(requested_by=staff_user, title="En cours", status=ReportStatus.RUNNING)
    ReportJobFactory(title="Celui d'un autre", status=ReportStatus.DONE, finished_at=ago(9))


def work_rows(response) -> list[str]:
    html = response.content.decode()
    section = re.search(
        r'<section class="mb-5" aria-labelledby="work-title">.*?</section>', html, flags=re.S
    ).group(0)
    items = re.findall(r'<li class="col-md-6 col-xl-4">(.*?)</li>', section, flags=re.S)

    class Fake:
        pass

    rows = []
    for item in items:
        Fake.content = item.encode()
        rows.append(page_text(Fake))
    return rows


def test_staff_home_lists_the_work_with_counts_and_oldest_items(staff_user, staff_client):
    build_staff_work(staff_user)

    response = staff_client.get(STAFF_HOME)

    assert work_rows(response) == [
        "3 Fiches à modérer le plus ancien : 12 jours, Anaïs Roux",
        "2 Demandes d'adhésion sans référent le plus ancien : 8 jours, Lou Petit → Association des aidants",
        "2 Demandes d'appui en attente du CoPil le plus ancien : 10 jours, Projet des usagers (CH d'Albi)",
        "2 Réunions sans compte rendu approuvé le plus ancien : 20 jours, CoPil de novembre (CoPil)",
        "2 Accompagnements au-delà de la fin prévue de leur convention le plus ancien : 15 jours, "
        "Accompagnement ancien — Retour d'expérience",
        "2 Envois du baromètre en échec ou sans destinataire le plus ancien : 6 jours, Baromètre 2040 · Relance 1",
        "1 Envois du baromètre incertains, à vérifier le plus ancien : 3 jours, Baromètre 2040 · Invitation",
        "2 Signalements d'abus sur les messages relayés le plus ancien : 4 jours, message à Inès Garcia",
        "2 Rapports prêts à télécharger le plus ancien : 2 jours, Rapport d'activité 2026",
    ]


def test_staff_home_says_when_nothing_waits(staff_client):
    response = staff_client.get(STAFF_HOME)

    assert work_rows(response) == [
        "0 Fiches à modérer Rien en attente.",
        "0 Demandes d'adhésion sans référent Rien en attente.",
        "0 Demandes d'appui en attente du CoPil Rien en attente.",
        "0 Réunions sans compte rendu approuvé Rien en attente.",
        "0 Accompagnements au-delà de la fin prévue de leur convention Rien en attente.",
        "0 Envois du baromètre en échec ou sans destinataire Rien en attente.",
        "0 Envois du baromètre incertains, à vérifier Rien en attente.",
        "0 Signalements d'abus sur les messages relayés Rien en attente.",
        "0 Rapports prêts à télécharger Rien en attente.",
    ]


def test_work_items_link_to_their_queue_and_oldest_item(staff_user):
    build_staff_work(staff_user)
    oldest_meeting = committee("copil").meetings.get(title="CoPil de novembre")

    items = {item.label: item for item in staff_work(staff_user)}

    assert items["Fiches à modérer"].url == reverse("directory:moderation_queue")
    assert items["Réunions sans compte rendu approuvé"].oldest_url == reverse(
        "charter:meeting_detail", args=[oldest_meeting.pk]
    )
    assert items["Signalements d'abus sur les messages relayés"].url == reverse("directory:abuse_reports")
    assert items["Demandes d'appui en attente du CoPil"].url == "/accompagnements/demandes/?statut=a_examiner"


def test_staff_home_queries_do_not_grow_with_the_work(
    staff_user, staff_client, django_assert_max_num_queries
):
    build_staff_work(staff_user)
    staff_client.get(STAFF_HOME)

    with django_assert_max_num_queries(50):
        staff_client.get(STAFF_HOME)


def test_admin_pages_are_linked_for_admins_only(staff_client, admin_client):
    staff = staff_client.get(STAFF_HOME).content.decode()
    admin = admin_client.get(STAFF_HOME).content.decode()

    assert "/admin/" not in re.sub(r"<header.*?</header>", "", staff, flags=re.S)
    assert 'href="/admin/actors/"' in admin
    assert 'href="/admin/selfassess/framework/"' in admin


# --- Every link opens for its reader -------------------------------------------------------------


SKIPPED = ("#", "mailto:", "http://", "https://")


def main_links(html: str) -> list[str]:
    main = re.search(r"<main.*?</main>", html, flags=re.S).group(0)
    links = re.findall(r'<a [^>]*href="([^"]+)"', main)
    return sorted(
        {link.replace("&amp;", "&").split("#")[0] for link in links if not link.startswith(SKIPPED)} - {""}
    )


def crawl(client: Client, page: str) -> dict[str, int]:
    response = client.get(page)
    assert response.status_code == 200
    refused = {}
    for link in main_links(response.content.decode()):
        answer = client.get(link)
        login = answer.status_code == 302 and answer.url.startswith(reverse("actors:login"))
        if answer.status_code != 200 or login:
            refused[link] = answer.status_code
    return refused


@pytest.fixture
def cast(partner, copil_user, staff_user, admin_user):
    """Every role with a full space: a partner (also référent of structures), CoPil, staff, admin."""
    versions = build_member_space(partner)["versions"]
    build_member_space(copil_user, versions=versions)
    build_staff_work(staff_user)
    referent_only = UserFactory(email="referente@exemple.fr", first_name="Rose", roles=[Role.PARTNER])
    structure = StructureFactory(name="Maison de santé")
    Membership.objects.create(
        person=PersonFactory(user=referent_only),
        structure=structure,
        is_referent=True,
        status=MembershipStatus.ACCEPTED,
    )
    return {
        "partner": partner,
        "référent": referent_only,
        "copil": copil_user,
        "staff": staff_user,
        "admin": admin_user,
    }


@pytest.mark.parametrize("role", ["partner", "référent", "copil", "staff", "admin"])
def test_every_link_of_mon_espace_opens_for_its_reader(cast, role):
    client = Client()
    client.force_login(cast[role])

    assert crawl(client, "/compte/") == {}


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_every_link_of_the_staff_home_opens_for_its_reader(cast, role):
    client = Client()
    client.force_login(cast[role])

    assert crawl(client, STAFF_HOME) == {}


def test_crawl_sees_the_links_it_checks(cast):
    client = Client()
    client.force_login(cast["partner"])

    links = main_links(client.get("/compte/").content.decode())

    assert reverse("directory:my_profiles") in links
    assert reverse("charter:my_meetings") in links
    assert reverse("platform:report_list") in links
    assert len(links) >= 20
