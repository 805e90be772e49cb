"""Accompaniments: the staff board, an accompaniment's page, its PDF dossier and the evaluation sending.

Run with the project's database settings (everything is written inside a transaction rolled back
at the end, so it can run against a demo database):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cops .venv/bin/python bench/accompaniment_board.py

Prints, for portfolios of 10, 100 and 1 000 accompaniments: the board page and its query count,
the CSV export; then, for one full accompaniment, its page and its PDF dossier; then how fast the
periodic task invites 500 participants (outbox rows written) and how fast a second run finds nothing.
"""

import os
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path[:] = [str(Path(__file__).resolve().parent.parent)] + [
    p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent
]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cops.settings")
# Measured as in production: DEBUG keeps every query in memory and slows everything down.
os.environ["DEBUG"] = "false"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.signals import request_started  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accompaniment.dossier import dossier_context  # noqa: E402
from accompaniment.enums import ActionStatus, EvaluationKind, FindingKind, PhaseStatus, Side  # noqa: E402
from accompaniment.models import (  # noqa: E402
    Accompaniment,
    Action,
    Evaluation,
    Measurement,
    Participant,
    Phase,
    PhaseDefinition,
    PhaseTemplate,
)
from accompaniment.phase_templates import load_shipped_templates  # noqa: E402
from accompaniment.services import accompaniments as acc_services  # noqa: E402
from accompaniment.services import content as content_services  # noqa: E402
from accompaniment.services.evaluations import send_due_evaluations  # noqa: E402
from actors.enums import ModerationStatus, Role  # noqa: E402
from actors.models import Structure, User  # noqa: E402
from actors.services.accounts import user_add_role  # noqa: E402
from cops.models import OutgoingEmail  # noqa: E402
from cops.pdf import render_pdf  # noqa: E402


class Rollback(Exception):
    pass


def timed(function, repeat: int = 7) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def staff(email: str) -> User:
    user = User.objects.create_user(email=email, password="x" * 16, first_name="Banc", last_name=email[:5])
    user_add_role(user=user, role=Role.STAFF)
    return user


def grow_portfolio(target: int, leads: tuple[User, User], template: PhaseTemplate) -> None:
    """Bring the portfolio to `target` accompaniments spread over the phases, with late actions."""
    start = timezone.localdate() - timedelta(days=90)
    definitions = list(PhaseDefinition.objects.filter(template=template).order_by("position"))
    existing = Accompaniment.objects.count()
    structures = Structure.objects.bulk_create(
        Structure(name=f"Structure du banc {n}", status=ModerationStatus.PUBLISHED)
        for n in range(existing, target)
    )
    for n, structure in enumerate(structures, start=existing):
        accompaniment = Accompaniment.objects.create(
            structure=structure,
            title=f"Accompagnement du banc {n}",
            support_type="projet",
            template=template,
            professional_lead=leads[0],
            patient_partner_lead=leads[1],
        )
        current = n % len(definitions)
        phases = Phase.objects.bulk_create(
            Phase(
                accompaniment=accompaniment,
                definition=d,
                position=d.position,
                name=d.name,
                short_name=d.short_name,
                kind=d.kind,
                status=PhaseStatus.CLOSED
                if i < current
                else PhaseStatus.CURRENT
                if i == current
                else PhaseStatus.UPCOMING,
                started_on=start if i <= current else None,
                ended_on=start if i < current else None,
            )
            for i, d in enumerate(definitions)
        )
        accompaniment.current_phase = phases[current]
        accompaniment.save(update_fields=["current_phase"])
        owner = Participant.objects.create(
            accompaniment=accompaniment, first_name="Pat", last_name=f"N{n}", side=Side.USER
        )
        Action.objects.bulk_create(
            Action(
                accompaniment=accompaniment,
                phase=phases[0],
                title=f"Action {k}",
                owner=owner,
                due_on=timezone.localdate() - timedelta(days=k - 1),
                status=ActionStatus.TODO,
            )
            for k in range(3)
        )


def full_accompaniment(leads) -> Accompaniment:
    structure = Structure.objects.create(name="Structure complète du banc", status=ModerationStatus.PUBLISHED)
    accompaniment = acc_services.accompaniment_open(
        structure=structure,
        title="Accompagnement complet du banc",
        support_type="projet",
        template=PhaseTemplate.objects.get(code="cinq-phases"),
        professional_lead=leads[0],
        patient_partner_lead=leads[1],
        started_on=timezone.localdate() - timedelta(days=300),
        by=leads[0],
    )
    participants = [
        acc_services.participant_add(
            accompaniment=accompaniment,
            first_name=f"P{i}",
            last_name="Banc",
            email=f"p{i}@banc.example",
            side=Side.USER if i % 2 else Side.PROFESSIONAL,
        )
        for i in range(30)
    ]
    for kind in FindingKind.values:
        for k in range(10):
            content_services.finding_add(
                accompaniment=accompaniment, kind=kind, text=f"Constat {k}", by=leads[0]
            )
    for k in range(20):
        content_services.meeting_add(
            accompaniment=accompaniment,
            held_on=timezone.localdate() - timedelta(days=k),
            title=f"Rencontre {k}",
            notes="",
            participants=participants[:10],
            by=leads[0],
        )
        content_services.action_add(
            accompaniment=accompaniment,
            title=f"Action {k}",
            owner=participants[k],
            due_on=timezone.localdate() + timedelta(days=k),
            by=leads[0],
        )
    for k in range(6):
        indicator = content_services.indicator_add(
            accompaniment=accompaniment,
            name=f"Indicateur {k}",
            baseline=Decimal(0),
            target=Decimal(50),
            by=leads[0],
        )
        Measurement.objects.bulk_create(
            Measurement(
                indicator=indicator, measured_on=timezone.localdate() - timedelta(days=30 * m), value=m * 4
            )
            for m in range(12)
        )
    return accompaniment


def main() -> None:
    settings.ALLOWED_HOSTS = ["*"]
    # The test client resets the query log at each request: keep it to count the queries.
    request_started.disconnect(reset_queries)
    print("Accompagnements — temps médians (ms)")
    try:
        with transaction.atomic():
            load_shipped_templates(PhaseTemplate, PhaseDefinition)
            leads = (staff("banc.pro@banc.example"), staff("banc.pp@banc.example"))
            client = Client()
            client.force_login(leads[0])
            template = PhaseTemplate.objects.get(code="cinq-phases")
            print(f"{'accompagnements':>15} {'tableau':>9} {'requêtes':>9} {'export CSV':>11}")
            for size in (10, 100, 1000):
                grow_portfolio(size, leads, template)
                reset_queries()
                with CaptureQueriesContext(connection) as queries:
                    response = client.get("/accompagnements/tableau/")
                board_queries = len(queries)
                assert response.status_code == 200
                board_ms = timed(lambda: client.get("/accompagnements/tableau/"))
                export_ms = timed(lambda: client.get("/accompagnements/export.csv"), repeat=3)
                print(f"{size:>15} {board_ms:>9.0f} {board_queries:>9} {export_ms:>11.0f}")

            accompaniment = full_accompaniment(leads)
            url = accompaniment.get_absolute_url()
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            page_queries = len(queries)
            page_ms = timed(lambda: client.get(url))
            pdf_ms = timed(
                lambda: render_pdf("accompaniment/pdf/dossier.html", dossier_context(accompaniment)), repeat=3
            )
            size = len(render_pdf("accompaniment/pdf/dossier.html", dossier_context(accompaniment)))
            print(
                f"Page d'un accompagnement (30 participants, 30 constats, 20 rencontres, 20 actions, "
                f"6 indicateurs × 12 mesures) : "
                f"{page_ms:.0f} ms, {page_queries} requêtes"
            )
            print(f"Dossier PDF du même accompagnement : {pdf_ms:.0f} ms ({size / 1024:.0f} Kio)")

            for i in range(30, 500):
                acc_services.participant_add(
                    accompaniment=accompaniment,
                    first_name=f"P{i}",
                    last_name="Banc",
                    email=f"p{i}@banc.example",
                    side=Side.USER if i % 2 else Side.PROFESSIONAL,
                )
            Evaluation.objects.create(
                accompaniment=accompaniment,
                kind=EvaluationKind.IMPACT,
                questions=[],
                scheduled_for=timezone.localdate(),
            )
            before = OutgoingEmail.objects.count()
            started = time.perf_counter()
            launched, reminded = send_due_evaluations()
            first_ms = (time.perf_counter() - started) * 1000
            written = OutgoingEmail.objects.count() - before
            started = time.perf_counter()
            again = send_due_evaluations()
            second_ms = (time.perf_counter() - started) * 1000
            print(
                f"Évaluation à distance pour 500 participants : {first_ms:.0f} ms, {written} courriels en boîte "
                f"d'envoi ({written / first_ms * 1000:.0f} par seconde) ; seconde passe : {second_ms:.0f} ms, "
                f"{again[0]} envoi"
            )
            assert (launched, written, again) == (1, 500, (0, 0))
            raise Rollback
    except Rollback:
        pass
    print("(tout a été annulé : la base est inchangée)")


if __name__ == "__main__":
    main()
