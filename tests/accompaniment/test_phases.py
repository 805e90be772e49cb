"""Every transition rule of the phases: opening, closing with required content, reopening, dates."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accompaniment.enums import (
    AccompanimentStatus,
    EvaluationKind,
    FindingKind,
    PhaseStatus,
    RequestStatus,
    Side,
    TransitionKind,
)
from accompaniment.models import (
    Accompaniment,
    Evaluation,
    Phase,
    PhaseDefinition,
    PhaseTemplate,
    PhaseTransition,
)
from accompaniment.services import accompaniments as services
from accompaniment.services import content as content_services
from accompaniment.services.evaluations import add_months
from actors.enums import Role
from tests.accompaniment.conftest import advance, fill_current_phase
from tests.factories.accompaniment import StructureFactory, SupportRequestFactory, make_accompaniment
from tests.factories.actors import UserFactory

pytestmark = pytest.mark.django_db


def statuses(accompaniment) -> list[str]:
    return list(
        Phase.objects.filter(accompaniment=accompaniment)
        .order_by("position")
        .values_list("status", flat=True)
    )


def test_shipped_templates_are_the_three_models_with_the_five_phase_one_by_default():
    templates = {t.code: t for t in PhaseTemplate.objects.all()}

    assert set(templates) == {"cinq-phases", "appui-projet", "integration-patient-partenaire"}
    assert [t.code for t in PhaseTemplate.objects.filter(is_default=True)] == ["cinq-phases"]
    five = list(
        templates["cinq-phases"].definitions.order_by("position").values_list("short_name", "requirements")
    )
    assert five == [
        ("Retour d'expérience", ["meeting", "finding"]),
        ("Co-construction", ["action", "indicator"]),
        ("Dynamique partenariale", ["meeting", "action_started", "measurement"]),
        ("Évaluation à chaud", ["hot_evaluation_sent", "hot_evaluation_answered"]),
        ("Évaluation d'impact", ["impact_evaluation_answered"]),
    ]
    assert templates["appui-projet"].definitions.count() == 7
    assert templates["integration-patient-partenaire"].definitions.count() == 6


def test_phase_definition_refuses_unknown_requirement_codes():
    definition = PhaseDefinition.objects.filter(template__code="cinq-phases", position=1).get()
    definition.requirements = ["meeting", "rencontre"]

    with pytest.raises(ValidationError) as error:
        definition.full_clean()

    assert "Codes inconnus : rencontre." in error.value.message_dict["requirements"][0]


def test_opening_creates_every_phase_and_starts_the_first(structure, staff_user, patient_partner_lead):
    started = timezone.localdate() - timedelta(days=3)

    accompaniment = make_accompaniment(
        structure=structure,
        professional_lead=staff_user,
        patient_partner_lead=patient_partner_lead,
        started_on=started,
        by=staff_user,
    )

    phases = list(accompaniment.phases.order_by("position"))
    assert [(p.position, p.status, p.started_on) for p in phases] == [
        (1, PhaseStatus.CURRENT, started),
        (2, PhaseStatus.UPCOMING, None),
        (3, PhaseStatus.UPCOMING, None),
        (4, PhaseStatus.UPCOMING, None),
        (5, PhaseStatus.UPCOMING, None),
    ]
    assert accompaniment.current_phase == phases[0]
    assert list(PhaseTransition.objects.values_list("phase__position", "kind", "by")) == [
        (1, TransitionKind.STARTED, staff_user.pk)
    ]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            "same_person",
            "Le binôme réunit deux personnes : un professionnel de santé et un patient partenaire.",
        ),
        ("not_staff", "ne fait pas partie de l'équipe du COPS."),
        ("future", "L'accompagnement ne peut pas commencer dans le futur."),
    ],
)
def test_opening_refuses_a_bad_binome_or_date_and_saves_nothing(
    case, message, structure, staff_user, partner
):
    template = PhaseTemplate.objects.get(is_default=True)
    kwargs = {
        "structure": structure,
        "title": "Projet",
        "support_type": "projet",
        "template": template,
        "professional_lead": staff_user,
        "patient_partner_lead": UserFactory(roles=[Role.STAFF]),
        "by": staff_user,
    }
    if case == "same_person":
        kwargs["patient_partner_lead"] = staff_user
    elif case == "not_staff":
        kwargs["patient_partner_lead"] = partner
    else:
        kwargs["started_on"] = timezone.localdate() + timedelta(days=1)

    with pytest.raises(ValidationError) as error:
        services.accompaniment_open(**kwargs)

    assert any(message in text for text in error.value.messages)
    assert Accompaniment.objects.count() == 0
    assert Phase.objects.count() == 0


def test_opening_from_a_request_needs_it_accepted_and_unused(structure, staff_user, patient_partner_lead):
    template = PhaseTemplate.objects.get(is_default=True)
    pending = SupportRequestFactory(structure=structure)
    accepted = SupportRequestFactory(structure=structure, status=RequestStatus.ACCEPTED)
    common = {
        "structure": structure,
        "title": "Projet",
        "support_type": "projet",
        "template": template,
        "professional_lead": staff_user,
        "patient_partner_lead": patient_partner_lead,
        "by": staff_user,
    }

    with pytest.raises(ValidationError) as not_accepted:
        services.accompaniment_open(request=pending, **common)
    opened = services.accompaniment_open(request=accepted, **common)
    with pytest.raises(ValidationError) as used:
        services.accompaniment_open(request=accepted, **common)

    assert not_accepted.value.messages == [
        "Seule une demande acceptée par le CoPil peut ouvrir un accompagnement."
    ]
    assert used.value.messages == ["Un accompagnement est déjà ouvert pour cette demande."]
    assert list(Accompaniment.objects.values_list("pk", "request")) == [(opened.pk, accepted.pk)]


def test_closing_the_first_phase_without_its_content_says_what_is_missing_and_changes_nothing(
    accompaniment, staff_user
):
    with pytest.raises(ValidationError) as error:
        services.phase_close(accompaniment=accompaniment, by=staff_user)

    assert error.value.messages == [
        "Pour clôturer la phase « Retour d'expérience », il manque : au moins une rencontre enregistrée dans "
        "cette phase ; au moins un constat (frein, levier ou potentialité) dans cette phase."
    ]
    assert statuses(accompaniment) == ["en_cours", "a_venir", "a_venir", "a_venir", "a_venir"]
    assert PhaseTransition.objects.filter(kind=TransitionKind.CLOSED).count() == 0


def test_closing_lists_only_what_is_still_missing(accompaniment, staff_user):
    content_services.finding_add(
        accompaniment=accompaniment, kind=FindingKind.OBSTACLE, text="Peu de temps", by=staff_user
    )

    with pytest.raises(ValidationError) as error:
        services.phase_close(accompaniment=accompaniment, by=staff_user)

    assert error.value.messages == [
        "Pour clôturer la phase « Retour d'expérience », il manque : au moins une rencontre enregistrée dans cette phase."
    ]


def test_closing_a_phase_with_its_content_starts_the_next_and_records_who_and_why(
    accompaniment, staff_user, participants
):
    fill_current_phase(accompaniment, staff_user, participants)
    ended = timezone.localdate() - timedelta(days=1)

    closed = services.phase_close(
        accompaniment=accompaniment, by=staff_user, ended_on=ended, reason="Bilan partagé"
    )

    assert (closed.position, closed.status, closed.ended_on) == (1, PhaseStatus.CLOSED, ended)
    second = Phase.objects.get(accompaniment=accompaniment, position=2)
    assert (second.status, second.started_on) == (PhaseStatus.CURRENT, ended)
    assert Accompaniment.objects.get().current_phase == second
    assert accompaniment.current_phase == second
    assert list(
        PhaseTransition.objects.order_by("pk").values_list("phase__position", "kind", "by", "reason")
    ) == [
        (1, TransitionKind.STARTED, staff_user.pk, ""),
        (1, TransitionKind.CLOSED, staff_user.pk, "Bilan partagé"),
        (2, TransitionKind.STARTED, staff_user.pk, ""),
    ]


def test_co_construction_needs_an_action_and_an_indicator(accompaniment, staff_user, participants):
    advance(accompaniment, staff_user, participants)

    with pytest.raises(ValidationError) as error:
        services.phase_close(accompaniment=accompaniment, by=staff_user)

    assert error.value.messages == [
        "Pour clôturer la phase « Co-construction », il manque : au moins une action au plan d'actions, saisie "
        "dans cette phase ; au moins un indicateur, défini dans cette phase."
    ]


def test_partnership_dynamic_needs_a_meeting_a_started_action_and_a_measurement(
    accompaniment, staff_user, participants
):
    advance(accompaniment, staff_user, participants, phases=2)

    with pytest.raises(ValidationError) as error:
        services.phase_close(accompaniment=accompaniment, by=staff_user)

    assert error.value.messages == [
        "Pour clôturer la phase « Dynamique partenariale », il manque : au moins une rencontre enregistrée dans "
        "cette phase ; au moins une action en cours ou réalisée ; au moins une mesure d'indicateur depuis le "
        "début de la phase."
    ]


def test_hot_evaluation_phase_needs_the_evaluation_sent_and_answered(accompaniment, staff_user, participants):
    advance(accompaniment, staff_user, participants, phases=3)

    with pytest.raises(ValidationError) as error:
        services.phase_close(accompaniment=accompaniment, by=staff_user)

    assert error.value.messages == [
        "Pour clôturer la phase « Évaluation à chaud », il manque : l'évaluation à chaud envoyée aux "
        "participants ; au moins une réponse à l'évaluation à chaud."
    ]


def test_closing_the_hot_evaluation_schedules_the_impact_evaluation_months_later(
    accompaniment, staff_user, participants
):
    advance(accompaniment, staff_user, participants, phases=3)
    fill_current_phase(accompaniment, staff_user, participants)
    ended = timezone.localdate()

    services.phase_close(accompaniment=accompaniment, by=staff_user, ended_on=ended)

    impact = Evaluation.objects.get(accompaniment=accompaniment, kind=EvaluationKind.IMPACT)
    assert impact.scheduled_for == add_months(ended, 6)
    assert impact.launched_at is None
    assert accompaniment.current_phase.position == 5


def test_closing_the_last_phase_completes_the_accompaniment(accompaniment, staff_user, participants):
    advance(accompaniment, staff_user, participants, phases=5)

    accompaniment.refresh_from_db()
    assert accompaniment.status == AccompanimentStatus.COMPLETED
    assert accompaniment.current_phase is None
    assert accompaniment.completed_at is not None
    assert statuses(accompaniment) == ["terminee"] * 5
    with pytest.raises(ValidationError) as error:
        services.phase_close(accompaniment=accompaniment, by=staff_user)
    assert error.value.messages == ["Cet accompagnement est terminé : aucune phase n'est en cours."]


def test_closing_date_must_not_precede_the_phase_start_nor_be_in_the_future(
    accompaniment, staff_user, participants
):
    fill_current_phase(accompaniment, staff_user, participants)
    start = accompaniment.current_phase.started_on

    with pytest.raises(ValidationError) as before:
        services.phase_close(accompaniment=accompaniment, by=staff_user, ended_on=start - timedelta(days=1))
    with pytest.raises(ValidationError) as future:
        services.phase_close(
            accompaniment=accompaniment, by=staff_user, ended_on=timezone.localdate() + timedelta(days=1)
        )

    assert "précède le début de la phase" in before.value.message_dict["ended_on"][0]
    assert future.value.message_dict["ended_on"] == ["La date de clôture ne peut pas être dans le futur."]
    assert statuses(accompaniment)[0] == "en_cours"


def test_reopening_needs_a_reason_and_puts_the_following_phase_back_to_wait(
    accompaniment, staff_user, participants
):
    advance(accompaniment, staff_user, participants)
    first = Phase.objects.get(accompaniment=accompaniment, position=1)

    with pytest.raises(ValidationError) as no_reason:
        services.phase_reopen(phase=first, by=staff_user, reason="  ")
    services.phase_reopen(phase=first, by=staff_user, reason="Constats à compléter avec les RU")

    assert no_reason.value.message_dict["reason"] == [
        "Indiquez pourquoi la phase est rouverte : le motif est conservé."
    ]
    assert statuses(accompaniment) == ["en_cours", "a_venir", "a_venir", "a_venir", "a_venir"]
    first.refresh_from_db()
    assert first.ended_on is None
    assert Phase.objects.get(accompaniment=accompaniment, position=2).started_on is None
    assert Accompaniment.objects.get().current_phase == first
    reopened = PhaseTransition.objects.get(kind=TransitionKind.REOPENED)
    assert (reopened.phase, reopened.by, reopened.reason) == (
        first,
        staff_user,
        "Constats à compléter avec les RU",
    )


def test_only_the_last_closed_phase_can_be_reopened(accompaniment, staff_user, participants):
    advance(accompaniment, staff_user, participants, phases=2)
    first = Phase.objects.get(accompaniment=accompaniment, position=1)
    upcoming = Phase.objects.get(accompaniment=accompaniment, position=4)

    with pytest.raises(ValidationError) as older:
        services.phase_reopen(phase=first, by=staff_user, reason="Oubli")
    with pytest.raises(ValidationError) as not_closed:
        services.phase_reopen(phase=upcoming, by=staff_user, reason="Oubli")

    assert older.value.messages == [
        "Seule la dernière phase clôturée peut être rouverte : rouvrez les phases une à une, en partant de la plus récente."
    ]
    assert not_closed.value.messages == ["Seule une phase clôturée peut être rouverte."]
    assert statuses(accompaniment) == ["terminee", "terminee", "en_cours", "a_venir", "a_venir"]


def test_reopening_a_completed_accompaniment_makes_it_active_again(accompaniment, staff_user, participants):
    advance(accompaniment, staff_user, participants, phases=5)
    last = Phase.objects.get(accompaniment=accompaniment, position=5)

    services.phase_reopen(phase=last, by=staff_user, reason="Nouvelles réponses attendues")

    accompaniment.refresh_from_db()
    assert (accompaniment.status, accompaniment.current_phase, accompaniment.completed_at) == (
        AccompanimentStatus.ACTIVE,
        last,
        None,
    )


def test_reopening_the_hot_evaluation_cancels_the_impact_evaluation_not_yet_sent(
    accompaniment, staff_user, participants
):
    advance(accompaniment, staff_user, participants, phases=4)
    hot_phase = Phase.objects.get(accompaniment=accompaniment, position=4)
    assert Evaluation.objects.filter(kind=EvaluationKind.IMPACT).count() == 1

    services.phase_reopen(phase=hot_phase, by=staff_user, reason="Trop peu de réponses")

    assert Evaluation.objects.filter(kind=EvaluationKind.IMPACT).count() == 0
    assert Evaluation.objects.filter(kind=EvaluationKind.HOT).count() == 1


def test_only_one_phase_can_be_current_in_the_database(accompaniment):
    second = Phase.objects.get(accompaniment=accompaniment, position=2)

    with pytest.raises(IntegrityError), transaction.atomic():
        Phase.objects.filter(pk=second.pk).update(status=PhaseStatus.CURRENT)


def test_phase_dates_stay_in_order_with_their_neighbours(accompaniment, staff_user, participants):
    start = accompaniment.current_phase.started_on
    fill_current_phase(accompaniment, staff_user, participants)
    services.phase_close(accompaniment=accompaniment, by=staff_user, ended_on=start + timedelta(days=20))
    first = Phase.objects.get(accompaniment=accompaniment, position=1)
    second = Phase.objects.get(accompaniment=accompaniment, position=2)
    upcoming = Phase.objects.get(accompaniment=accompaniment, position=3)

    with pytest.raises(ValidationError) as reversed_dates:
        services.phase_set_dates(
            phase=first, started_on=start, ended_on=start - timedelta(days=2), by=staff_user
        )
    with pytest.raises(ValidationError) as overlaps_next:
        services.phase_set_dates(
            phase=first, started_on=start, ended_on=second.started_on + timedelta(days=1), by=staff_user
        )
    with pytest.raises(ValidationError) as before_previous:
        services.phase_set_dates(
            phase=second, started_on=first.ended_on - timedelta(days=1), ended_on=None, by=staff_user
        )
    with pytest.raises(ValidationError) as end_of_current:
        services.phase_set_dates(
            phase=second, started_on=second.started_on, ended_on=timezone.localdate(), by=staff_user
        )
    with pytest.raises(ValidationError) as not_started:
        services.phase_set_dates(phase=upcoming, started_on=start, ended_on=None, by=staff_user)
    services.phase_set_dates(
        phase=first, started_on=start - timedelta(days=5), ended_on=first.ended_on, by=staff_user
    )

    assert "précède son début" in reversed_dates.value.message_dict["ended_on"][0]
    assert (
        "ne peut pas finir après le début de la phase suivante"
        in overlaps_next.value.message_dict["ended_on"][0]
    )
    assert (
        "ne peut pas commencer avant la fin de la phase précédente"
        in before_previous.value.message_dict["started_on"][0]
    )
    assert end_of_current.value.message_dict["ended_on"] == [
        "Une phase en cours n'a pas de date de fin : clôturez-la pour en fixer une."
    ]
    assert not_started.value.messages == ["Une phase à venir n'a pas encore de dates."]
    first.refresh_from_db()
    assert first.started_on == start - timedelta(days=5)


def test_patient_partner_template_needs_a_user_side_participant_to_leave_identification(staff_user):
    template = PhaseTemplate.objects.get(code="integration-patient-partenaire")
    accompaniment = make_accompaniment(
        structure=StructureFactory(), template=template, professional_lead=staff_user
    )
    Phase.objects.filter(accompaniment=accompaniment, position__lt=4).update(status=PhaseStatus.CLOSED)
    Phase.objects.filter(accompaniment=accompaniment, position=4).update(
        status=PhaseStatus.CURRENT, started_on=timezone.localdate()
    )
    accompaniment.current_phase = Phase.objects.get(accompaniment=accompaniment, position=4)
    services.participant_add(
        accompaniment=accompaniment, first_name="Paul", last_name="Martin", side=Side.PROFESSIONAL
    )

    with pytest.raises(ValidationError) as error:
        services.phase_close(accompaniment=accompaniment, by=staff_user)
    services.participant_add(accompaniment=accompaniment, first_name="Léa", last_name="Gros", side=Side.USER)
    services.phase_close(accompaniment=accompaniment, by=staff_user)

    assert error.value.messages == [
        "Pour clôturer la phase « Identification », il manque : au moins un participant côté usagers (patient, "
        "proche-aidant, représentant des usagers)."
    ]
    assert accompaniment.current_phase.short_name == "Intégration"


def test_add_months_keeps_the_day_or_the_end_of_a_shorter_month():
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 3, 12), 6) == date(2026, 9, 12)
    assert add_months(date(2026, 11, 5), 2) == date(2027, 1, 5)


def test_measurement_counts_for_the_phase_only_from_its_start(accompaniment, staff_user, participants):
    advance(accompaniment, staff_user, participants, phases=2)
    indicator = accompaniment.indicators.get()
    phase_start = accompaniment.current_phase.started_on
    content_services.measurement_add(
        accompaniment=accompaniment,
        indicator=indicator,
        measured_on=phase_start - timedelta(days=10),
        value=Decimal("2"),
        by=staff_user,
    )
    content_services.meeting_add(
        accompaniment=accompaniment,
        held_on=phase_start,
        title="Point",
        notes="",
        participants=[],
        by=staff_user,
    )
    content_services.action_set_status(action=accompaniment.actions.get(), status="en_cours", by=staff_user)

    with pytest.raises(ValidationError) as error:
        services.phase_close(accompaniment=accompaniment, by=staff_user)

    assert error.value.messages == [
        "Pour clôturer la phase « Dynamique partenariale », il manque : au moins une mesure d'indicateur depuis "
        "le début de la phase."
    ]


def test_admins_edit_templates_in_the_admin_with_the_requirement_codes_explained(admin_client):
    template = PhaseTemplate.objects.get(code="cinq-phases")

    response = admin_client.get(f"/admin/accompaniment/phasetemplate/{template.pk}/change/")

    content = response.content.decode()
    assert response.status_code == 200
    assert (
        "<code>hot_evaluation_answered</code> : au moins une réponse à l&#x27;évaluation à chaud" in content
    )
    assert "Co-construction du plan d&#x27;actions et co-élaboration des indicateurs" in content
