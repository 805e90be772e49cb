"""The three shipped phase templates (accompaniment/data/*.json); admins may edit them afterwards."""

from django.db import migrations


def load(apps, schema_editor):
    from accompaniment.phase_templates import load_shipped_templates

    load_shipped_templates(apps.get_model("accompaniment", "PhaseTemplate"), apps.get_model("accompaniment", "PhaseDefinition"))


class Migration(migrations.Migration):
    dependencies = [("accompaniment", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
