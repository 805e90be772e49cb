"""The one recipe for the translation catalogues, run by `make`, CI and the Dockerfile alike.

French is the source language: its catalogue is generated from the code (each msgstr copied from its
msgid by GNU gettext's msgen) so that French plural rules apply (« 0 doublon fusionné », not
« 0 doublons fusionnés », which is what Django does with no French catalogue). English is
translated by hand in locale/en. Both are then compiled.
"""

import subprocess

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

IGNORED = [".venv", "staticfiles", "node_modules", "bench/out"]


class Command(BaseCommand):
    help = "Génère le catalogue français depuis le code, puis compile les catalogues (fr, en)."

    def handle(self, *args, **options):
        call_command("makemessages", locale=["fr"], ignore_patterns=IGNORED, no_obsolete=True, verbosity=0)
        french = settings.BASE_DIR / "locale" / "fr" / "LC_MESSAGES" / "django.po"
        try:
            subprocess.run(["msgen", "--no-wrap", "-o", str(french), str(french)], check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise CommandError(f"msgen (GNU gettext) a échoué : {exc}") from exc
        call_command("compilemessages", ignore_patterns=IGNORED, verbosity=0)
