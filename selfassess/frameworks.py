"""The frameworks shipped with the platform, as JSON in selfassess/data/.

Loaded by a data migration (with the historical models) and by `load_shipped_frameworks()`
in tests that flush the database. A framework already present (same slug and version) is
left alone: admins may have edited it since, and answered ones must never change.
"""

import json
from pathlib import Path

from django.db import transaction

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED = ["barometre-relation-partenariat.json", "se-situer.json"]


def read_framework_file(name: str) -> dict:
    with open(DATA_DIR / name, encoding="utf-8") as handle:
        return json.load(handle)


def load_shipped_frameworks(apps=None) -> int:
    """Create the shipped frameworks that are missing; returns how many were created."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Framework = apps.get_model("selfassess", "Framework")
    Sector = apps.get_model("selfassess", "Sector")
    Criterion = apps.get_model("selfassess", "Criterion")
    created = 0
    with transaction.atomic():
        for name in SHIPPED:
            data = read_framework_file(name)
            if Framework.objects.filter(slug=data["slug"], version=data["version"]).exists():
                continue
            labels = data["scale"]
            if len(labels) != 5:
                raise ValueError(f"{name}: the scale needs exactly 5 labels (0 to 4)")
            framework = Framework.objects.create(
                slug=data["slug"],
                version=data["version"],
                name=data["name"],
                description=data.get("description", ""),
                guidance_professional=data.get("guidance_professional", ""),
                guidance_user=data.get("guidance_user", ""),
                guidance_joint=data.get("guidance_joint", ""),
                **{f"label_{value}": label for value, label in enumerate(labels)},
            )
            position = 0
            for sector_position, sector_data in enumerate(data["sectors"], start=1):
                sector = Sector.objects.create(
                    framework=framework, name=sector_data["name"], position=sector_position
                )
                for criterion_data in sector_data["criteria"]:
                    position += 1
                    Criterion.objects.create(
                        framework=framework,
                        sector=sector,
                        code=criterion_data["code"],
                        text=criterion_data["text"],
                        short_label=criterion_data["short_label"],
                        text_professional=criterion_data.get("text_professional", ""),
                        text_user=criterion_data.get("text_user", ""),
                        position=position,
                    )
            created += 1
    return created
