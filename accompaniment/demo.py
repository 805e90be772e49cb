"""Demo accompaniments in every phase (and completed ones), and requests in every state.

Everything goes through the services, with dates in the past so that each timeline reads like a
real one: a request, the CoPil's decision, the convention, meetings, findings, the action plan,
measurements, the à chaud evaluation and, months later, the à distance one.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from accompaniment.enums import (
    ActionStatus,
    DecisionOutcome,
    EvaluationKind,
    FindingKind,
    PhaseStatus,
    Side,
    SupportType,
)
from accompaniment.models import Accompaniment, Evaluation, Phase, PhaseTemplate
from accompaniment.services import accompaniments as acc_services
from accompaniment.services import content as content_services
from accompaniment.services import evaluations as evaluation_services
from accompaniment.services import requests as request_services
from actors.enums import MembershipStatus, ModerationStatus
from actors.models import Membership, Structure
from selfassess.models import AssessmentSession

PROJECTS = [
    (SupportType.TRAINING, "Co-rédiger des scénarios de simulation avec des patients partenaires"),
    (SupportType.STRATEGY, "Élaborer le projet des usagers avec les représentants des usagers"),
    (SupportType.PATIENT_PARTNER, "Intégrer un médiateur de santé pair en addictologie"),
    (SupportType.PATIENT_PARTNER, "Accueillir un parent partenaire en consultation d'hôpital de jour"),
    (SupportType.CARE_PATHWAY, "Construire un nouveau parcours de soins de suite avec les usagers"),
    (SupportType.PROJECT, "Associer les résidents au recrutement des nouveaux professionnels"),
    (SupportType.PROJECT, "Boîte à outils du partenariat pour les équipes de soins"),
    (SupportType.STRATEGY, "Inscrire le partenariat en santé dans la stratégie du dispositif"),
    (SupportType.PROJECT, "Guide de l'implication des usagers dans les soins primaires"),
    (SupportType.TRAINING, "Former les tuteurs de stage au partenariat en santé"),
]
FINDINGS = {
    FindingKind.OBSTACLE: [
        "Le manque de disponibilité des équipes pour des temps partagés avec les usagers",
        "Les limites du bénévolat pour les patients partenaires",
        "La valeur ajoutée du partenariat n'est pas encore perçue par toutes les équipes",
        "Des difficultés à recruter des patients partenaires",
    ],
    FindingKind.LEVER: [
        "Une confiance réciproque entre représentants des usagers et direction",
        "Une volonté institutionnelle affirmée dans le projet d'établissement",
        "Des patients partenaires déjà formés dans le territoire",
    ],
    FindingKind.POTENTIAL: [
        "Un groupe d'usagers prêts à s'engager dans la démarche qualité",
        "Des temps de réunion existants qui peuvent devenir partagés",
        "Un réseau régional de partenaires à mobiliser",
    ],
}
ACTIONS = [
    "Associer deux représentants des usagers au comité de pilotage du projet",
    "Co-écrire une fiche de mission pour le patient partenaire",
    "Organiser un atelier « culture partagée » avec les équipes",
    "Mettre en place un temps d'accueil commun usagers et professionnels",
    "Diffuser un retour aux équipes sur les premières actions",
]
INDICATORS = [
    ("Réunions du projet avec au moins un usager", "réunions", Decimal("1"), Decimal("8")),
    ("Part des professionnels sensibilisés au partenariat", "%", Decimal("10"), Decimal("60")),
    ("Patients partenaires engagés", "personnes", Decimal("0"), Decimal("4")),
]
FIRST_NAMES = ["Inès", "Paul", "Jeanne", "Karim", "Léa", "Marc", "Nadia", "Hugo", "Sophie", "Yanis"]
LAST_NAMES = ["Roux", "Martin", "Garcia", "Bernard", "Fabre", "Vidal", "Bonnet", "Mercier", "Blanc", "Durand"]


def seed(ctx) -> None:
    if Accompaniment.objects.exists():
        ctx.log("Accompagnements : déjà présents, rien à ajouter")
        return
    accounts = ctx.shared.get("accounts", {})
    professional = accounts.get("equipe@cops.demo")
    patient_partner = accounts.get("admin@cops.demo")
    copil = accounts.get("copil@cops.demo") or professional
    if professional is None or patient_partner is None:
        ctx.log("Accompagnements : pas de binôme dans les comptes de démonstration, rien créé")
        return
    structures = _structures(ctx)
    if not structures:
        ctx.log("Accompagnements : aucune structure publiée dans l'annuaire, rien créé")
        return
    rng = ctx.rng
    today = timezone.localdate()
    five = PhaseTemplate.objects.get(code="cinq-phases")
    others = list(PhaseTemplate.objects.exclude(pk=five.pk).order_by("position"))
    demo_structure = ctx.shared.get("demo_structure")

    # Every phase of the five-phase model, plus completed ones, plus the other templates.
    plan: list[tuple[PhaseTemplate, int]] = [(five, phases) for phases in (0, 1, 2, 3, 4, 5)]
    plan += [(template, rng.randint(1, 3)) for template in others]
    extra = min(40, ctx.scale // 60)
    plan += [(rng.choice([five, five, *others]), rng.randint(0, 5)) for _ in range(extra)]
    created = 0
    for index, (template, closed) in enumerate(plan):
        closed = min(closed, template.definitions.count())
        if index == 2 and demo_structure is not None:
            structure = demo_structure  # the demo partner's own accompaniment, in its third phase
        else:
            structure = structures[index % len(structures)]
        support_type, title = _project_for(template, index)
        _accompaniment(
            ctx,
            structure=structure,
            template=template,
            closed=closed,
            title=title,
            support_type=support_type,
            leads=(professional, patient_partner),
            copil=copil,
            today=today,
        )
        created += 1

    requests = _requests_in_every_state(ctx, structures, demo_structure, copil, today)
    _attach_assessments(ctx)
    ctx.log(
        f"Accompagnements : {created} accompagnements, {requests} demandes d'appui en attente ou refusées"
    )


def _project_for(template: PhaseTemplate, index: int) -> tuple[str, str]:
    """A title that fits the template: patient partner integrations for that model, and so on."""
    wanted = {
        "integration-patient-partenaire": [SupportType.PATIENT_PARTNER],
        "appui-projet": [SupportType.PROJECT, SupportType.CARE_PATHWAY],
    }.get(template.code)
    candidates = [p for p in PROJECTS if wanted is None or p[0] in wanted]
    return candidates[index % len(candidates)]


def _structures(ctx) -> list[Structure]:
    structures = [s for s in ctx.shared.get("structures") or [] if s.status == ModerationStatus.PUBLISHED]
    if not structures:
        structures = list(Structure.objects.filter(status=ModerationStatus.PUBLISHED).order_by("pk")[:40])
    return structures[:40]


def _requester(structure: Structure, fallback):
    """A référent of the structure if it has one with an account, else the staff on its behalf."""
    membership = (
        Membership.objects.filter(
            structure=structure,
            is_referent=True,
            status=MembershipStatus.ACCEPTED,
            person__user__isnull=False,
        )
        .select_related("person__user")
        .first()
    )
    return membership.person.user if membership else fallback


def _submit(structure, by, title, support_type, submitted_at):
    support_request = request_services.support_request_submit(
        structure=structure,
        by=by,
        support_type=support_type,
        title=title,
        context=f"{structure.name} souhaite développer le partenariat en santé avec ses usagers.",
        expected_outcome="Une démarche partenariale durable, portée ensemble par les usagers et les professionnels.",
        contact_name=by.get_full_name() or by.email,
        contact_email=by.email,
    )
    support_request.submitted_at = submitted_at
    support_request.save(update_fields=["submitted_at"])
    return support_request


def _accompaniment(ctx, *, structure, template, closed, title, support_type, leads, copil, today):
    rng = ctx.rng
    phase_count = template.definitions.count()
    # Old enough for each of its phases to have lasted a month or two.
    span = 45 * max(closed, 1) + rng.randint(10, 30)
    start = today - timedelta(days=span)
    requester = _requester(structure, leads[0])
    support_request = _submit(structure, requester, title, support_type, _at(start - timedelta(days=40)))
    request_services.support_request_decide(
        support_request=support_request,
        outcome=DecisionOutcome.ACCEPTED,
        reason="",
        decided_on=start - timedelta(days=20),
        by=copil,
    )
    accompaniment = acc_services.accompaniment_open(
        structure=structure,
        title=title,
        support_type=support_type,
        template=template,
        professional_lead=leads[0],
        patient_partner_lead=leads[1],
        context=support_request.context,
        expected_outcome=support_request.expected_outcome,
        request=support_request,
        started_on=start,
        by=leads[0],
    )
    acc_services.convention_update(
        accompaniment=accompaniment,
        start=start,
        end=start + timedelta(days=365),
        planned_interventions=rng.choice([4, 6, 8, 10]),
        signed_on=None,
        by=leads[0],
    )
    participants = []
    for i in range(rng.randint(3, 6)):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        participants.append(
            acc_services.participant_add(
                accompaniment=accompaniment,
                first_name=first,
                last_name=last,
                email=f"{first.lower()}.{last.lower()}.{accompaniment.pk}.{i}@exemple.fr".replace("é", "e")
                .replace("è", "e")
                .replace("ï", "i"),
                side=Side.USER if i % 2 == 0 else Side.PROFESSIONAL,
                function=rng.choice(
                    [
                        "Représentant des usagers",
                        "Cadre de santé",
                        "Patient partenaire",
                        "Infirmière",
                        "Médecin",
                    ]
                ),
            )
        )
    # Each closed phase lasts until the next boundary; the current one started at the last boundary.
    boundaries = sorted(rng.sample(range(10, span - 5), k=min(closed, max(span - 15, 1))))
    for k in range(closed):
        _fill(ctx, accompaniment, participants, leads[0], today)
        ended_on = start + timedelta(days=boundaries[k]) if k < phase_count - 1 else today
        phase = accompaniment.current_phase
        ended_on = max(ended_on, phase.started_on)
        acc_services.phase_close(accompaniment=accompaniment, by=leads[0], ended_on=min(ended_on, today))
    _progress_actions(ctx, accompaniment, leads[0], today)
    if accompaniment.current_phase is not None:
        _partial(ctx, accompaniment, participants, leads[0], today)
    return accompaniment


def _progress_actions(ctx, accompaniment, by, today):
    """Most actions past their due date were done; a few stay late (the board flags them)."""
    completed = accompaniment.current_phase_id is None
    for action in accompaniment.actions.filter(due_on__lt=today):
        if completed or ctx.rng.random() < 0.75:
            content_services.action_set_status(action=action, status=ActionStatus.DONE, by=by)


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def _fill(ctx, accompaniment, participants, by, today):
    """Add what the current phase requires, dated within it."""
    rng = ctx.rng
    phase = Phase.objects.select_related("definition").get(pk=accompaniment.current_phase_id)
    day = phase.started_on
    for code in phase.definition.requirements:
        if code == "meeting":
            content_services.meeting_add(
                accompaniment=accompaniment,
                held_on=day,
                title=f"Rencontre : {phase.short_name.lower()}",
                notes="Tour de table usagers et professionnels, relevé des décisions prises ensemble.",
                # The team's own notes: shown to the staff, never to the structure (no rng draw,
                # so the rest of the demo stays the same).
                internal_notes="Pour l'équipe : prévoir un temps d'échange avec la direction avant la prochaine rencontre.",
                participants=rng.sample(participants, k=min(3, len(participants))),
                by=by,
            )
        elif code == "finding":
            for kind in FindingKind.values:
                content_services.finding_add(
                    accompaniment=accompaniment, kind=kind, text=rng.choice(FINDINGS[kind]), by=by
                )
        elif code == "action":
            for title in rng.sample(ACTIONS, k=3):
                content_services.action_add(
                    accompaniment=accompaniment,
                    title=title,
                    owner=rng.choice(participants),
                    due_on=day + timedelta(days=rng.randint(20, 120)),
                    by=by,
                )
        elif code == "indicator":
            for name, unit, baseline, target in rng.sample(INDICATORS, k=2):
                content_services.indicator_add(
                    accompaniment=accompaniment, name=name, unit=unit, baseline=baseline, target=target, by=by
                )
        elif code == "action_started":
            for action in accompaniment.actions.all()[:2]:
                content_services.action_set_status(action=action, status=ActionStatus.IN_PROGRESS, by=by)
        elif code == "measurement":
            _measure(ctx, accompaniment, day, by)
        elif code == "participant" or code == "user_side_participant":
            continue  # the participants are already there, on both sides
        elif code == "hot_evaluation_sent":
            _send_hot(accompaniment, phase, by, today)
        elif code == "hot_evaluation_answered":
            if not accompaniment.evaluations.filter(
                kind=EvaluationKind.HOT, launched_at__isnull=False
            ).exists():
                _send_hot(accompaniment, phase, by, today)
            _answer(ctx, accompaniment.evaluations.get(kind=EvaluationKind.HOT))
        elif code == "impact_evaluation_answered":
            evaluation = accompaniment.evaluations.get(kind=EvaluationKind.IMPACT)
            evaluation_services.evaluation_launch(evaluation_id=evaluation.pk)
            _answer(ctx, evaluation)


def _send_hot(accompaniment, phase, by, today):
    evaluation = evaluation_services.evaluation_send_hot(accompaniment=accompaniment, by=by)
    # Dated as if sent when the phase began; past invitations get no reminder from the demo.
    sent = _at(phase.started_on)
    answer_by = phase.started_on + timedelta(days=evaluation_services.ANSWER_DAYS)
    Evaluation.objects.filter(pk=evaluation.pk).update(launched_at=sent, answer_by=answer_by)
    evaluation.invitations.update(
        sent_at=sent, next_reminder_at=None if answer_by < today else F("next_reminder_at")
    )


def _measure(ctx, accompaniment, day, by):
    today = timezone.localdate()
    for indicator in accompaniment.indicators.all():
        steps = ctx.rng.randint(2, 4)
        for step in range(1, steps + 1):
            measured_on = min(day + timedelta(days=12 * step), today)
            if indicator.measurements.filter(measured_on=measured_on).exists():
                continue
            progress = (indicator.target - indicator.baseline) * Decimal(step) / Decimal(steps + 1)
            content_services.measurement_add(
                accompaniment=accompaniment,
                indicator=indicator,
                measured_on=measured_on,
                value=(indicator.baseline + progress).quantize(Decimal("1")),
                by=by,
            )


def _answer(ctx, evaluation: Evaluation):
    rng = ctx.rng
    invitations = list(evaluation.invitations.filter(answered_at__isnull=True))
    for invitation in invitations[: max(1, len(invitations) * 2 // 3)]:
        answers = {
            q["code"]: (
                rng.choice([3, 4, 4, 5, 5])
                if q["type"] == "echelle"
                else rng.choice(["", "Des temps d'échange vraiment partagés."])
            )
            for q in evaluation.questions
        }
        evaluation_services.evaluation_answer(invitation=invitation, answers=answers)


def _partial(ctx, accompaniment, participants, by, today):
    """The phase in progress has begun its work, without all of it (the checklist shows what remains)."""
    phase = Phase.objects.select_related("definition").get(pk=accompaniment.current_phase_id)
    code = phase.definition.code
    if "meeting" in phase.definition.requirements:
        content_services.meeting_add(
            accompaniment=accompaniment,
            held_on=phase.started_on,
            title=f"Lancement : {phase.short_name.lower()}",
            notes="Présentation de la phase et des attentes de chacun.",
            participants=participants[:2],
            by=by,
        )
    if code in ("retour-experience", "analyse-contexte", "diagnostic"):
        content_services.finding_add(
            accompaniment=accompaniment,
            kind=FindingKind.OBSTACLE,
            text=ctx.rng.choice(FINDINGS[FindingKind.OBSTACLE]),
            by=by,
        )
    if phase.status == PhaseStatus.CURRENT and accompaniment.actions.exists() and ctx.rng.random() < 0.5:
        # An action past its due date shows how the board flags overdue work.
        action = accompaniment.actions.order_by("due_on").first()
        action.due_on = max(phase.started_on, today - timedelta(days=5))
        action.save(update_fields=["due_on"])


def _requests_in_every_state(ctx, structures, demo_structure, copil, today) -> int:
    """Waiting, more information asked, completed and waiting again, declined: the CoPil's queue."""
    fallback = ctx.shared.get("accounts", {}).get("equipe@cops.demo")
    pool = [demo_structure] if demo_structure is not None else []
    pool += structures[-6:]
    titles = [
        ("Former un binôme d'animateurs au partenariat", SupportType.TRAINING, None),
        ("Créer un comité des usagers du service", SupportType.PROJECT, DecisionOutcome.MORE_INFO),
        ("Intégrer un patient partenaire au comité d'éthique", SupportType.PATIENT_PARTNER, "completed"),
        ("Financer un poste de patient partenaire", SupportType.OTHER, DecisionOutcome.DECLINED),
        ("Évaluer notre démarche d'éducation thérapeutique", SupportType.PROJECT, None),
    ]
    for index, (title, support_type, outcome) in enumerate(titles):
        structure = pool[index % len(pool)]
        by = _requester(structure, fallback)
        support_request = _submit(
            structure, by, title, support_type, _at(today - timedelta(days=20 - index * 3))
        )
        if outcome is None:
            continue
        decision = DecisionOutcome.MORE_INFO if outcome == "completed" else outcome
        request_services.support_request_decide(
            support_request=support_request,
            outcome=decision,
            reason={
                DecisionOutcome.MORE_INFO: "Pouvez-vous préciser qui, parmi les usagers, portera le projet avec vous ?",
                DecisionOutcome.DECLINED: "Le COPS n'intervient pas dans le financement de postes ; "
                "nous pouvons en revanche vous aider à construire la mission avec les usagers.",
            }[decision],
            decided_on=today - timedelta(days=5),
            by=copil,
        )
        if outcome == "completed":
            request_services.support_request_complete(
                support_request=support_request,
                text="Deux représentants des usagers et une patiente partenaire formatrice sont volontaires.",
                by=by,
            )
    return len(titles)


def _attach_assessments(ctx) -> None:
    """Link the self-assessment sessions of a structure, start and end, to its accompaniment."""
    for accompaniment in Accompaniment.objects.order_by("pk"):
        sessions = list(
            AssessmentSession.objects.filter(structure=accompaniment.structure).order_by("held_on", "pk")
        )
        pairs = [
            (a, b)
            for a in sessions
            for b in sessions
            if a.held_on < b.held_on and a.framework_id == b.framework_id
        ]
        if pairs:
            start, end = pairs[0][0], pairs[-1][1]
            acc_services.accompaniment_attach_assessments(
                accompaniment=accompaniment, start=start, end=end, by=accompaniment.professional_lead
            )
            return
