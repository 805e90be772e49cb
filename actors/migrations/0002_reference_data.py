from django.db import migrations


def load(apps, schema_editor):
    from actors.reference import load_all

    load_all(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("actors", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
