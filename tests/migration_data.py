"""The rows that migrations create, put back after a transactional test flushed every table."""


def restore_migration_data() -> None:
    """Reference data (roles, taxonomies, communes), committees, survey and self-assessment
    frameworks and phase templates — each loader is idempotent."""
    from django.apps import apps

    from accompaniment.phase_templates import load_shipped_templates
    from actors.reference import load_all
    from actors.services.committees import committees_ensure_standard
    from barometer.reference import load_first_edition
    from selfassess.frameworks import load_shipped_frameworks

    load_all()
    committees_ensure_standard()
    load_shipped_frameworks(apps)
    load_first_edition(apps)
    load_shipped_templates(
        apps.get_model("accompaniment", "PhaseTemplate"), apps.get_model("accompaniment", "PhaseDefinition")
    )
