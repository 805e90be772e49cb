"""In a real browser: the staff record a meeting with a shared report and an internal note; the
structure's référent reads the shared parts on the page and in their PDF dossier, never the note.
And the staff board fits a 1280 px screen."""

import io

import pypdf
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accompaniment.enums import ContentVisibility, Side
from accompaniment.services import accompaniments as acc_services
from accompaniment.services import content as content_services
from tests.accompaniment.test_journey import expect_message, sign_in
from tests.factories.accompaniment import StructureFactory, make_accompaniment, make_referent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

INTERNAL = "NOTE INTERNE COPS : la direction semble réticente"


def test_referent_reads_the_shared_parts_of_their_dossier_and_not_the_internal_note(
    live_server, browser, settings, tmp_path, partner, staff_user, password
):
    settings.SITE_URL = live_server.url
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    structure = StructureFactory(name="Association des usagers de Sète")
    make_referent(partner, structure)
    accompaniment = make_accompaniment(structure=structure, professional_lead=staff_user, by=staff_user)
    acc_services.participant_add(
        accompaniment=accompaniment, first_name="Inès", last_name="Roux", email="ines@sete.fr", side=Side.USER
    )
    content_services.finding_add(
        accompaniment=accompaniment, kind="frein", text="Frein réservé à l'équipe", by=staff_user,
        visibility=ContentVisibility.STAFF,
    )  # fmt: skip

    # The staff record the meeting: a shared report and an internal note.
    staff = sign_in(browser, live_server, staff_user, password)
    staff.goto(live_server.url + accompaniment.get_absolute_url())
    staff.get_by_role("link", name="Enregistrer une rencontre").click()
    staff.get_by_label("Objet").fill("Rencontre de lancement")
    staff.get_by_label("Compte rendu partagé").fill("Les RU veulent siéger au comité de pilotage.")
    staff.get_by_label("Notes internes de l'équipe du COPS").fill(INTERNAL)
    staff.get_by_role("button", name="Enregistrer la rencontre").click()
    expect_message(staff, "La rencontre est enregistrée.")
    staff.locator("#rencontres summary", has_text="Rencontre de lancement").click()
    expect(staff.locator("#rencontres")).to_contain_text(INTERNAL)

    # The référent reads the shared report on the page, not the note nor the staff-only finding.
    referent = sign_in(browser, live_server, partner, password)
    referent.goto(live_server.url + accompaniment.get_absolute_url())
    referent.locator("#rencontres summary", has_text="Rencontre de lancement").click()
    expect(referent.locator("#rencontres")).to_contain_text("Les RU veulent siéger au comité de pilotage.")
    expect(referent.locator("main")).not_to_contain_text("NOTE INTERNE")
    expect(referent.locator("main")).not_to_contain_text("Frein réservé à l'équipe")

    # … and in their PDF dossier.
    referent.get_by_role("button", name="Télécharger le dossier (PDF)").click()
    expect(referent.locator("#report-status")).to_contain_text("Votre rapport est prêt")
    href = referent.get_by_role("link", name="Télécharger le rapport").get_attribute("href")
    response = referent.request.get(live_server.url + href)
    assert response.status == 200
    text = " ".join(
        "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.body())).pages).split()
    )
    assert "Rencontre de lancement" in text
    assert "Les RU veulent siéger au comité de pilotage." in text
    assert "NOTE INTERNE" not in text
    assert "Frein réservé à l'équipe" not in text


def test_board_fits_a_1280_px_screen(live_server, browser, staff_user, password):
    for number in range(3):
        make_accompaniment(
            structure=StructureFactory(name=f"Centre hospitalier n° {number}"),
            professional_lead=staff_user,
            by=staff_user,
            started_on=timezone.localdate(),
        )
    staff = sign_in(browser, live_server, staff_user, password)
    staff.set_viewport_size({"width": 1280, "height": 900})

    staff.goto(live_server.url + "/accompagnements/tableau/")

    columns = staff.locator(".acc-columns").first
    expect(columns).to_be_visible()
    overflow = columns.evaluate("el => el.scrollWidth - el.clientWidth")
    page_overflow = staff.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert (overflow, page_overflow) == (0, 0)
    last = staff.locator(".acc-column").last
    box = last.bounding_box()
    assert box["x"] + box["width"] <= 1280
