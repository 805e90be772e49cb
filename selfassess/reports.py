"""The PDF record of a session: the target, the numbers, the joint ratings and notes.

Built by the shared report job (cops.reports) from the same aggregates and the same SVG as the
page; no participant name and no individual comment can reach it.
"""

from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cops.pdf import render_pdf
from cops.reports import ReportError, ReportFile, current_report_context, register_report
from selfassess.charts import target_context
from selfassess.models import AssessmentSession
from selfassess.permissions import can_manage_session
from selfassess.results import session_results


def _session_from(params: dict) -> AssessmentSession | None:
    try:
        pk = int(params.get("session_id"))
    except (TypeError, ValueError):
        return None
    return (
        AssessmentSession.objects.select_related("framework", "facilitator", "structure")
        .filter(pk=pk)
        .first()
    )


def _can_request(user, params: dict) -> bool:
    session = _session_from(params)
    return bool(session is not None and session.has_results and can_manage_session(user, session))


def _title(params: dict) -> str:
    session = _session_from(params)
    if session is None:
        return str(gettext_lazy("Compte rendu d'auto-évaluation"))
    return _("Auto-évaluation : %(title)s") % {"title": session.title}


@register_report("selfassess.session", title=_title, can_request=_can_request)
def build_session_report(params: dict) -> ReportFile:
    session = _session_from(params)
    if session is None:
        raise ReportError(_("Cette séance d'auto-évaluation n'existe plus."))
    if not session.has_results:
        raise ReportError(_("Le compte rendu est disponible une fois l'étape individuelle close."))
    context = {**current_report_context(), **target_context(session, session_results(session))}
    content = render_pdf("selfassess/pdf/session.html", context)
    return ReportFile(
        filename=f"auto-evaluation-{slugify(session.title)[:60]}-{session.held_on:%Y-%m-%d}.pdf",
        content=content,
    )
