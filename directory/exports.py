"""CSV and XLSX exports of the directory, honouring visibility: each row is built from the
per-level views, so an export made for an audience contains what that audience may see."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from actors.enums import ActorKind
from actors.models import Person, Structure
from cops.spreadsheets import neutralise
from directory.labels import field_label
from directory.selectors.profiles import (
    PersonView,
    StructureView,
    person_view,
    persons_for_display,
    structure_view,
    structures_for_display,
)

CHUNK = 500

# A cell from one actor's view (what the export's audience may see) and the site's address.
Getter = Callable[[PersonView | StructureView, str], object]


@dataclass(frozen=True)
class Column:
    """One column of the export: its header, and what it holds for a person and for a structure
    (None: the column stays empty for that kind of actor)."""

    header: str
    person: Getter | None = None
    structure: Getter | None = None

    def value(self, view: PersonView | StructureView, site_url: str) -> object:
        getter = self.person if view.kind == ActorKind.PERSON else self.structure
        return "" if getter is None else getter(view, site_url)


def _text(name: str) -> Getter:
    return lambda view, site_url: getattr(view, name) or ""


def _joined(name: str) -> Getter:
    return lambda view, site_url: ", ".join(item.label for item in getattr(view, name))


def _territories(view, site_url: str) -> str:
    return _("Toute la région") if view.region_wide else ", ".join(item.label for item in view.territories)


def _person_territories(view: PersonView, site_url: str) -> str:
    # Hidden territories are an empty list, but region_wide is not hidden with them.
    return _territories(view, site_url) if "territories" in view.visible_fields else ""


def _address(view: StructureView, site_url: str) -> str:
    return " ".join(part for part in (view.address, view.postal_code) if part)


def _page(view, site_url: str) -> str:
    return site_url + view.url


# The export, column by column; headers are the fields' labels (directory.labels) where they match.
COLUMNS = (
    Column(gettext_lazy("Type"), person=_text("kind_label"), structure=_text("kind_label")),
    Column(field_label(Structure, "name"), person=_text("title"), structure=_text("title")),
    Column(
        gettext_lazy("Profils d'acteur / type de structure"),
        person=_joined("profiles"),
        structure=_text("structure_type"),
    ),
    Column(field_label(Person, "domains"), person=_joined("domains"), structure=_joined("domains")),
    Column(field_label(Person, "territories"), person=_person_territories, structure=_territories),
    Column(field_label(Person, "commune"), person=_text("commune"), structure=_text("commune")),
    Column(field_label(Structure, "address"), structure=_address),
    Column(field_label(Person, "activities"), person=_joined("activities")),
    Column(field_label(Person, "availabilities"), person=_joined("availabilities")),
    # Shorter than the field's "Qualifications ou diplômes".
    Column(gettext_lazy("Qualifications"), person=_joined("qualifications")),
    Column(field_label(Person, "bio"), person=_text("bio"), structure=_text("description")),
    Column(field_label(Person, "email"), person=_text("email"), structure=_text("email")),
    Column(field_label(Person, "phone"), person=_text("phone"), structure=_text("phone")),
    Column(field_label(Person, "website"), person=_text("website"), structure=_text("website")),
    Column(gettext_lazy("Fiche"), person=_page, structure=_page),
)


def export_headers() -> list[str]:
    return [str(column.header) for column in COLUMNS]


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
            elif kind == ActorKind.STRUCTURE and structure_id in structures:
                view = structure_view(structures[structure_id], level, with_members=False)
            else:
                continue
            yield [column.value(view, site_url) for column in COLUMNS]


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
