"""The COPS's annual activity report (PDF), built by the shared report job.

It only uses what the public may see of persons (names, sides, localisation…), so the
document can be handed to the partners and the ARS as it is.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.charter_enums import MeetingStatus
from actors.charter_permissions import can_manage_committees
from actors.enums import Visibility
from actors.models import Decision
from actors.selectors import charter as charter_selectors
from actors.selectors import committees as committee_selectors
from actors.views.charter import evolution_chart, statistics_charts
from cops.pdf import render_pdf
from cops.reports import ReportError, ReportFile, current_report_context, register_report


def _can_request(user, params: dict) -> bool:
    return can_manage_committees(user)


def _title(params: dict) -> str:
    return _("Rapport d'activité %(year)s du COPS") % {"year": params.get("year", "")}


def report_year(params: dict) -> int:
    try:
        year = int(params.get("year"))
    except (TypeError, ValueError):
        raise ReportError(_("L'année du rapport est manquante ou invalide.")) from None
    if not 2000 <= year <= timezone.localdate().year:
        raise ReportError(_("L'année %(year)s n'est pas une année écoulée ou en cours.") % {"year": year})
    return year


def annual_report_context(year: int) -> dict:
    """Everything the annual report shows for `year`: signatories, committees, meetings, decisions."""
    version = charter_selectors.charter_version_for_year(year) or charter_selectors.charter_current_version()
    stats = charter_selectors.signatory_statistics(version, Visibility.PUBLIC) if version else None
    listing = charter_selectors.signatory_list(version, Visibility.PUBLIC) if version else None
    evolution = charter_selectors.signature_evolution()
    day = min(date(year, 12, 31), timezone.localdate())
    meetings = list(
        committee_selectors.committee_meetings()
        .filter(starts_at__year=year)
        .exclude(status=MeetingStatus.CANCELLED)
        .select_related("committee")
        .annotate(
            participants_count=Count("participants", distinct=True),
            present_count=Count("participants", filter=Q(participants__attendance="present"), distinct=True),
        )
        .prefetch_related(Prefetch("decisions", queryset=Decision.objects.order_by("position", "pk")))
        .order_by("starts_at")
    )
    binomes, invited_structures = committee_selectors.copil_public_composition(day)
    return {
        "year": year,
        "version": version,
        "stats": stats,
        "charts": statistics_charts(stats) if stats else [],
        "evolution": evolution,
        "evolution_chart": evolution_chart(evolution),
        "structures": [row for row in listing.rows if row.kind == "structure"] if listing else [],
        "listing": listing,
        "committees": committee_selectors.committees_with_counts(day),
        "binomes": binomes,
        "invited_structures": invited_structures,
        "meetings": meetings,
        "counts": committee_selectors.meeting_year_counts(year),
        "decisions_count": sum(len(meeting.decisions.all()) for meeting in meetings),
    }


@register_report("actors.annual_report", title=_title, can_request=_can_request)
def build_annual_report(params: dict) -> ReportFile:
    year = report_year(params)
    context = {**current_report_context(), **annual_report_context(year)}
    content = render_pdf("charter/pdf/annual_report.html", context)
    return ReportFile(filename=f"rapport-activite-cops-{year}.pdf", content=content)
