"""What the accompaniment's PDF dossier shows, gathered with the same selectors as its page."""

from accompaniment import selectors
from accompaniment.assessments import assessment_comparison
from accompaniment.charts import indicator_chart
from accompaniment.enums import FindingKind
from accompaniment.models import Accompaniment
from actors.enums import Visibility


def dossier_context(accompaniment: Accompaniment, *, level: int = Visibility.PUBLIC) -> dict:
    """`level`: how much of the directory's persons the reader may see (actors.enums.Visibility)."""
    findings = selectors.accompaniment_findings(accompaniment)
    evaluations = selectors.accompaniment_evaluations(accompaniment)
    meetings = selectors.accompaniment_meetings(accompaniment)
    return {
        "accompaniment": accompaniment,
        "phases": selectors.accompaniment_phases(accompaniment),
        "transitions": selectors.accompaniment_transitions(accompaniment),
        "participants": selectors.accompaniment_participants(accompaniment),
        "viewer_level": level,
        "meetings": sorted(meetings, key=lambda m: (m.held_on, m.pk)),
        "findings_by_kind": [
            (kind, label, [f for f in findings if f.kind == kind]) for kind, label in FindingKind.choices
        ],
        "actions": selectors.accompaniment_actions(accompaniment),
        "indicators": [
            (indicator, indicator_chart(indicator))
            for indicator in selectors.accompaniment_indicators(accompaniment)
        ],
        "evaluations": [(e, selectors.evaluation_summary(e)) for e in evaluations],
        "assessment_chart": assessment_comparison(accompaniment),
    }
