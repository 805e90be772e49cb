"""From an accompaniment to a project sheet: what a closed accompaniment may publish, and the draft.

When an accompaniment ends, its structure's référents (or the COPS team) may start a project sheet
from it. Only what the structure itself reads on the accompaniment page is copied, and only
what describes the project rather than the people: the structure, the title, the phases and their
dates, the titles and statuses of the SHARED actions of the plan, and the indicators with their
last measurement. Meetings, findings, internal notes, staff-only items, action owners, measurement
comments and participants never leave the accompaniment. The before/after self-assessment (the
means per criterion and side, computed by selfassess) is copied only when the person says the
participants agreed.

The result is a DRAFT project: nothing is public before its author submits it and the COPS team
approves it (the project's own moderation, directory.services.projects).

The radar JSON, read by directory.selectors.projects.radar_rows:
`{"before": {criterion: {"professionnel": mean|None, "usager": mean|None}}, "after": {…},
"criteria": [criterion…], "held_on": {"before": "YYYY-MM-DD", "after": "YYYY-MM-DD"}}` — the
criteria are the framework's short labels; "criteria" keeps their order, which PostgreSQL's
jsonb does not keep for an object's keys.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from accompaniment import selectors as accompaniment_selectors
from accompaniment.enums import AccompanimentStatus, PhaseStatus
from accompaniment.wording import with_preposition
from directory.models import Project, ProjectState
from directory.services.projects import project_save
from selfassess.enums import Side
from selfassess.results import session_results


@dataclass(frozen=True)
class PhaseLine:
    name: str
    started_on: date | None
    ended_on: date | None


@dataclass(frozen=True)
class ActionLine:
    title: str
    status: str  # the status's label


@dataclass(frozen=True)
class ProjectPrefill:
    """What a project sheet started from `accompaniment` would contain (shown before it is created)."""

    title: str
    structure_name: str
    started_on: date | None
    ended_on: date | None
    phases: list[PhaseLine]
    actions: list[ActionLine]
    indicators: list[dict]
    radar: dict | None  # None unless the participants agreed and both sessions have results
    summary: str
    description: str


def _date(value: date | None) -> str:
    return formats.date_format(value, "j F Y") if value else "…"


def _radar(accompaniment) -> dict | None:
    """The before/after means per criterion and side, as selfassess computes them."""
    start, end = accompaniment.start_assessment, accompaniment.end_assessment
    if start is None or end is None or not (start.has_results and end.has_results):
        return None
    before, after = session_results(start), session_results(end)

    def mean(result, side: str) -> float | None:
        value = result.side(side).mean
        return None if value is None else round(float(value), 2)

    def moment(results) -> dict:
        return {
            result.criterion.short_label: {
                Side.PROFESSIONAL.value: mean(result, Side.PROFESSIONAL),
                Side.USER.value: mean(result, Side.USER),
            }
            for result in results.criteria
        }

    return {
        "criteria": [result.criterion.short_label for result in before.criteria],
        "held_on": {"before": start.held_on.isoformat(), "after": end.held_on.isoformat()},
        "before": moment(before),
        "after": moment(after),
    }


def _indicators(accompaniment) -> list[dict]:
    """Each indicator with its last measurement; one never measured has no result to publish."""
    rows = []
    for indicator in accompaniment_selectors.accompaniment_indicators(accompaniment):
        last = indicator.last_measurement
        if last is None:
            continue
        rows.append(
            {
                "label": indicator.name,
                "value": float(last.value),
                "unit": indicator.unit,
                "measured_on": last.measured_on.isoformat(),
            }
        )
    return rows


def _description(prefill_phases, actions, started_on, ended_on) -> str:
    lines = [
        _("Projet accompagné par le COPS Occitanie du %(start)s au %(end)s.")
        % {"start": _date(started_on), "end": _date(ended_on)},
        "",
        _("Les étapes de l'accompagnement :"),
    ]
    lines += [
        _("- %(phase)s : du %(start)s au %(end)s")
        % {"phase": phase.name, "start": _date(phase.started_on), "end": _date(phase.ended_on)}
        for phase in prefill_phases
    ]
    if actions:
        lines += ["", _("Le plan d'actions :")]
        lines += [
            _("- %(action)s (%(status)s)") % {"action": action.title, "status": action.status.lower()}
            for action in actions
        ]
    return "\n".join(lines)


def project_prefill(*, accompaniment, include_radar: bool) -> ProjectPrefill:
    """What would be copied from `accompaniment`; the radar only if `include_radar` (consent)."""
    phases = [
        PhaseLine(name=phase.name, started_on=phase.started_on, ended_on=phase.ended_on)
        for phase in accompaniment_selectors.accompaniment_phases(accompaniment)
    ]
    # staff=False: what the structure reads, never the items kept for the COPS team.
    actions = [
        ActionLine(title=action.title, status=str(action.get_status_display()))
        for action in accompaniment_selectors.accompaniment_actions(accompaniment, staff=False)
    ]
    started = [phase.started_on for phase in phases if phase.started_on]
    ended = [phase.ended_on for phase in phases if phase.ended_on]
    started_on = min(started) if started else None
    ended_on = max(ended) if ended else None
    if ended_on and started_on and ended_on < started_on:
        ended_on = started_on
    radar = _radar(accompaniment)
    return ProjectPrefill(
        title=accompaniment.title,
        structure_name=accompaniment.structure.name,
        started_on=started_on,
        ended_on=ended_on,
        phases=phases,
        actions=actions,
        indicators=_indicators(accompaniment),
        radar=radar if include_radar else None,
        # « Un projet du Centre… », « de l'Association… »: the accompaniment's own wording helper.
        summary=_("Un projet %(of_structure)s mené en partenariat, accompagné par le COPS Occitanie.")
        % {"of_structure": with_preposition(accompaniment.structure.name, "de")},
        description=_description(phases, actions, started_on, ended_on),
    )


def accompaniment_project(accompaniment) -> Project | None:
    """The project sheet already started from this accompaniment, if any."""
    return Project.objects.filter(accompaniment=accompaniment).order_by("pk").first()


def project_from_accompaniment(*, accompaniment, by, include_radar: bool) -> tuple[Project, bool]:
    """Create the draft project sheet of a closed accompaniment, or return the one already started.

    Returns (project, created). Refuses an accompaniment that is not closed.
    """
    from accompaniment.models import Accompaniment

    with transaction.atomic():
        # Two clicks at once: the second waits here and then finds the first one's project.
        locked = Accompaniment.objects.select_for_update().get(pk=accompaniment.pk)
        existing = accompaniment_project(locked)
        if existing is not None:
            return existing, False
        if (
            locked.status != AccompanimentStatus.COMPLETED
            or accompaniment.phases.exclude(status=PhaseStatus.CLOSED).exists()
        ):
            raise ValidationError(
                _(
                    "Cet accompagnement n'est pas terminé : la fiche projet pourra être préparée "
                    "quand toutes ses phases seront clôturées."
                )
            )
        prefill = project_prefill(accompaniment=accompaniment, include_radar=include_radar)
        # Through the projects' own service: the same draft row, slug and structure check as a
        # project proposed from the directory.
        project = project_save(
            project=None,
            by=by,
            changes={
                "title": prefill.title[:200],
                "summary": prefill.summary,
                "description": prefill.description,
                "state": ProjectState.DONE,
                "started_on": prefill.started_on,
                "ended_on": prefill.ended_on,
                "main_structure": accompaniment.structure,
                "indicators": prefill.indicators,
                "radar": prefill.radar,
            },
        )
        Project.objects.filter(pk=project.pk).update(accompaniment=accompaniment)
        project.accompaniment = accompaniment
        return project, True
