from django.db import migrations


def load(apps, schema_editor):
    from barometer.reference import load_first_edition

    load_first_edition(apps)


class Migration(migrations.Migration):
    dependencies = [("barometer", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
