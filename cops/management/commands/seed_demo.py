import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from cops.demo import seed_all


class Command(BaseCommand):
    help = "Crée un jeu de données de démonstration réaliste (déterministe pour une graine donnée)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=int, default=300, help="nombre d'acteurs de l'annuaire (défaut 300)"
        )
        parser.add_argument("--seed", type=int, default=2026, help="graine du générateur (défaut 2026)")
        parser.add_argument(
            "--if-empty", action="store_true", help="ne rien faire si la base contient déjà des comptes"
        )

    def handle(self, *args, scale: int, seed: int, if_empty: bool, **options):
        if if_empty and get_user_model().objects.exists():
            self.stdout.write("Données déjà présentes : démonstration non rechargée.")
            return
        started = time.monotonic()
        with transaction.atomic():
            ctx = seed_all(scale=scale, seed=seed, log=lambda line: self.stdout.write(f"  {line}"))
        self.stdout.write(self.style.SUCCESS(f"Démonstration prête en {time.monotonic() - started:.1f} s."))
        # The accounts the demo created (actors/demo.py), in their order.
        accounts = ctx.shared.get("accounts", {})
        if accounts:
            self.stdout.write(f"Comptes (mot de passe « {ctx.shared['accounts_password']} ») :")
            for email in accounts:
                self.stdout.write(f"  {email}")
