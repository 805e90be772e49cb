import time

from django.core.management.base import BaseCommand

from directory.indexing import reindex_all


class Command(BaseCommand):
    help = "Reconstruit l'index de l'annuaire (fiches publiées, filtres, recherche, carte)."

    def handle(self, *args, **options):
        started = time.monotonic()
        counts = reindex_all()
        self.stdout.write(
            self.style.SUCCESS(
                f"Index reconstruit en {time.monotonic() - started:.1f} s : "
                f"{counts['persons']} personnes, {counts['structures']} structures."
            )
        )
