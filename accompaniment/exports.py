"""The portfolio export (CSV and XLSX), safe against formula injection in spreadsheets."""

import csv
import io

from django.utils import formats
from django.utils.translation import gettext as _
from openpyxl import Workbook

from cops.spreadsheets import neutralise


def _date(value) -> str:
    return formats.date_format(value, "Y-m-d") if value else ""


def portfolio_rows(accompaniments) -> list[list]:
    header = [
        _("Intitulé"),
        _("Structure"),
        _("Territoire"),
        _("Département"),
        _("Type d'appui"),
        _("Modèle"),
        _("Statut"),
        _("Phase en cours"),
        _("Professionnel de santé du binôme"),
        _("Patient partenaire du binôme"),
        _("Début de la convention"),
        _("Fin de la convention"),
        _("Interventions prévues"),
        _("Convention signée"),
        _("Participants"),
        _("Rencontres"),
        _("Actions"),
        _("Actions en retard"),
        _("Indicateurs"),
        _("Évaluations en retard"),
        _("Ouvert le"),
    ]
    rows = [header]
    for a in accompaniments:
        commune = a.structure.commune
        rows.append(
            [
                a.title,
                a.structure.name,
                a.structure.get_zone_display()
                if a.structure.zone
                else (commune.departement.get_zone_display() if commune else ""),
                commune.departement.name if commune else "",
                a.get_support_type_display(),
                a.template.name,
                a.get_status_display(),
                a.current_phase.short_name if a.current_phase else "",
                a.professional_lead.get_full_name(),
                a.patient_partner_lead.get_full_name(),
                _date(a.convention_start),
                _date(a.convention_end),
                a.planned_interventions if a.planned_interventions is not None else "",
                _("oui") if a.convention_file else _("non"),
                a.participant_count,
                a.meeting_count,
                a.action_count,
                a.overdue_actions,
                a.indicator_count,
                a.overdue_evaluations,
                _date(a.created_at.date()),
            ]
        )
    return rows


def to_csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    # Semicolons and a BOM: what French spreadsheet software opens correctly by double-click.
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: list[list], *, sheet_title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    for row in rows:
        sheet.append([neutralise(value) for value in row])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
