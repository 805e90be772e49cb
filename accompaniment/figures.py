from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accompaniment import selectors
from accompaniment.enums import AccompanimentStatus, RequestStatus
from accompaniment.models import Accompaniment, SupportRequest
from accompaniment.permissions import can_view_board
from cops.figures import Figure, StaffLink, StaffSection, WorkItem


def home_figures() -> list[Figure]:
    count = Accompaniment.objects.count()
    return [
        Figure(
            value=count, label=_("accompagnements menés par le COPS"), url=reverse("accompaniment:landing")
        )
    ]


def staff_sections(user) -> list[StaffSection]:
    if not can_view_board(user):
        return []
    active = Accompaniment.objects.filter(status=AccompanimentStatus.ACTIVE).count()
    return [
        StaffSection(
            title=_("Accompagnements"),
            description=_("Les demandes d'appui, le tableau des accompagnements par phase et leur export."),
            links=[
                StaffLink(_("Demandes d'appui à examiner"), reverse("accompaniment:request_list") + "?statut=a_examiner",
                          selectors.waiting_request_count()),
                StaffLink(_("Tableau des accompagnements en cours"), reverse("accompaniment:board"), active),
                StaffLink(_("Ouvrir un accompagnement"), reverse("accompaniment:open")),
                StaffLink(_("Exporter le portefeuille (tableur)"), reverse("accompaniment:export_xlsx")),
            ],
        )
    ]  # fmt: skip


def staff_work(user) -> list[WorkItem]:
    if not can_view_board(user):
        return []
    waiting = SupportRequest.objects.filter(status=RequestStatus.SUBMITTED)
    oldest_request = waiting.select_related("structure").order_by("submitted_at", "pk").first()
    # Phases have no planned end of their own: the convention's end is the accompaniment's
    # planned end, so a running accompaniment past it has its current phase overdue.
    overdue = Accompaniment.objects.filter(
        status=AccompanimentStatus.ACTIVE, convention_end__lt=timezone.localdate()
    )
    oldest_overdue = overdue.select_related("current_phase").order_by("convention_end", "pk").first()
    return [
        WorkItem(
            label=_("Demandes d'appui en attente du CoPil"),
            count=waiting.count(),
            url=reverse("accompaniment:request_list") + "?statut=a_examiner",
            position=30,
            oldest_since=oldest_request.submitted_at if oldest_request else None,
            oldest_name=f"{oldest_request.title} ({oldest_request.structure})" if oldest_request else "",
            oldest_url=oldest_request.get_absolute_url() if oldest_request else "",
        ),
        WorkItem(
            label=_("Accompagnements au-delà de la fin prévue de leur convention"),
            count=overdue.count(),
            url=reverse("accompaniment:board"),
            position=50,
            oldest_since=oldest_overdue.convention_end if oldest_overdue else None,
            oldest_name=(
                f"{oldest_overdue.title} — {oldest_overdue.current_phase.short_name}"
                if oldest_overdue and oldest_overdue.current_phase
                else str(oldest_overdue or "")
            ),
            oldest_url=oldest_overdue.get_absolute_url() if oldest_overdue else "",
        ),
    ]
