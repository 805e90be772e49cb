from django.db import migrations


def load(apps, schema_editor):
    from selfassess.frameworks import load_shipped_frameworks

    load_shipped_frameworks(apps)


class Migration(migrations.Migration):
    dependencies = [("selfassess", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
