"""Demo data: the 2023 edition closed and published with a few hundred responses, and a 2026
edition open with its invitations sent and the first answers in. Built through the services."""

from datetime import datetime, time, timedelta

from django.test.utils import override_settings
from django.utils import timezone

from barometer.enums import CampaignStatus, QuestionRole, QuestionType
from barometer.forms import ContactRow
from barometer.logic import OTHER, Value, visible_ids
from barometer.models import Answer, Campaign, Delivery, Invitation
from barometer.reference import load_first_edition
from barometer.selectors import questions_for
from barometer.services import answering, campaigns, invitations, sending

PUBLIC_WEIGHTS = {"patients": 34, "associations": 14, "formation": 10, "directions": 12, "equipes": 30}
# Choices the 2023 minutes name as the most frequent (DOMAIN.md §4) are drawn more often.
FAVOURED = {
    "disponibilite",
    "benevolat",
    "valeur_ajoutee",
    "recrutement",
    "confiance",
    "volonte_institutionnelle",
    "temps",
    "ressources_humaines",
    "ressources_financieres",
    "outils",
    "patients_partenaires",
}
TEXTS = {
    "freins_leviers_texte": [
        "Le manque de temps des équipes reste le premier obstacle, surtout en période de tension.",
        "La confiance s'est construite petit à petit, grâce à des rencontres régulières.",
        "Sans soutien de la direction, les projets s'arrêtent au bout de quelques mois.",
        "Le bénévolat a ses limites : les patients partenaires s'épuisent s'ils ne sont pas reconnus.",
    ],
    "besoins_texte": [
        "Des outils simples pour démarrer un projet en partenariat.",
        "Un annuaire des patients partenaires de notre territoire.",
        "Du temps dédié dans les plannings, reconnu par l'institution.",
        "Des formations communes patients et professionnels.",
    ],
    "experience_description": [
        "Nous avons co-écrit avec des patients partenaires les scénarios de simulation de l'IFSI.",
        "Un parent ressource participe désormais aux consultations pluridisciplinaires.",
        "Les résidants participent au recrutement des professionnels de la maison de retraite.",
    ],
    "projets_description": [
        "Intégrer un médiateur santé-pair dans l'équipe d'addictologie.",
        "Créer un comité des usagers dans notre centre de dialyse.",
        "Co-animer les ateliers d'éducation thérapeutique avec une patiente partenaire.",
    ],
    "impacts_texte": [
        "Les équipes ont changé de regard sur la place des patients.",
        "Les documents remis aux patients sont enfin compréhensibles.",
    ],
    "commentaire": ["Merci pour ce baromètre, continuez !", "Vivement la prochaine journée régionale."],
    "metier": ["Infirmière", "Médecin généraliste", "Cadre de santé", "Psychologue", "Kinésithérapeute"],
}


def _values(rng, questions, number: int) -> dict[int, Value]:
    values: dict[int, Value] = {}
    for question in questions:
        if question.is_conditional and question.pk not in visible_ids(questions, values):
            continue
        if not question.required and question.type in QuestionType.free_text() and rng.random() > 0.35:
            continue
        choices = [c.value for c in question.choices.all()]
        if question.type == QuestionType.MULTIPLE:
            if question.role == QuestionRole.FOLLOW_UP:
                picked = [c for c in choices if rng.random() < (0.45 if c == "recevoir_rapport" else 0.3)]
            else:
                weights = [3 if c in FAVOURED else 1 for c in choices]
                picked = sorted(
                    set(rng.choices(choices, weights=weights, k=rng.randint(1, 3))), key=choices.index
                )
            if question.allow_other and rng.random() < 0.06:
                values[question.pk] = Value(
                    choices=(*picked, OTHER), text="Le manque de lieux pour se rencontrer"
                )
            elif picked:
                values[question.pk] = Value(choices=tuple(picked))
        elif question.type == QuestionType.LIKERT:
            weights = list(range(1, len(choices) + 1))  # answers lean towards the top of the scale
            values[question.pk] = Value(choices=(rng.choices(choices, weights=weights)[0],))
        elif question.type == QuestionType.YES_NO:
            values[question.pk] = Value(choices=("oui" if rng.random() < 0.72 else "non",))
        elif question.type == QuestionType.SINGLE:
            if question.allow_other and rng.random() < 0.05:
                values[question.pk] = Value(choices=(OTHER,), text="Pair-aidante")
            else:
                values[question.pk] = Value(choices=(rng.choice(choices),))
        elif question.type == QuestionType.NUMBER:
            high = int(question.max_value or 20)
            values[question.pk] = Value(number=rng.randint(int(question.min_value or 0), min(high, 15)))
        elif question.type == QuestionType.EMAIL:
            values[question.pk] = Value(text=f"repondant{number}@exemple.fr")
        else:
            values[question.pk] = Value(text=rng.choice(TEXTS.get(question.code, TEXTS["commentaire"])))
    return values


def _responses(rng, campaign: Campaign, count: int, start, end, start_number: int, invited=None):
    by_public = {q.public: q for q in campaign.questionnaires.all()}
    questions = {public: questions_for(q) for public, q in by_public.items()}
    span = max((end - start).days, 1)
    entries: dict[str, list] = {public: [] for public in by_public}
    invited = list(invited or [])
    for n in range(count):
        invitation = invited.pop() if invited else None
        public = (
            invitation.questionnaire.public
            if invitation
            else rng.choices(list(PUBLIC_WEIGHTS), weights=list(PUBLIC_WEIGHTS.values()))[0]
        )
        day = start + timedelta(days=min(span, int(rng.triangular(0, span, span * 0.2))))
        entries[public].append(
            answering.ImportedResponse(
                values=_values(rng, questions[public], start_number + n),
                submitted_on=day,
                invitation=invitation,
            )
        )
    return sum(
        answering.responses_import(questionnaire=by_public[public], entries=items)
        for public, items in entries.items()
    )


def seed(ctx) -> None:
    rng = ctx.rng
    first = load_first_edition()
    if first.questionnaires.filter(responses__isnull=False).exists():
        ctx.log("Baromètre : données déjà présentes")
        return
    # The barometer's size does not follow the directory's: a real edition has a few hundred
    # respondents, whatever the number of actors (and --scale 25000 must stay fast).
    size = min(ctx.scale, 400)
    count_2023 = max(60, size)
    _responses(rng, first, count_2023, first.opens_on, first.closes_on, 1)
    for answer in Answer.objects.filter(
        response__questionnaire__campaign=first,
        question__code__in=["experience_description", "freins_leviers_texte"],
    ).order_by("pk")[:8]:
        answering.answer_tag(
            answer=answer, tags=["levier"] if "confiance" in answer.text else ["frein"], featured=True
        )
    if first.status == CampaignStatus.CLOSED:
        campaigns.campaign_set_status(campaign=first, status=CampaignStatus.PUBLISHED)

    today = timezone.localdate()
    current = Campaign.objects.filter(year=2026).first() or campaigns.campaign_copy(
        source=first,
        year=2026,
        title="Baromètre régional du partenariat en santé 2026",
        opens_on=today - timedelta(days=20),
        closes_on=today + timedelta(days=40),
    )
    opening = timezone.make_aware(datetime.combine(current.opens_on, time(9)))
    campaigns.campaign_schedule_rounds(
        campaign=current,
        moments=[
            opening,
            opening + timedelta(days=14),
            opening + timedelta(days=28),
            opening + timedelta(days=42),
        ],
    )
    campaigns.campaign_set_status(campaign=current, status=CampaignStatus.OPEN)
    publics = list(PUBLIC_WEIGHTS)
    rows = [
        ContactRow(
            line=n + 2,
            email=f"contact{n}@exemple.fr",
            name=f"Contact {n}",
            public=rng.choices(publics, weights=list(PUBLIC_WEIGHTS.values()))[0],
        )
        for n in range(size * 2)
    ]
    invitations.invitations_import(campaign=current, rows=rows, errors=[])
    # The invitation and the first reminder went out: sent for real, to an in-memory mailbox.
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        BAROMETER_EMAILS_PER_MINUTE=0,
    ):
        for sending_round in current.rounds.filter(scheduled_at__lte=timezone.now()).order_by("number"):
            if sending_round.number == 1:
                invited = list(Invitation.objects.filter(campaign=current).order_by("pk"))
                responders = rng.sample(invited, min(size // 4, len(invited)))
                _responses(rng, current, len(responders), current.opens_on, today, 10_000, invited=responders)
            sending.send_round(round_id=sending_round.pk)
            # Sent on the day it was planned (the demo builds this history at once): the reminders
            # then find who was invited before them, as they would have.
            Delivery.objects.filter(invitation__campaign=current, round=sending_round.number).update(
                claimed_at=sending_round.scheduled_at, sent_at=sending_round.scheduled_at
            )
    _responses(rng, current, size // 10, current.opens_on, today, 20_000)
    _event_survey(ctx)
    ctx.log(
        f"Baromètre : 2023 publié ({count_2023} réponses), 2026 ouvert "
        f"({current.invitations.count()} invitations, "
        f"{current.invitations.filter(has_responded=True).count()} ont répondu)"
    )


# --- The satisfaction questionnaire of the JRPS 2023 (barometer/event_surveys.py) ------------------------

SURVEY_TEXTS = {
    "manque": [
        "Plus de temps pour échanger entre les ateliers.",
        "Une salle plus grande pour l'atelier du matin : nous étions serrés.",
        "Des témoignages de proches-aidants.",
    ],
    "suggestions": [
        "Refaire les pitchs de projets, c'était très inspirant.",
        "Proposer une visioconférence pour celles et ceux qui ne peuvent pas se déplacer.",
        "Prévoir un temps de rencontre en binômes patient-professionnel.",
        "Envoyer les supports avant la journée.",
    ],
}


def _survey_values(rng, questions) -> dict[int, Value]:
    values: dict[int, Value] = {}
    for question in questions:
        if question.is_conditional and question.pk not in visible_ids(questions, values):
            continue
        choices = [c.value for c in question.choices.all()]
        if question.type == QuestionType.LIKERT:
            # Most people were satisfied; a few were not (they are asked what they missed).
            values[question.pk] = Value(choices=(rng.choices(choices, weights=[1, 2, 9, 8])[0],))
        elif question.type == QuestionType.MULTIPLE:
            picked = [c for c in choices if rng.random() < 0.45] or [rng.choice(choices)]
            values[question.pk] = Value(choices=tuple(picked))
        elif question.type == QuestionType.YES_NO:
            values[question.pk] = Value(choices=("oui" if rng.random() < 0.9 else "non",))
        elif question.code in SURVEY_TEXTS and (question.is_conditional or rng.random() < 0.4):
            values[question.pk] = Value(text=rng.choice(SURVEY_TEXTS[question.code]))
    return values


def _event_survey(ctx) -> None:
    """The JRPS 2023 (actors/events/demo.py) had its questionnaire: its participants were invited,
    about sixty answered (fewer if fewer came), and the results are published on its page."""
    from actors.models import Meeting
    from barometer import event_surveys

    event = Meeting.objects.filter(title__startswith="Journée Régionale du Partenariat en Santé 2023").first()
    if event is None or event_surveys.survey_for(event) is not None:
        return
    rng = ctx.rng
    campaign = event_surveys.survey_create(event=event)  # the event has ended: its participants are invited
    # 2023 predates the platform: the thank-you went out by other means, no round is kept.
    campaigns.campaign_schedule_rounds(campaign=campaign, moments=[])
    questionnaire = campaign.questionnaires.get()
    questions = questions_for(questionnaire)
    invited = list(Invitation.objects.filter(campaign=campaign).order_by("pk"))
    count = min(60, len(invited) * 3 // 4)
    responders = rng.sample(invited, count)
    answering.responses_import(
        questionnaire=questionnaire,
        entries=[
            answering.ImportedResponse(
                values=_survey_values(rng, questions),
                submitted_on=campaign.opens_on + timedelta(days=min(20, int(rng.expovariate(0.3)))),
                invitation=invitation,
            )
            for invitation in responders
        ],
    )
    for status in (CampaignStatus.OPEN, CampaignStatus.CLOSED, CampaignStatus.PUBLISHED):
        event_surveys.survey_set_status(campaign=campaign, status=status)
    ctx.log(
        f"Questionnaire de satisfaction de la JRPS 2023 : {count} réponses sur {len(invited)} invitations"
    )
