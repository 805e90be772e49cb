"""Loading of the reference data shipped in actors/data/.

Every function is idempotent (upsert by code) and takes the model classes from an app
registry, so the same code serves the data migration and the `load_reference_data` command.
"""

import csv
import json
from pathlib import Path

from django.apps import apps as global_apps

from actors.enums import Role

DATA_DIR = Path(__file__).resolve().parent / "data"
COMMUNES_CSV = DATA_DIR / "communes-occitanie.csv"
TAXONOMIES_JSON = DATA_DIR / "taxonomies.json"


def _taxonomies() -> dict:
    return json.loads(TAXONOMIES_JSON.read_text(encoding="utf-8"))


def load_roles(apps=global_apps) -> int:
    Group = apps.get_model("auth", "Group")
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    return len(Role)


def load_taxonomies(apps=global_apps) -> int:
    data = _taxonomies()
    Departement = apps.get_model("actors", "Departement")
    ActorProfile = apps.get_model("actors", "ActorProfile")
    Domain = apps.get_model("actors", "Domain")
    StructureType = apps.get_model("actors", "StructureType")
    for code, name, zone in data["departements"]:
        Departement.objects.update_or_create(code=code, defaults={"name": name, "zone": zone})
    for position, (code, label, side) in enumerate(data["actor_profiles"]):
        ActorProfile.objects.update_or_create(
            code=code, defaults={"label": label, "side": side, "position": position}
        )
    for position, (code, label) in enumerate(data["domains"]):
        Domain.objects.update_or_create(code=code, defaults={"label": label, "position": position})
    for position, (code, label, category) in enumerate(data["structure_types"]):
        StructureType.objects.update_or_create(
            code=code, defaults={"label": label, "category": category, "position": position}
        )
    load_directory_taxonomies(apps, data)
    return sum(len(rows) for rows in data.values())


# The directory's own taxonomies, added after the first reference migration: the migration that
# runs before their tables exist (actors/0002) simply skips them.
DIRECTORY_TAXONOMIES = [
    ("Qualification", "qualifications"),
    ("Activity", "activities"),
    ("Availability", "availabilities"),
]


def load_directory_taxonomies(apps=global_apps, data: dict | None = None) -> int:
    data = data if data is not None else _taxonomies()
    loaded = 0
    for model_name, key in DIRECTORY_TAXONOMIES:
        try:
            model = apps.get_model("actors", model_name)
        except LookupError:
            continue
        for position, (code, label) in enumerate(data.get(key, [])):
            model.objects.update_or_create(code=code, defaults={"label": label, "position": position})
            loaded += 1
    return loaded


def read_communes(path: Path = COMMUNES_CSV) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            {
                "insee_code": row["insee_code"],
                "name": row["name"],
                "departement_id": row["departement"],
                "postal_codes": row["postal_codes"].split(),
                "population": int(row["population"] or 0),
                "latitude": float(row["latitude"]),
                "longitude": float(row["longitude"]),
            }
            for row in csv.DictReader(handle)
        ]


def load_communes(apps=global_apps, path: Path = COMMUNES_CSV) -> int:
    """Insert new communes and update changed ones (the yearly COG update)."""
    Commune = apps.get_model("actors", "Commune")
    rows = read_communes(path)
    Commune.objects.bulk_create(
        [Commune(**row) for row in rows],
        update_conflicts=True,
        unique_fields=["insee_code"],
        update_fields=["name", "departement", "postal_codes", "population", "latitude", "longitude"],
        batch_size=1000,
    )
    return len(rows)


def load_all(apps=global_apps) -> dict[str, int]:
    return {
        "roles": load_roles(apps),
        "taxonomies": load_taxonomies(apps),
        "communes": load_communes(apps),
    }
