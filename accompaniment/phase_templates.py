"""Load the shipped phase templates (accompaniment/data/*.json) into the database.

Used by the data migration and by `manage.py seed_demo`; works with historical models too.
"""

import json
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED = ["five_phases.json", "project_support.json", "patient_partner.json"]


def load_shipped_templates(template_model, definition_model) -> int:
    """Create the shipped templates that do not exist yet (an admin's edits are never overwritten)."""
    created = 0
    for filename in SHIPPED:
        data = json.loads((DATA_DIR / filename).read_text(encoding="utf-8"))
        if template_model.objects.filter(code=data["code"]).exists():
            continue
        if data["is_default"] and template_model.objects.filter(is_default=True).exists():
            data["is_default"] = False
        template = template_model.objects.create(
            code=data["code"],
            name=data["name"],
            description=data["description"],
            is_default=data["is_default"],
            position=data["position"],
            impact_delay_months=data["impact_delay_months"],
        )
        definition_model.objects.bulk_create(
            definition_model(
                template=template,
                position=position,
                code=phase["code"],
                name=phase["name"],
                short_name=phase["short_name"],
                description=phase["description"],
                kind=phase["kind"],
                requirements=phase["requirements"],
            )
            for position, phase in enumerate(data["phases"], start=1)
        )
        created += 1
    return created
