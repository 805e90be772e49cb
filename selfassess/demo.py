"""Demo sessions, built through the services: a working group followed over six months, a
« Se situer » binôme in its group step, and a session still collecting individual answers."""

from datetime import timedelta

from django.utils import timezone
from django.utils.text import slugify

from selfassess.enums import Side, Step
from selfassess.models import AssessmentSession, Criterion, Framework
from selfassess.selectors import offered_frameworks
from selfassess.services import (
    joint_rating_save,
    participant_invite,
    rating_save,
    session_close,
    session_close_individual,
    session_create,
    session_update_summary,
)

FIRST_NAMES = [
    "Claire",
    "Mehdi",
    "Sophie",
    "Jean",
    "Nadia",
    "Paul",
    "Inès",
    "Thomas",
    "Lucie",
    "Karim",
    "Anne",
    "Hugo",
]
LAST_NAMES = ["Martin", "Roux", "Garcia", "Fabre", "Blanc", "Vidal", "Mercier", "Faure", "Lopez", "Girard"]

NOTES = [
    "Les usagers découvrent souvent les décisions après coup : prévoir un temps d'échange avant chaque comité.",
    "Accord du groupe : les comptes rendus seront relus par un binôme professionnel – patient partenaire.",
    "Écart important : les professionnels pensent partager l'information, les usagers la jugent trop technique.",
    "Le groupe souhaite un co-pilotage explicite et tournant.",
    "Bonne dynamique ; à maintenir en accueillant les nouveaux membres.",
]


def _clamp(value: float) -> int:
    return max(0, min(4, round(value)))


def _people(ctx, count: int, offset: int) -> list[str]:
    return [
        f"{ctx.rng.choice(FIRST_NAMES)} {LAST_NAMES[(offset + n) % len(LAST_NAMES)]}" for n in range(count)
    ]


def _run_session(
    ctx,
    *,
    facilitator,
    framework: Framework,
    title: str,
    days_ago: int,
    pros: int,
    users: int,
    level: float,
    user_gap: float,
    until: Step,
    group_label: str = "",
    structure=None,
    context: str = "",
    answered: int | None = None,
) -> AssessmentSession:
    session = session_create(
        by=facilitator,
        title=title,
        framework=framework,
        context=context,
        group_label=group_label,
        structure=structure,
        held_on=timezone.localdate() - timedelta(days=days_ago),
    )
    criteria = list(Criterion.objects.filter(framework=framework))
    names = _people(ctx, pros + users, offset=days_ago)
    participants = []
    for index, name in enumerate(names):
        side = Side.PROFESSIONAL if index < pros else Side.USER
        email = f"{slugify(name).replace('-', '.')}.{session.pk}@participants.cops.demo"
        participant, _token = participant_invite(
            session=session, by=facilitator, name=name, email=email, side=side, notify=False
        )
        participants.append(participant)
    respondents = participants if answered is None else participants[:answered]
    for participant in respondents:
        # Users see less co-construction than professionals think they practise: the classic gap.
        bias = -user_gap if participant.side == Side.USER else 0.0
        for position, criterion in enumerate(criteria):
            if answered is not None and position >= len(criteria) // 2 and participant is respondents[-1]:
                break  # the last respondent stopped half-way
            score = _clamp(level + bias + ctx.rng.uniform(-1.0, 1.0) + (position % 3 - 1) * 0.3)
            rating_save(participant=participant, criterion=criterion, score=score)
    if until == Step.INDIVIDUAL:
        return session
    session_close_individual(session=session, by=facilitator)
    if until == Step.GROUP:
        return session
    for criterion in criteria:
        joint_rating_save(
            session=session,
            criterion=criterion,
            score=_clamp(level - user_gap / 2 + ctx.rng.uniform(-0.5, 0.5)),
            note=ctx.rng.choice(NOTES) if ctx.rng.random() < 0.4 else "",
            by=facilitator,
        )
    session_update_summary(
        session=session,
        summary="Le groupe retient trois priorités : associer les usagers dès la préparation des réunions, "
        "clarifier les rôles de chacun et évaluer ensemble le plan d'actions à six mois.",
        by=facilitator,
    )
    session_close(session=session, by=facilitator)
    return session


def seed(ctx) -> None:
    if AssessmentSession.objects.exists():
        ctx.log("Auto-évaluation : séances déjà présentes, rien à ajouter")
        return
    accounts = ctx.shared.get("accounts", {})
    staff = accounts.get("equipe@cops.demo")
    partner = accounts.get("partenaire@cops.demo") or staff
    if staff is None:
        ctx.log("Auto-évaluation : pas de compte de l'équipe, séances non créées")
        return
    frameworks = {framework.slug: framework for framework in offered_frameworks()}
    barometer = frameworks["barometre-relation-partenariat"]
    se_situer = frameworks["se-situer"]
    structures = ctx.shared.get("structures") or []
    structure = structures[0] if structures else None
    group = "Groupe qualité et relations usagers"
    context = "Projet d'établissement : associer les usagers à la démarche qualité."
    _run_session(
        ctx,
        facilitator=staff,
        framework=barometer,
        title="Groupe qualité – point de départ",
        days_ago=200,
        pros=3,
        users=3,
        level=2.0,
        user_gap=1.2,
        until=Step.CLOSED,
        group_label=group,
        structure=structure,
        context=context,
    )
    _run_session(
        ctx,
        facilitator=staff,
        framework=barometer,
        title="Groupe qualité – bilan à six mois",
        days_ago=20,
        pros=3,
        users=3,
        level=2.9,
        user_gap=0.5,
        until=Step.CLOSED,
        group_label=group,
        structure=structure,
        context=context,
    )
    _run_session(
        ctx,
        facilitator=staff,
        framework=se_situer,
        title="Atelier « Se situer » – consultation de diabétologie",
        days_ago=3,
        pros=1,
        users=1,
        level=2.5,
        user_gap=0.8,
        until=Step.GROUP,
        context="Regards croisés d'un binôme soignant – personne en soin après une vidéo de consultation.",
    )
    _run_session(
        ctx,
        facilitator=partner,
        framework=barometer,
        title="Comité des usagers – lancement",
        days_ago=0,
        pros=2,
        users=2,
        level=2.2,
        user_gap=0.9,
        until=Step.INDIVIDUAL,
        answered=3,
        group_label="Comité des usagers",
    )
    for number in range(min(ctx.scale // 100, 30)):
        _run_session(
            ctx,
            facilitator=staff,
            framework=ctx.rng.choice([barometer, se_situer]),
            title=f"Séance de travail n° {number + 1}",
            days_ago=30 + 15 * number,
            pros=ctx.rng.randint(2, 4),
            users=ctx.rng.randint(2, 4),
            level=ctx.rng.uniform(1.2, 3.2),
            user_gap=ctx.rng.uniform(0, 1.4),
            until=Step.CLOSED,
        )
    ctx.log(f"Auto-évaluation : {AssessmentSession.objects.count()} séances")
