from django.core.management.base import BaseCommand

from actors.reference import load_all


class Command(BaseCommand):
    help = "Charge ou met à jour les données de référence (rôles, taxonomies, départements, communes)."

    def handle(self, *args, **options):
        counts = load_all()
        summary = ", ".join(f"{name}: {count}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Données de référence à jour ({summary})."))
