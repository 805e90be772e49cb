import time

from django.core.management.base import BaseCommand

from directory.indexing import index_is_outdated, reindex_all


class Command(BaseCommand):
    help = "Reconstruit l'index de l'annuaire (fiches publiées, filtres, recherche, carte)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-outdated",
            action="store_true",
            help="Seulement si l'index a été construit par une version précédente de la plateforme.",
        )

    def handle(self, *args, **options):
        if options["if_outdated"] and not index_is_outdated():
            return
        started = time.monotonic()
        counts = reindex_all()
        self.stdout.write(
            self.style.SUCCESS(
                f"Index reconstruit en {time.monotonic() - started:.1f} s : "
                f"{counts['persons']} personnes, {counts['structures']} structures, {counts['projects']} projets."
            )
        )
