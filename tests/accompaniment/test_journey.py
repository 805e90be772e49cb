"""One accompaniment in a real browser: a référent asks, the CoPil accepts, the staff opens it, walks it
through its five phases (with the evaluations answered by personal link) and downloads its PDF dossier."""

import io
import re

import pypdf
import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accompaniment.enums import EvaluationKind
from accompaniment.models import Accompaniment, Evaluation
from accompaniment.tasks import send_due_evaluations
from tests.factories.accompaniment import StructureFactory, make_referent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LINK_RE = re.compile(r"(http://\S+/accompagnements/evaluation/[A-Za-z0-9_-]+/)")


def sign_in(browser, live_server, user, password):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(live_server.url + "/compte/connexion/")
    page.get_by_label("Adresse électronique").fill(user.email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    return page


def expect_message(page, text):
    expect(page.get_by_role("status").first).to_contain_text(text)


def open_detail(page, live_server):
    # A fresh load: the page may already show the accompaniment with an older #anchor.
    page.goto(live_server.url + Accompaniment.objects.get().get_absolute_url())
    page.reload()


def close_phase(page, closed, following):
    page.get_by_role("button", name="Clôturer la phase").click()
    if following:
        expect_message(page, f"La phase « {closed} » est clôturée ; la phase « {following} » commence.")
    else:
        expect_message(page, "Dernière phase clôturée : l'accompagnement est terminé.")


def answer_evaluation(browser, link):
    page = browser.new_page()
    page.goto(link)
    for question in page.locator("fieldset fieldset").all():
        question.get_by_text("Tout à fait").click()
    page.locator("textarea").first.fill("Le binôme a su faire dialoguer tout le monde.")
    page.get_by_role("button", name="Envoyer mes réponses").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Merci pour vos réponses")
    page.close()


def test_an_accompaniment_from_the_request_to_its_pdf_dossier(
    live_server, browser, settings, tmp_path, partner, copil_user, staff_user, patient_partner_lead, password
):
    settings.SITE_URL = live_server.url
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    structure = StructureFactory(name="Centre d'hémodialyse de Sète")
    make_referent(partner, structure)

    # 1. The référent asks for support from the landing page.
    referent = sign_in(browser, live_server, partner, password)
    referent.goto(live_server.url + "/accompagnements/")
    referent.get_by_role("link", name="Demander un appui au COPS").first.click()
    referent.get_by_label("Type d'appui").select_option(
        label="Stratégie et démarche partenariale de la structure"
    )
    referent.get_by_label("Intitulé du projet").fill("Projet des usagers du centre d'hémodialyse")
    referent.get_by_label("Contexte").fill(
        "Nous voulons écrire notre projet des usagers avec les RU et les patients."
    )
    referent.get_by_label("Résultat attendu").fill("Un projet des usagers co-écrit et adopté.")
    referent.get_by_role("button", name="Envoyer ma demande").click()
    expect_message(referent, "Votre demande est envoyée.")
    expect(referent.locator(".lead")).to_contain_text("À examiner par le CoPil")

    # 2. The CoPil accepts it; the référent is told by email.
    copil = sign_in(browser, live_server, copil_user, password)
    copil.goto(live_server.url + "/accompagnements/demandes/?statut=a_examiner")
    copil.get_by_role("link", name="Projet des usagers du centre d'hémodialyse").click()
    copil.get_by_label("Acceptée").check()
    copil.get_by_role("button", name="Enregistrer la décision").click()
    expect_message(copil, "Décision enregistrée (acceptée)")
    assert [m.subject for m in mail.outbox if m.to[0] == partner.email][-1] == (
        "Votre demande d'appui au COPS est acceptée"
    )

    # 3. The staff opens the accompaniment with its binôme.
    staff = sign_in(browser, live_server, staff_user, password)
    staff.goto(live_server.url + "/accompagnements/demandes/")
    staff.get_by_role("link", name="Projet des usagers du centre d'hémodialyse").click()
    staff.get_by_role("link", name="Ouvrir l'accompagnement").click()
    staff.get_by_label("Professionnel de santé du binôme").select_option(label=staff_user.get_full_name())
    staff.get_by_label("Patient partenaire du binôme").select_option(
        label=patient_partner_lead.get_full_name()
    )
    staff.get_by_role("button", name="Ouvrir l'accompagnement").click()
    expect_message(staff, "L'accompagnement est ouvert : sa première phase commence.")
    expect(staff.locator(".acc-step[aria-current='step']")).to_contain_text("Retour d'expérience")

    for first, last, email, side in [
        ("Inès", "Roux", "ines.roux@sete.fr", "Usager"),
        ("Paul", "Martin", "paul.martin@sete.fr", "Professionnel"),
    ]:
        staff.get_by_role("link", name="Ajouter", exact=True).click()
        staff.get_by_label("Prénom", exact=True).fill(first)
        staff.get_by_label("Nom", exact=True).fill(last)
        staff.get_by_label("Adresse électronique").fill(email)
        staff.get_by_label(side).check()
        staff.get_by_role("button", name="Ajouter le participant").click()
        expect_message(staff, "Le participant est ajouté.")

    # Phase 1 — closing without content says what is missing.
    staff.get_by_role("button", name="Clôturer la phase").click()
    expect(staff.locator("#error-summary")).to_contain_text(
        "Pour clôturer la phase « Retour d'expérience », il manque : au moins une rencontre"
    )
    open_detail(staff, live_server)
    staff.get_by_role("link", name="Enregistrer une rencontre").click()
    staff.get_by_label("Objet").fill("Retour d'expérience avec l'équipe et les RU")
    staff.get_by_label("Inès Roux").check()
    staff.get_by_role("button", name="Enregistrer la rencontre").click()
    expect_message(staff, "La rencontre est enregistrée.")
    # The référent contributes a finding.
    open_detail(referent, live_server)
    referent.get_by_role("link", name="Ajouter un constat").click()
    referent.get_by_label("Levier").check()
    referent.get_by_role("textbox", name="Constat").fill("Des représentants des usagers très engagés")
    referent.get_by_role("button", name="Ajouter le constat").click()
    expect_message(referent, "Le constat est ajouté.")
    staff.reload()
    close_phase(staff, "Retour d'expérience", "Co-construction")

    # Phase 2 — the action plan and an indicator.
    staff.get_by_role("link", name="Ajouter une action").click()
    staff.get_by_label("Action", exact=False).first.fill("Associer deux RU au comité de pilotage")
    staff.get_by_label("Responsable").select_option(label="Inès Roux")
    staff.get_by_label("Échéance").fill((timezone.localdate() + timezone.timedelta(days=30)).isoformat())
    staff.get_by_role("button", name="Ajouter l'action").click()
    expect_message(staff, "L'action est ajoutée au plan.")
    staff.get_by_role("link", name="Définir un indicateur").click()
    staff.get_by_label("Indicateur").fill("Réunions avec au moins un usager")
    staff.get_by_label("Valeur de départ").fill("1")
    staff.get_by_label("Cible", exact=False).fill("6")
    staff.get_by_role("button", name="Définir l'indicateur").click()
    expect_message(staff, "L'indicateur est défini.")
    close_phase(staff, "Co-construction", "Dynamique partenariale")

    # Phase 3 — a meeting; the référent moves the action along and records a measurement.
    staff.get_by_role("link", name="Enregistrer une rencontre").click()
    staff.get_by_label("Objet").fill("Point d'étape")
    staff.get_by_role("button", name="Enregistrer la rencontre").click()
    expect_message(staff, "La rencontre est enregistrée.")
    open_detail(referent, live_server)
    referent.get_by_label("Statut de « Associer deux RU au comité de pilotage »").select_option(
        label="En cours"
    )
    referent.get_by_role("button", name="Mettre à jour").click()
    expect_message(referent, "« Associer deux RU au comité de pilotage » : en cours.")
    referent.get_by_role("link", name="Enregistrer une mesure").click()
    referent.get_by_label("Valeur mesurée").fill("3")
    referent.get_by_role("button", name="Enregistrer la mesure").click()
    expect_message(referent, "La mesure est enregistrée.")
    expect(referent.locator("#indicateurs figure.chart")).to_be_visible()
    staff.reload()
    close_phase(staff, "Dynamique partenariale", "Évaluation à chaud")

    # Phase 4 — the à chaud evaluation, answered by personal link.
    mail.outbox.clear()
    staff.get_by_role("link", name="Envoyer l'évaluation à chaud").click()
    staff.get_by_role("button", name="Envoyer l'évaluation aux participants").click()
    expect_message(staff, "L'évaluation à chaud est envoyée à 2 participants.")
    links = {m.to[0]: LINK_RE.search(m.body).group(1) for m in mail.outbox}
    assert sorted(links) == ["ines.roux@sete.fr", "paul.martin@sete.fr"]
    answer_evaluation(browser, links["ines.roux@sete.fr"])
    staff.reload()
    expect(staff.locator("#evaluations")).to_contain_text("1 réponse(s) sur 2 invitation(s)")
    close_phase(staff, "Évaluation à chaud", "Évaluation d'impact")

    # Phase 5 — the à distance evaluation, brought forward to today and sent by the periodic task.
    expect(staff.locator("#evaluations")).to_contain_text("Envoi automatique prévu le")
    staff.get_by_role("link", name="Changer la date").click()
    staff.get_by_label("Date d'envoi de l'évaluation à distance").fill(timezone.localdate().isoformat())
    staff.get_by_role("button", name="Enregistrer la date").click()
    mail.outbox.clear()
    assert send_due_evaluations() == {"launched": 1, "reminded": 0, "action_reminders": 0}
    assert send_due_evaluations() == {"launched": 0, "reminded": 0, "action_reminders": 0}
    impact_links = {m.to[0]: LINK_RE.search(m.body).group(1) for m in mail.outbox}
    assert sorted(impact_links) == ["ines.roux@sete.fr", "paul.martin@sete.fr"]
    answer_evaluation(browser, impact_links["paul.martin@sete.fr"])
    staff.reload()
    close_phase(staff, "Évaluation d'impact", None)
    expect(staff.locator("#phases")).to_contain_text("toutes ses phases sont clôturées")
    expect(staff.locator("#chronologie")).to_contain_text("Phase « Évaluation d'impact » clôturée")
    assert Evaluation.objects.get(kind=EvaluationKind.IMPACT).responses.count() == 1

    # The dossier, built by the report job, as a PDF.
    staff.get_by_role("button", name="Télécharger le dossier (PDF)").click()
    expect(staff.locator("#report-status")).to_contain_text("Votre rapport est prêt")
    href = staff.get_by_role("link", name="Télécharger le rapport").get_attribute("href")
    response = staff.request.get(live_server.url + href)
    assert response.status == 200
    text = " ".join(
        "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.body())).pages).split()
    )
    for expected in [
        "Dossier d'accompagnement : Projet des usagers du centre d'hémodialyse",
        "Centre d'hémodialyse de Sète",
        "Des représentants des usagers très engagés",
        "Associer deux RU au comité de pilotage",
        "Réunions avec au moins un usager",
        "Évaluation à chaud",
        "Évaluation d'impact à distance",
        "Phase clôturée : Évaluation d'impact",
    ]:
        assert expected in text, expected
