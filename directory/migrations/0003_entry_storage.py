from django.db import migrations

COLUMNS = [f"{prefix}_{audience}" for prefix in ("search", "tags") for audience in ("public", "partners", "staff")]


class Migration(migrations.Migration):
    """Keep the search vectors and tags in the table's own pages (compressed if need be) and let
    PostgreSQL move the result cards out of line instead: ranking thousands of matches then reads
    a few heap pages per row instead of a TOAST lookup per vector."""

    dependencies = [("directory", "0002_cards")]

    operations = [
        migrations.RunSQL(
            sql=[f"ALTER TABLE directory_entry ALTER COLUMN {column} SET STORAGE MAIN" for column in COLUMNS],
            reverse_sql=[f"ALTER TABLE directory_entry ALTER COLUMN {column} SET STORAGE EXTENDED" for column in COLUMNS],
        )
    ]
