"""Accompaniments: opening one, its convention, its participants, and moving through its phases."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accompaniment import dates
from accompaniment.enums import (
    AccompanimentStatus,
    EvaluationKind,
    PhaseKind,
    PhaseStatus,
    RequestStatus,
    TransitionKind,
)
from accompaniment.models import (
    Accompaniment,
    Participant,
    Phase,
    PhaseDefinition,
    PhaseTemplate,
    PhaseTransition,
    SupportRequest,
)
from accompaniment.requirements import requirement_states
from accompaniment.services.notifications import notify_structure
from accompaniment.validators import validate_convention_pdf
from actors.models import Person, Structure, User
from actors.permissions import is_cops_staff
from selfassess.models import AssessmentSession


def _day(value: date) -> str:
    return dates.day(value)


def _validate_binome(professional_lead: User | None, patient_partner_lead: User | None, errors: dict) -> None:
    for field, user in (
        ("professional_lead", professional_lead),
        ("patient_partner_lead", patient_partner_lead),
    ):
        if user is None:
            errors[field] = _("Choisissez un membre de l'équipe du COPS.")
        elif not is_cops_staff(user):
            errors[field] = _("%(name)s ne fait pas partie de l'équipe du COPS.") % {"name": user}
    if professional_lead is not None and professional_lead == patient_partner_lead:
        errors["patient_partner_lead"] = _(
            "Le binôme réunit deux personnes : un professionnel de santé et un patient partenaire."
        )


def accompaniment_open(
    *,
    structure: Structure,
    title: str,
    support_type: str,
    template: PhaseTemplate,
    professional_lead: User,
    patient_partner_lead: User,
    by: User,
    context: str = "",
    expected_outcome: str = "",
    request: SupportRequest | None = None,
    started_on: date | None = None,
) -> Accompaniment:
    """Create the accompaniment with one phase per phase of its template; the first one starts."""
    started_on = started_on or timezone.localdate()
    errors: dict = {}
    _validate_binome(professional_lead, patient_partner_lead, errors)
    if not template.is_active:
        errors["template"] = _("Ce modèle n'est plus proposé.")
    if started_on > timezone.localdate():
        errors["started_on"] = _("L'accompagnement ne peut pas commencer dans le futur.")
    elif request is not None and started_on < timezone.localtime(request.submitted_at).date():
        errors["started_on"] = _("L'accompagnement ne peut pas commencer avant la demande (%(date)s).") % {
            "date": _day(timezone.localtime(request.submitted_at).date())
        }
    elif started_on < timezone.localdate() - timedelta(days=dates.OPENING_MAX_PAST_DAYS):
        errors["started_on"] = _(
            "Un accompagnement s'enregistre au plus un an après son début : vérifiez l'année (%(date)s)."
        ) % {"date": _day(started_on)}
    if request is not None:
        if request.status != RequestStatus.ACCEPTED:
            errors["__all__"] = _("Seule une demande acceptée par le CoPil peut ouvrir un accompagnement.")
        elif request.structure_id != structure.pk:
            errors["__all__"] = _("La demande vient d'une autre structure.")
        elif Accompaniment.objects.filter(request=request).exists():
            errors["__all__"] = _("Un accompagnement est déjà ouvert pour cette demande.")
    definitions = list(PhaseDefinition.objects.filter(template=template).order_by("position"))
    if not definitions:
        errors["template"] = _("Ce modèle ne comporte aucune phase.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        accompaniment = Accompaniment.objects.create(
            request=request,
            structure=structure,
            title=title.strip(),
            support_type=support_type,
            template=template,
            context=context.strip(),
            expected_outcome=expected_outcome.strip(),
            professional_lead=professional_lead,
            patient_partner_lead=patient_partner_lead,
            created_by=by,
        )
        phases = Phase.objects.bulk_create(
            Phase(
                accompaniment=accompaniment,
                definition=definition,
                position=index,
                name=definition.name,
                short_name=definition.short_name,
                kind=definition.kind,
            )
            for index, definition in enumerate(definitions, start=1)
        )
        _start_phase(accompaniment, phases[0], started_on, by)
        accompaniment.save(update_fields=["current_phase"])
        notify_structure(
            accompaniment=accompaniment,
            template="accompaniment/emails/accompaniment_opened",
            context={"phases": phases},
        )
    return accompaniment


def accompaniment_update(
    *,
    accompaniment: Accompaniment,
    title: str,
    support_type: str,
    context: str,
    expected_outcome: str,
    professional_lead: User,
    patient_partner_lead: User,
    by: User,
) -> Accompaniment:
    errors: dict = {}
    _validate_binome(professional_lead, patient_partner_lead, errors)
    if errors:
        raise ValidationError(errors)
    accompaniment.title = title.strip()
    accompaniment.support_type = support_type
    accompaniment.context = context.strip()
    accompaniment.expected_outcome = expected_outcome.strip()
    accompaniment.professional_lead = professional_lead
    accompaniment.patient_partner_lead = patient_partner_lead
    with transaction.atomic():
        accompaniment.save()
    return accompaniment


def convention_update(
    *,
    accompaniment: Accompaniment,
    start: date | None,
    end: date | None,
    planned_interventions: int | None,
    signed_on: date | None,
    by: User,
    signed_file: UploadedFile | None = None,
) -> Accompaniment:
    """Record the convention's terms and, optionally, its signed copy (a PDF kept in private storage)."""
    errors: dict = {}
    floor = dates.convention_floor(accompaniment)
    floor_reason = (
        _("la demande d'appui") if accompaniment.request_id else _("l'année qui précède l'accompagnement")
    )
    start_ceiling = dates.opened_on(accompaniment) + timedelta(days=dates.CONVENTION_START_MAX_AHEAD_DAYS)
    if start and start < floor:
        errors["start"] = _("La convention ne peut pas commencer avant %(reason)s (%(date)s).") % {
            "reason": floor_reason,
            "date": _day(floor),
        }
    elif start and start > start_ceiling:
        errors["start"] = _(
            "La convention commence au plus tard un an après le début de l'accompagnement (%(date)s)."
        ) % {"date": _day(start_ceiling)}
    if start and end and end < start:
        errors["end"] = _("La fin de la convention (%(end)s) précède son début (%(start)s).") % {
            "end": _day(end),
            "start": _day(start),
        }
    elif start and end and end > dates.add_years(start, dates.CONVENTION_MAX_YEARS):
        errors["end"] = _("Une convention dure au plus trois ans : elle finit au plus tard le %(date)s.") % {
            "date": _day(dates.add_years(start, dates.CONVENTION_MAX_YEARS))
        }
    if planned_interventions is not None and planned_interventions < 1:
        errors["planned_interventions"] = _("Prévoyez au moins une intervention.")
    elif planned_interventions is not None and planned_interventions > dates.CONVENTION_MAX_INTERVENTIONS:
        errors["planned_interventions"] = _(
            "%(count)s interventions : c'est plus que ce qu'une convention prévoit (%(max)s au plus). Vérifiez le nombre."
        ) % {"count": planned_interventions, "max": dates.CONVENTION_MAX_INTERVENTIONS}
    if signed_on and signed_on > timezone.localdate():
        errors["signed_on"] = _("La date de signature ne peut pas être dans le futur.")
    elif signed_on and signed_on < floor:
        errors["signed_on"] = _("La convention ne peut pas être signée avant %(reason)s (%(date)s).") % {
            "reason": floor_reason,
            "date": _day(floor),
        }
    if signed_file is not None:
        try:
            validate_convention_pdf(signed_file)
        except ValidationError as exc:
            errors["signed_file"] = exc.messages
        if not signed_on:
            errors["signed_on"] = _("Indiquez la date de signature de la convention déposée.")
    if errors:
        raise ValidationError(errors)
    previous_file = accompaniment.convention_file.name if signed_file is not None else ""
    with transaction.atomic():
        accompaniment.convention_start = start
        accompaniment.convention_end = end
        accompaniment.planned_interventions = planned_interventions
        accompaniment.convention_signed_on = signed_on
        if signed_file is not None:
            signed_file.seek(0)
            accompaniment.convention_file.save("convention.pdf", signed_file, save=False)
            accompaniment.convention_uploaded_at = timezone.now()
        accompaniment.save()
        if previous_file:
            storage = accompaniment.convention_file.storage
            # The replaced copy goes only once the new one is safely recorded.
            transaction.on_commit(lambda: storage.delete(previous_file))
    return accompaniment


def participant_add(
    *,
    accompaniment: Accompaniment,
    first_name: str,
    last_name: str,
    side: str,
    email: str = "",
    function: str = "",
    person: Person | None = None,
) -> Participant:
    email = email.strip().lower()
    if email and accompaniment.participants.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("Un participant de cet accompagnement a déjà cette adresse.")})
    if not first_name.strip() or not last_name.strip():
        raise ValidationError(_("Indiquez le prénom et le nom du participant."))
    try:
        with transaction.atomic():
            return Participant.objects.create(
                accompaniment=accompaniment,
                person=person,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                email=email,
                side=side,
                function=function.strip(),
            )
    except IntegrityError:
        raise ValidationError(
            {"email": _("Un participant de cet accompagnement a déjà cette adresse.")}
        ) from None


def participant_remove(*, participant: Participant) -> None:
    if participant.actions.exists():
        raise ValidationError(
            _(
                "%(name)s est responsable d'actions du plan : confiez-les à quelqu'un d'autre avant de le retirer."
            )
            % {"name": participant}
        )
    with transaction.atomic():
        participant.delete()


# --- Phases ---------------------------------------------------------------------------------------


def _start_phase(accompaniment: Accompaniment, phase: Phase, started_on: date, by: User) -> None:
    phase.status = PhaseStatus.CURRENT
    phase.started_on = started_on
    phase.ended_on = None
    phase.save(update_fields=["status", "started_on", "ended_on"])
    PhaseTransition.objects.create(
        accompaniment=accompaniment, phase=phase, kind=TransitionKind.STARTED, by=by, on=started_on
    )
    accompaniment.current_phase = phase


def phase_close(
    *, accompaniment: Accompaniment, by: User, ended_on: date | None = None, reason: str = ""
) -> Phase:
    """Close the current phase if its required content exists, and start the next one.

    Closing the à chaud evaluation schedules the à distance one, N months later (N from the template).
    """
    from accompaniment.services.evaluations import schedule_impact_evaluation

    today = timezone.localdate()
    ended_on = ended_on or today
    with transaction.atomic():
        locked = Accompaniment.objects.select_for_update().select_related("template").get(pk=accompaniment.pk)
        phase = (
            Phase.objects.select_related("definition", "accompaniment")
            .filter(accompaniment=locked, status=PhaseStatus.CURRENT)
            .first()
        )
        if phase is None:
            raise ValidationError(_("Cet accompagnement est terminé : aucune phase n'est en cours."))
        if ended_on > today:
            raise ValidationError({"ended_on": _("La date de clôture ne peut pas être dans le futur.")})
        if phase.started_on and ended_on < phase.started_on:
            raise ValidationError(
                {
                    "ended_on": _("La date de clôture (%(end)s) précède le début de la phase (%(start)s).")
                    % {"end": _day(ended_on), "start": _day(phase.started_on)}
                }
            )
        missing = [state.label for state in requirement_states(phase) if not state.met]
        if missing:
            raise ValidationError(
                _("Pour clôturer la phase « %(phase)s », il manque : %(missing)s.")
                % {"phase": phase.short_name, "missing": " ; ".join(missing)}
            )
        phase.status = PhaseStatus.CLOSED
        phase.ended_on = ended_on
        phase.save(update_fields=["status", "ended_on"])
        PhaseTransition.objects.create(
            accompaniment=locked,
            phase=phase,
            kind=TransitionKind.CLOSED,
            by=by,
            reason=reason.strip(),
            on=ended_on,
        )
        following = (
            Phase.objects.filter(accompaniment=locked, position__gt=phase.position)
            .order_by("position")
            .first()
        )
        if following is not None:
            _start_phase(locked, following, ended_on, by)
        else:
            locked.current_phase = None
            locked.status = AccompanimentStatus.COMPLETED
            locked.completed_at = timezone.now()
        locked.save(update_fields=["current_phase", "status", "completed_at"])
        if phase.kind == PhaseKind.HOT_EVALUATION:
            schedule_impact_evaluation(accompaniment=locked, after=ended_on, by=by)
        notify_structure(
            accompaniment=locked,
            template="accompaniment/emails/phase_closed",
            context={"phase": phase, "following": following},
        )
    _refresh(accompaniment, locked)
    return phase


def phase_reopen(*, phase: Phase, by: User, reason: str) -> Phase:
    """Reopen the last closed phase (staff, with a reason); the phase that followed waits again."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Indiquez pourquoi la phase est rouverte : le motif est conservé.")}
        )
    with transaction.atomic():
        locked = Accompaniment.objects.select_for_update().get(pk=phase.accompaniment_id)
        phase = Phase.objects.get(pk=phase.pk)
        if phase.status != PhaseStatus.CLOSED:
            raise ValidationError(_("Seule une phase clôturée peut être rouverte."))
        last_closed = Phase.objects.filter(accompaniment=locked, status=PhaseStatus.CLOSED).aggregate(
            last=Max("position")
        )["last"]
        if phase.position != last_closed:
            raise ValidationError(
                _(
                    "Seule la dernière phase clôturée peut être rouverte : rouvrez les phases une à une, en partant de la plus récente."
                )
            )
        current = Phase.objects.filter(accompaniment=locked, status=PhaseStatus.CURRENT).first()
        if current is not None:
            current.status = PhaseStatus.UPCOMING
            current.started_on = None
            current.save(update_fields=["status", "started_on"])
        phase.status = PhaseStatus.CURRENT
        phase.ended_on = None
        phase.save(update_fields=["status", "ended_on"])
        PhaseTransition.objects.create(
            accompaniment=locked, phase=phase, kind=TransitionKind.REOPENED, by=by, reason=reason
        )
        locked.current_phase = phase
        locked.status = AccompanimentStatus.ACTIVE
        locked.completed_at = None
        locked.save(update_fields=["current_phase", "status", "completed_at"])
        if phase.kind == PhaseKind.HOT_EVALUATION:
            # The à distance evaluation was scheduled from this phase's end: it waits for the new end.
            locked.evaluations.filter(kind=EvaluationKind.IMPACT, launched_at__isnull=True).delete()
    return phase


def phase_set_dates(*, phase: Phase, started_on: date | None, ended_on: date | None, by: User) -> Phase:
    """Correct a phase's dates, keeping them in order with its neighbours."""
    today = timezone.localdate()
    errors: dict = {}
    if phase.status == PhaseStatus.UPCOMING:
        raise ValidationError(_("Une phase à venir n'a pas encore de dates."))
    if started_on is None:
        errors["started_on"] = _("Indiquez la date de début de la phase.")
    if phase.status == PhaseStatus.CURRENT and ended_on is not None:
        errors["ended_on"] = _("Une phase en cours n'a pas de date de fin : clôturez-la pour en fixer une.")
    if phase.status == PhaseStatus.CLOSED and ended_on is None:
        errors["ended_on"] = _("Indiquez la date de fin de la phase.")
    for field, value in (("started_on", started_on), ("ended_on", ended_on)):
        if value and value > today and field not in errors:
            errors[field] = _("La date ne peut pas être dans le futur.")
    if started_on and ended_on and ended_on < started_on and "ended_on" not in errors:
        errors["ended_on"] = _("La fin de la phase (%(end)s) précède son début (%(start)s).") % {
            "end": _day(ended_on),
            "start": _day(started_on),
        }
    neighbours = Phase.objects.filter(accompaniment_id=phase.accompaniment_id)
    previous = neighbours.filter(position__lt=phase.position).order_by("-position").first()
    following = neighbours.filter(position__gt=phase.position).order_by("position").first()
    if (
        started_on
        and previous
        and previous.ended_on
        and started_on < previous.ended_on
        and "started_on" not in errors
    ):
        errors["started_on"] = _(
            "La phase ne peut pas commencer avant la fin de la phase précédente (%(date)s)."
        ) % {"date": _day(previous.ended_on)}
    if (
        ended_on
        and following
        and following.started_on
        and ended_on > following.started_on
        and "ended_on" not in errors
    ):
        errors["ended_on"] = _(
            "La phase ne peut pas finir après le début de la phase suivante (%(date)s)."
        ) % {"date": _day(following.started_on)}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        phase.started_on = started_on
        phase.ended_on = ended_on
        phase.save(update_fields=["started_on", "ended_on"])
    return phase


def _refresh(target: Accompaniment, source: Accompaniment) -> None:
    """Keep the caller's instance in step with what was written under the lock."""
    target.current_phase = source.current_phase
    target.current_phase_id = source.current_phase_id
    target.status = source.status
    target.completed_at = source.completed_at


def accompaniment_attach_assessments(
    *, accompaniment: Accompaniment, start: AssessmentSession | None, end: AssessmentSession | None, by: User
) -> Accompaniment:
    """Attach the self-assessment sessions held at the start and at the end, to show the change."""
    errors: dict = {}
    for field, session in (("start_assessment", start), ("end_assessment", end)):
        if session is not None and session.structure_id != accompaniment.structure_id:
            errors[field] = _("Cette séance n'est pas celle de la structure accompagnée.")
    if start is not None and end is not None and not errors:
        if start.pk == end.pk:
            errors["end_assessment"] = _("Choisissez deux séances différentes : une au départ, une à la fin.")
        elif end.held_on < start.held_on:
            errors["end_assessment"] = _(
                "La séance de fin (%(end)s) précède la séance de départ (%(start)s)."
            ) % {
                "end": _day(end.held_on),
                "start": _day(start.held_on),
            }
        elif end.framework_id != start.framework_id:
            errors["end_assessment"] = _(
                "Les deux séances doivent utiliser le même référentiel pour être comparées."
            )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        accompaniment.start_assessment = start
        accompaniment.end_assessment = end
        accompaniment.save(update_fields=["start_assessment", "end_assessment"])
    return accompaniment
