"""Barometer: the PDF report of a campaign with 5,000 responses, built by a Celery worker.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cops_baro CELERY_BROKER_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/barometer_report.py [--responses 5000]

Creates a published campaign (year 2092, a copy of the 2023 questionnaires, deleted at the end)
with realistic responses spread over the five publics, starts one worker and queues
`barometer.publish_report`; prints the time until the PDF is stored, its size and page count.
"""

import argparse
import io
import os
import random
import subprocess
import sys
import time
from datetime import timedelta

from barometer_common import ROOT, machine_load, stop
from django.utils import timezone
from pypdf import PdfReader

from barometer.demo import PUBLIC_WEIGHTS, _values
from barometer.enums import CampaignStatus
from barometer.models import Answer, Campaign, PublishedReport
from barometer.reference import load_first_edition
from barometer.selectors import questions_for
from barometer.services import answering, campaigns

YEAR = 2092


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=5000)
    args = parser.parse_args()
    Campaign.objects.filter(year=YEAR).delete()
    today = timezone.localdate()
    campaign = campaigns.campaign_copy(
        source=load_first_edition(),
        year=YEAR,
        title="Banc d'essai rapport",
        opens_on=today - timedelta(days=60),
        closes_on=today - timedelta(days=1),
    )
    rng = random.Random(5)
    started = time.monotonic()
    for questionnaire in campaign.questionnaires.all():
        questions = questions_for(questionnaire)
        share = round(args.responses * PUBLIC_WEIGHTS[questionnaire.public] / sum(PUBLIC_WEIGHTS.values()))
        entries = [
            answering.ImportedResponse(
                values=_values(rng, questions, n),
                submitted_on=campaign.opens_on + timedelta(days=rng.randint(0, 58)),
            )
            for n in range(share)
        ]
        answering.responses_import(questionnaire=questionnaire, entries=entries)
    for answer in Answer.objects.filter(
        response__questionnaire__campaign=campaign, question__type="long_text"
    )[:20]:
        answering.answer_tag(answer=answer, tags=["frein"], featured=True)
    campaign.status = CampaignStatus.PUBLISHED
    campaign.save()
    total = sum(q.responses.count() for q in campaign.questionnaires.all())
    print(f"Data: {total} responses written in {time.monotonic() - started:.1f} s")

    worker = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "cops",
            "worker",
            "--pool=prefork",
            "-c",
            "1",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=dict(os.environ),
        start_new_session=True,
    )
    try:
        time.sleep(4)
        from barometer.tasks import publish_report

        started = time.monotonic()
        publish_report.apply_async(kwargs={"campaign_id": campaign.pk})
        while (
            time.monotonic() - started < 300
            and not PublishedReport.objects.filter(campaign=campaign).exists()
        ):
            time.sleep(0.2)
        elapsed = time.monotonic() - started
    finally:
        stop(worker)
    report = PublishedReport.objects.get(campaign=campaign)
    pages = len(PdfReader(io.BytesIO(bytes(report.content))).pages)
    print(f"Machine: {machine_load()}")
    print(
        f"PDF report for {total} responses built by the worker in {elapsed:.1f} s (goal <= 30 s): "
        f"{len(report.content) / 1024:.0f} KiB, {pages} pages"
    )
    Campaign.objects.filter(year=YEAR).delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
