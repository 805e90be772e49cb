"""CSV and XLSX exports of the directory, honouring visibility: each row is built from the
per-level views, so an export made for an audience contains what that audience may see."""

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from actors.enums import ActorKind
from actors.selectors.profiles import person_view, persons_for_display, structure_view, structures_for_display
from cops.spreadsheets import neutralise

CHUNK = 500


def export_headers() -> list[str]:
    return [
        _("Type"),
        _("Nom"),
        _("Profils d'acteur / type de structure"),
        _("Domaines d'activité"),
        _("Territoires d'activité"),
        _("Commune"),
        _("Adresse"),
        _("Activités"),
        _("Disponibilités"),
        _("Qualifications"),
        _("Présentation"),
        _("Adresse électronique"),
        _("Téléphone"),
        _("Site web"),
        _("Fiche"),
    ]


def _join(items) -> str:
    return ", ".join(item.label for item in items)


def _territories(view) -> str:
    return _("Toute la région") if view.region_wide else _join(view.territories)


def export_rows(entries, *, level: int, site_url: str):
    """Rows in the order of `entries` (a filtered Entry queryset)."""
    pairs = list(entries.values_list("kind", "person_id", "structure_id"))
    for start in range(0, len(pairs), CHUNK):
        chunk = pairs[start : start + CHUNK]
        persons = persons_for_display().in_bulk([p for kind, p, s in chunk if kind == ActorKind.PERSON])
        structures = structures_for_display().in_bulk(
            [s for kind, p, s in chunk if kind == ActorKind.STRUCTURE]
        )
        for kind, person_id, structure_id in chunk:
            if kind == ActorKind.PERSON and person_id in persons:
                view = person_view(persons[person_id], level)
                yield [
                    _("Personne"),
                    view.title,
                    _join(view.profiles),
                    _join(view.domains),
                    _territories(view) if "territories" in view.visible_fields else "",
                    view.commune or "",
                    "",
                    _join(view.activities),
                    _join(view.availabilities),
                    _join(view.qualifications),
                    view.bio or "",
                    view.email or "",
                    view.phone or "",
                    view.website or "",
                    site_url + view.url,
                ]
            elif kind == ActorKind.STRUCTURE and structure_id in structures:
                view = structure_view(structures[structure_id], level, with_members=False)
                yield [
                    _("Structure"),
                    view.title,
                    view.structure_type,
                    _join(view.domains),
                    _territories(view),
                    view.commune or "",
                    " ".join(part for part in (view.address, view.postal_code) if part),
                    "",
                    "",
                    "",
                    view.description,
                    view.email,
                    view.phone,
                    view.website,
                    site_url + view.url,
                ]


def export_csv(entries, *, level: int, site_url: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(export_headers())
    for row in export_rows(entries, level=level, site_url=site_url):
        writer.writerow([neutralise(str(value)) for value in row])
    # With a byte order mark, spreadsheet software reads the accents correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(entries, *, level: int, site_url: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Annuaire"))
    sheet.append(export_headers())
    for row in export_rows(entries, level=level, site_url=site_url):
        sheet.append([neutralise(str(value)) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
