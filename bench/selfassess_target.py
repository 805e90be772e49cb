"""Self-assessment: how long the target takes to compute and draw, as a group grows.

Run with the project's database settings (it writes inside a transaction rolled back at the end):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cops .venv/bin/python bench/selfassess_target.py

Prints, for groups of 4, 40 and 400 participants on the 11-criterion framework: the aggregate
query, the radar, the whole group-step page, one answer saved through the service, and the PDF.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cops.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from actors.enums import Role  # noqa: E402
from actors.models import User  # noqa: E402
from actors.services.accounts import user_add_role  # noqa: E402
from cops.pdf import render_pdf  # noqa: E402
from cops.tokens import hash_token  # noqa: E402
from selfassess.charts import session_radar, target_context  # noqa: E402
from selfassess.enums import Side  # noqa: E402
from selfassess.frameworks import load_shipped_frameworks  # noqa: E402
from selfassess.models import AssessmentSession, Criterion, Framework, Participant, Rating  # noqa: E402
from selfassess.results import session_results  # noqa: E402
from selfassess.services import rating_save, session_close_individual  # noqa: E402


class Rollback(Exception):
    pass


def timed(function, repeat: int = 15) -> float:
    """Median wall time in milliseconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def build(size: int, staff: User, framework: Framework) -> AssessmentSession:
    session = AssessmentSession.objects.create(
        title=f"Banc d'essai {size}", framework=framework, facilitator=staff
    )
    participants = Participant.objects.bulk_create(
        Participant(
            session=session,
            name=f"Participant {n}",
            email=f"p{n}@banc.example",
            side=Side.PROFESSIONAL if n % 2 else Side.USER,
            token_hash=hash_token(f"banc-{size}-{n}"),
        )
        for n in range(size)
    )
    criteria = list(Criterion.objects.filter(framework=framework))
    Rating.objects.bulk_create(
        Rating(participant=p, criterion=c, score=(i + j) % 5)
        for i, p in enumerate(participants)
        for j, c in enumerate(criteria)
    )
    return session


def main() -> None:
    print("Auto-évaluation — temps médians (ms)")
    print(
        f"{'participants':>12} {'agrégats':>9} {'requêtes':>9} {'cible SVG':>10} {'page cible':>11} "
        f"{'1 réponse':>10} {'PDF':>8}"
    )
    try:
        with transaction.atomic():
            load_shipped_frameworks()
            framework = Framework.objects.filter(
                slug="barometre-relation-partenariat", is_active=True
            ).latest("version")
            staff = User.objects.create_user(email="banc@banc.example", password="banc-essai-2026")
            user_add_role(user=staff, role=Role.STAFF)
            client = Client()
            client.force_login(staff)
            for size in (4, 40, 400):
                session = build(size, staff, framework)
                answering = Participant.objects.filter(session=session).first()
                criterion = Criterion.objects.filter(framework=framework).first()
                save_ms = timed(
                    lambda p=answering, c=criterion: rating_save(participant=p, criterion=c, score=3)
                )
                session_close_individual(session=session, by=staff)
                connection.queries_log.clear()  # a full log would make the capture count nothing
                with CaptureQueriesContext(connection) as queries:
                    session_results(session)
                results_ms = timed(lambda s=session: session_results(s))
                results = session_results(session)
                radar_ms = timed(lambda r=results: session_radar(r))
                url = f"/auto-evaluation/seances/{session.pk}/cible/"
                assert client.get(url).status_code == 200
                page_ms = timed(lambda u=url: client.get(u), repeat=7)
                pdf_ms = timed(
                    lambda s=session: render_pdf("selfassess/pdf/session.html", target_context(s)), repeat=3
                )
                print(
                    f"{size:>12} {results_ms:>9.1f} {len(queries):>9} {radar_ms:>10.1f} {page_ms:>11.1f} "
                    f"{save_ms:>10.1f} {pdf_ms:>8.0f}"
                )
            raise Rollback
    except Rollback:
        pass
    print("Le nombre de requêtes des agrégats ne dépend pas de la taille du groupe (agrégation SQL).")


if __name__ == "__main__":
    main()
