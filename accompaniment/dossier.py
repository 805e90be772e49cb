"""What the accompaniment's PDF dossier shows, gathered with the same selectors as its page."""

from accompaniment import selectors
from accompaniment.assessments import assessment_comparison
from accompaniment.charts import indicator_chart
from accompaniment.enums import FindingKind
from accompaniment.models import Accompaniment
from actors.enums import Visibility


def dossier_context(
    accompaniment: Accompaniment, *, level: int = Visibility.PUBLIC, staff: bool = False
) -> dict:
    """`level`: how much of the directory's persons the reader may see (actors.enums.Visibility);
    `staff`: the reader is of the COPS team, so the items and notes kept for the team are included
    (and marked). The structure's référents get the shared items and the shared meeting reports."""
    findings = selectors.accompaniment_findings(accompaniment, staff=staff)
    evaluations = selectors.accompaniment_evaluations(accompaniment)
    meetings = selectors.accompaniment_meetings(accompaniment, staff=staff)
    return {
        "accompaniment": accompaniment,
        "phases": selectors.accompaniment_phases(accompaniment),
        "transitions": selectors.accompaniment_transitions(accompaniment),
        "journal": selectors.accompaniment_events(accompaniment, staff=staff),
        "participants": selectors.accompaniment_participants(accompaniment),
        "viewer_level": level,
        "for_staff": staff,
        "meetings": sorted(meetings, key=lambda m: (m.held_on, m.pk)),
        "findings_by_kind": [
            (kind, label, [f for f in findings if f.kind == kind]) for kind, label in FindingKind.choices
        ],
        "actions": selectors.accompaniment_actions(accompaniment, staff=staff),
        "indicators": [
            (indicator, indicator_chart(indicator))
            for indicator in selectors.accompaniment_indicators(accompaniment)
        ],
        "evaluations": [(e, selectors.evaluation_summary(e, staff=staff)) for e in evaluations],
        "assessment_charts": assessment_comparison(accompaniment),
    }
