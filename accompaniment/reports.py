"""The accompaniment dossier (PDF), built by the shared report job."""

from django.utils.text import slugify
from django.utils.translation import gettext_lazy

from accompaniment.models import Accompaniment
from accompaniment.permissions import can_request_dossier, can_see_staff_only_content
from actors.enums import Visibility
from actors.permissions import directory_viewer_level
from cops.pdf import render_pdf
from cops.reports import (
    ReportError,
    ReportFile,
    current_report_context,
    current_report_requester,
    register_report,
)


def _accompaniment(params: dict) -> Accompaniment | None:
    try:
        pk = int(params.get("accompaniment", ""))
    except (TypeError, ValueError):
        return None
    return (
        Accompaniment.objects.select_related(
            "structure",
            "template",
            "current_phase",
            "professional_lead",
            "patient_partner_lead",
            "request",
            "start_assessment",
            "end_assessment",
        )
        .filter(pk=pk)
        .first()
    )


def _can_request(user, params: dict) -> bool:
    accompaniment = _accompaniment(params)
    return accompaniment is not None and can_request_dossier(user, accompaniment)


def _title(params: dict) -> str:
    accompaniment = _accompaniment(params)
    if accompaniment is None:
        return str(gettext_lazy("Dossier d'accompagnement"))
    return str(gettext_lazy("Dossier d'accompagnement : %(title)s")) % {"title": accompaniment.title}


@register_report("accompaniment.dossier", title=_title, can_request=_can_request)
def build(params: dict) -> ReportFile:
    """Context, phases, findings, action plan, indicators with their charts and evaluations."""
    from accompaniment.dossier import dossier_context

    accompaniment = _accompaniment(params)
    if accompaniment is None:
        raise ReportError(str(gettext_lazy("Cet accompagnement n'existe plus.")))
    requester = current_report_requester()
    level = directory_viewer_level(requester) if requester is not None else Visibility.PUBLIC
    staff = requester is not None and can_see_staff_only_content(requester, accompaniment)
    context = {**current_report_context(), **dossier_context(accompaniment, level=level, staff=staff)}
    content = render_pdf("accompaniment/pdf/dossier.html", context)
    return ReportFile(
        filename=f"dossier-accompagnement-{slugify(accompaniment.title)[:60]}.pdf", content=content
    )


def _convention_title(params: dict) -> str:
    accompaniment = _accompaniment(params)
    if accompaniment is None:
        return str(gettext_lazy("Convention de partenariat à signer"))
    return str(gettext_lazy("Convention de partenariat à signer : %(structure)s")) % {
        "structure": accompaniment.structure.name
    }


@register_report("accompaniment.convention", title=_convention_title, can_request=_can_request)
def build_convention(params: dict) -> ReportFile:
    """The convention de partenariat, pre-filled from the accompaniment, ready to be signed."""
    from accompaniment.selectors import accompaniment_phases

    accompaniment = _accompaniment(params)
    if accompaniment is None:
        raise ReportError(str(gettext_lazy("Cet accompagnement n'existe plus.")))
    context = {
        **current_report_context(),
        "accompaniment": accompaniment,
        "phases": accompaniment_phases(accompaniment),
    }
    content = render_pdf("accompaniment/pdf/convention.html", context)
    return ReportFile(
        filename=f"convention-a-signer-{slugify(accompaniment.structure.name)[:60]}.pdf", content=content
    )
