from django.db import migrations


def load(apps, schema_editor):
    from actors.reference import load_directory_taxonomies

    load_directory_taxonomies(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("actors", "0003_directory_profiles"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
