"""Content of the phases and the convention: bad input gets a clear French message and nothing is saved."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accompaniment.enums import Side
from accompaniment.models import Accompaniment, Action, Finding, Indicator, Measurement, Meeting, Participant
from accompaniment.services import accompaniments as acc_services
from accompaniment.services import content as services
from accompaniment.validators import CONVENTION_MAX_BYTES
from tests.accompaniment.conftest import advance
from tests.factories.accompaniment import StructureFactory, make_accompaniment

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def test_action_owner_must_be_a_participant_of_this_accompaniment(
    staff_client, accompaniment, participants, staff_user
):
    advance(accompaniment, staff_user, participants)
    elsewhere = make_accompaniment(structure=StructureFactory(), professional_lead=staff_user)
    stranger = acc_services.participant_add(
        accompaniment=elsewhere, first_name="Zoé", last_name="Autre", side=Side.USER
    )
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    before = Action.objects.count()

    response = staff_client.post(
        reverse("accompaniment:action_add", args=[accompaniment.pk]),
        {"title": "Former les RU", "owner": stranger.pk, "due_on": due},
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert "Le responsable d&#x27;une action doit être un participant de cet accompagnement." in content
    assert 'value="Former les RU"' in content
    assert Action.objects.count() == before


def test_action_service_refuses_an_owner_from_another_accompaniment(accompaniment, staff_user, participants):
    from django.core.exceptions import ValidationError

    elsewhere = make_accompaniment(structure=StructureFactory(), professional_lead=staff_user)
    stranger = acc_services.participant_add(
        accompaniment=elsewhere, first_name="Zoé", last_name="Autre", side=Side.USER
    )

    with pytest.raises(ValidationError) as error:
        services.action_add(
            accompaniment=accompaniment,
            title="Action",
            owner=stranger,
            due_on=timezone.localdate(),
            by=staff_user,
        )

    assert error.value.message_dict == {
        "owner": ["Le responsable d'une action doit être un participant de cet accompagnement."]
    }
    assert Action.objects.count() == 0


def test_measurement_for_an_indicator_of_another_accompaniment_is_refused(
    partner_client, referent, accompaniment, participants, staff_user
):
    advance(accompaniment, staff_user, participants)
    services.indicator_add(
        accompaniment=accompaniment, name="Réunions", baseline=Decimal(0), target=Decimal(4), by=staff_user
    )
    elsewhere = make_accompaniment(structure=StructureFactory(), professional_lead=staff_user)
    foreign = services.indicator_add(
        accompaniment=elsewhere,
        name="Indicateur étranger",
        baseline=Decimal(0),
        target=Decimal(5),
        by=staff_user,
    )

    response = partner_client.post(
        reverse("accompaniment:measurement_add", args=[accompaniment.pk]),
        {"indicator": foreign.pk, "measured_on": timezone.localdate().isoformat(), "value": "3"},
    )

    assert response.status_code == 400
    assert "Cet indicateur appartient à un autre accompagnement." in response.content.decode()
    assert Measurement.objects.count() == 0


def test_measurement_service_refuses_foreign_indicator_future_date_and_duplicate(accompaniment, staff_user):
    from django.core.exceptions import ValidationError

    indicator = services.indicator_add(
        accompaniment=accompaniment, name="Réunions", baseline=Decimal(0), target=Decimal(4), by=staff_user
    )
    elsewhere = make_accompaniment(structure=StructureFactory(), professional_lead=staff_user)
    today = timezone.localdate()
    services.measurement_add(
        accompaniment=accompaniment, indicator=indicator, measured_on=today, value=Decimal(1), by=staff_user
    )

    with pytest.raises(ValidationError) as foreign:
        services.measurement_add(
            accompaniment=elsewhere, indicator=indicator, measured_on=today, value=Decimal(1), by=staff_user
        )
    with pytest.raises(ValidationError) as future:
        services.measurement_add(
            accompaniment=accompaniment,
            indicator=indicator,
            measured_on=today + timedelta(days=1),
            value=Decimal(1),
            by=staff_user,
        )
    with pytest.raises(ValidationError) as duplicate:
        services.measurement_add(
            accompaniment=accompaniment,
            indicator=indicator,
            measured_on=today,
            value=Decimal(2),
            by=staff_user,
        )

    assert foreign.value.message_dict == {
        "indicator": ["Cet indicateur appartient à un autre accompagnement."]
    }
    assert future.value.message_dict == {"measured_on": ["Une mesure ne peut pas être datée du futur."]}
    assert duplicate.value.message_dict == {
        "measured_on": ["Une mesure existe déjà à cette date pour cet indicateur."]
    }
    assert list(Measurement.objects.values_list("value", flat=True)) == [Decimal("1.00")]


def test_dates_before_the_start_of_the_accompaniment_are_refused(accompaniment, staff_user):
    from django.core.exceptions import ValidationError

    start = accompaniment.current_phase.started_on

    with pytest.raises(ValidationError) as meeting:
        services.meeting_add(
            accompaniment=accompaniment,
            held_on=start - timedelta(days=1),
            title="Avant",
            notes="",
            participants=[],
            by=staff_user,
        )

    assert "La date de la rencontre" in meeting.value.message_dict["held_on"][0]
    assert "précède le début de l'accompagnement" in meeting.value.message_dict["held_on"][0]
    assert Meeting.objects.count() == 0


def test_indicator_target_must_differ_from_its_baseline(staff_client, accompaniment):
    response = staff_client.post(
        reverse("accompaniment:indicator_add", args=[accompaniment.pk]),
        {"name": "Patients partenaires", "baseline": "2", "target": "2"},
    )

    assert (
        "La cible doit différer de la valeur de départ : sinon, rien à mesurer." in response.content.decode()
    )
    assert Indicator.objects.count() == 0


def test_finding_added_by_a_referent_lands_in_the_current_phase(partner_client, referent, accompaniment):
    response = partner_client.post(
        reverse("accompaniment:finding_add", args=[accompaniment.pk]),
        {"kind": "frein", "text": "Peu de temps dédié"},
    )

    assert response.status_code == 302
    finding = Finding.objects.get()
    assert (finding.kind, finding.text, finding.phase.position, finding.created_by) == (
        "frein",
        "Peu de temps dédié",
        1,
        referent,
    )


def test_convention_dates_out_of_order_are_refused(staff_client, accompaniment):
    response = staff_client.post(
        reverse("accompaniment:convention_edit", args=[accompaniment.pk]),
        {"start": "2026-06-01", "end": "2026-03-01", "planned_interventions": "6"},
    )

    assert "La fin de la convention précède son début." in response.content.decode()
    accompaniment.refresh_from_db()
    assert (accompaniment.convention_start, accompaniment.planned_interventions) == (None, None)


def test_convention_upload_must_really_be_a_pdf_of_limited_size(staff_client, accompaniment, private_media):
    url = reverse("accompaniment:convention_edit", args=[accompaniment.pk])
    today = timezone.localdate().isoformat()
    fake = SimpleUploadedFile("convention.pdf", b"<html>pas un PDF</html>", content_type="application/pdf")
    huge = SimpleUploadedFile(
        "convention.pdf", b"%PDF-" + b"0" * CONVENTION_MAX_BYTES, content_type="application/pdf"
    )

    not_pdf = staff_client.post(url, {"signed_on": today, "signed_file": fake})
    too_big = staff_client.post(url, {"signed_on": today, "signed_file": huge})

    assert (
        "Ce fichier n&#x27;est pas un PDF : déposez la convention signée au format PDF."
        in not_pdf.content.decode()
    )
    assert "la limite est de 10,0" in too_big.content.decode()
    accompaniment.refresh_from_db()
    assert not accompaniment.convention_file
    assert not private_media.exists() or not any(private_media.rglob("*.pdf"))


def test_signed_convention_is_stored_privately_and_served_only_to_who_may_see_it(
    staff_client, partner_client, referent, client, other_partner, accompaniment, private_media, settings
):
    upload = SimpleUploadedFile("ma convention signée.pdf", PDF_BYTES, content_type="application/pdf")
    staff_client.post(
        reverse("accompaniment:convention_edit", args=[accompaniment.pk]),
        {
            "start": "2026-01-05",
            "end": "2026-12-18",
            "planned_interventions": "8",
            "signed_on": "2026-01-05",
            "signed_file": upload,
        },
    )
    accompaniment.refresh_from_db()
    url = reverse("accompaniment:convention_download", args=[accompaniment.pk])
    client.force_login(other_partner)

    staff = staff_client.get(url)
    own = partner_client.get(url)
    other = client.get(url)

    stored = list(private_media.rglob("*.pdf"))
    assert len(stored) == 1 and stored[0].read_bytes() == PDF_BYTES
    assert not str(stored[0]).startswith(str(settings.MEDIA_ROOT))
    assert "signée" not in stored[0].name
    assert (accompaniment.planned_interventions, accompaniment.convention_end.isoformat()) == (
        8,
        "2026-12-18",
    )
    assert staff.status_code == 200 and b"".join(staff.streaming_content) == PDF_BYTES
    assert staff["Content-Type"] == "application/pdf"
    assert own.status_code == 200
    assert other.status_code == 404


def test_a_new_signed_copy_replaces_the_previous_file(
    staff_user, accompaniment, private_media, django_capture_on_commit_callbacks
):
    first = SimpleUploadedFile("a.pdf", PDF_BYTES, content_type="application/pdf")
    second = SimpleUploadedFile("b.pdf", PDF_BYTES + b"% v2\n", content_type="application/pdf")
    today = timezone.localdate()

    with django_capture_on_commit_callbacks(execute=True):
        acc_services.convention_update(
            accompaniment=accompaniment,
            start=None,
            end=None,
            planned_interventions=None,
            signed_on=today,
            signed_file=first,
            by=staff_user,
        )
    with django_capture_on_commit_callbacks(execute=True):
        acc_services.convention_update(
            accompaniment=accompaniment,
            start=None,
            end=None,
            planned_interventions=None,
            signed_on=today,
            signed_file=second,
            by=staff_user,
        )

    stored = list(private_media.rglob("*.pdf"))
    assert [path.read_bytes() for path in stored] == [PDF_BYTES + b"% v2\n"]


def test_participant_email_is_unique_within_an_accompaniment(staff_client, accompaniment, participants):
    response = staff_client.post(
        reverse("accompaniment:participant_add", args=[accompaniment.pk]),
        {"first_name": "Inès", "last_name": "Roux", "email": "INES.ROUX@sete.fr", "side": "usager"},
    )

    assert "Un participant de cet accompagnement a déjà cette adresse." in response.content.decode()
    assert Participant.objects.filter(accompaniment=accompaniment).count() == 2


def test_a_participant_owning_actions_cannot_be_removed(
    staff_client, accompaniment, participants, staff_user
):
    advance(accompaniment, staff_user, participants, phases=2)
    owner = participants[0]

    response = staff_client.post(
        reverse("accompaniment:participant_remove", args=[accompaniment.pk, owner.pk]), follow=True
    )

    assert "est responsable d&#x27;actions du plan" in response.content.decode()
    assert Participant.objects.filter(pk=owner.pk).exists()


def test_closing_from_the_page_shows_what_is_missing_and_keeps_the_phase(staff_client, accompaniment):
    response = staff_client.post(
        reverse("accompaniment:phase_close", args=[accompaniment.pk]),
        {"ended_on": timezone.localdate().isoformat(), "reason": "Fin prévue"},
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert content.count("Pour clôturer la phase « Retour d&#x27;expérience », il manque") == 1
    assert "Fin prévue" in content
    assert Accompaniment.objects.get().current_phase.position == 1
