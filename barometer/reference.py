"""The first edition's five questionnaires (2023), shipped as data in barometer/data/.

Reconstructed from DOMAIN.md §4 and the minutes of the 2023 regional day (seed 002). The
loader is idempotent (nothing happens if the 2023 campaign exists) and takes its model
classes from an app registry, so the data migration and the tests share it.
"""

import json
from datetime import date, datetime
from pathlib import Path

from django.apps import apps as global_apps
from django.db import transaction

DATA_DIR = Path(__file__).resolve().parent / "data"
YES_NO_CHOICES = [("oui", "Oui"), ("non", "Non")]


def campaign_data() -> dict:
    return json.loads((DATA_DIR / "campaign-2023.json").read_text(encoding="utf-8"))


def questionnaire_data() -> list[dict]:
    return [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(DATA_DIR.glob("questionnaire-2023-*.json"))
    ]


def create_questionnaire(apps, *, campaign, data: dict):
    """Create one questionnaire with its pages, questions, choices and conditions."""
    Questionnaire = apps.get_model("barometer", "Questionnaire")
    Section = apps.get_model("barometer", "Section")
    Question = apps.get_model("barometer", "Question")
    Choice = apps.get_model("barometer", "Choice")
    questionnaire = Questionnaire.objects.create(
        campaign=campaign,
        public=data["public"],
        title=data["title"],
        intro=data.get("intro", ""),
        position=data.get("position", 0),
    )
    by_code = {}
    conditions = []
    for section_position, section_data in enumerate(data["sections"]):
        section = Section.objects.create(
            questionnaire=questionnaire,
            title=section_data["title"],
            intro=section_data.get("intro", ""),
            position=section_position,
        )
        for position, item in enumerate(section_data["questions"]):
            question = Question.objects.create(
                questionnaire=questionnaire,
                section=section,
                code=item["code"],
                type=item["type"],
                label=item["label"],
                help_text=item.get("help_text", ""),
                required=item.get("required", False),
                allow_other=item.get("allow_other", False),
                role=item.get("role", ""),
                min_value=item.get("min_value"),
                max_value=item.get("max_value"),
                position=position,
            )
            choices = item.get("choices") or (YES_NO_CHOICES if item["type"] == "yesno" else [])
            Choice.objects.bulk_create(
                Choice(question=question, value=value, label=label, position=index)
                for index, (value, label) in enumerate(choices)
            )
            by_code[question.code] = question
            if item.get("show_if"):
                conditions.append((question, item["show_if"]))
    for question, condition in conditions:
        question.show_if_question = by_code[condition["question"]]
        question.show_if_values = condition["values"]
        question.save(update_fields=["show_if_question", "show_if_values"])
    return questionnaire


def load_first_edition(apps=global_apps):
    Campaign = apps.get_model("barometer", "Campaign")
    SendingRound = apps.get_model("barometer", "SendingRound")
    data = campaign_data()
    existing = Campaign.objects.filter(year=data["year"]).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        campaign = Campaign.objects.create(
            year=data["year"],
            title=data["title"],
            intro=data["intro"],
            opens_on=date.fromisoformat(data["opens_on"]),
            closes_on=date.fromisoformat(data["closes_on"]),
            anonymous=data["anonymous"],
            # The first edition ran from January to March 2023.
            status="closed",
        )
        for number, moment in enumerate(data["rounds"]):
            SendingRound.objects.create(
                campaign=campaign, number=number, scheduled_at=datetime.fromisoformat(moment)
            )
        for questionnaire in questionnaire_data():
            create_questionnaire(apps, campaign=campaign, data=questionnaire)
    return campaign
