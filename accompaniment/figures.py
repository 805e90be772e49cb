from django.urls import reverse
from django.utils.translation import gettext as _

from accompaniment import selectors
from accompaniment.enums import AccompanimentStatus
from accompaniment.models import Accompaniment
from accompaniment.permissions import can_view_board
from cops.figures import Figure, StaffLink, StaffSection


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
