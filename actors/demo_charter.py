"""Demo data of the charter and the committees: three yearly versions, their signatories,
the CoPil's binômes validated by the CoPart, the CoTec and working groups, and a year and a
half of meetings with attendance, minutes and decisions.

Versions, binômes, validations and meetings go through the services; signatures and meeting
participants use the bulk variants (no emails are sent while seeding).
"""

from datetime import date, datetime, timedelta

from django.utils import timezone

from actors.charter_enums import Attendance, CommitteeKind, DecisionFollowUp, MeetingResponse, MeetingStatus
from actors.enums import ActorKind, MembershipStatus, ModerationStatus, Side
from actors.models import (
    CharterVersion,
    Committee,
    Meeting,
    MeetingParticipant,
    Membership,
    Person,
    Structure,
)
from actors.selectors.committees import committee_invitees
from actors.services import charter as charter_services
from actors.services import committees as committee_services

CHARTER_TEXT = """Préambule. Le Centre Opérationnel du Partenariat en Santé (COPS) rassemble en Occitanie des patients, des proches-aidants, des représentants des usagers et des professionnels des secteurs sanitaire, médico-social et social qui veulent faire vivre le partenariat en santé : « Les savoirs de chacun, le bien-être de tous ».

1. Reconnaître les savoirs de chacun. Les signataires reconnaissent la complémentarité des savoirs expérientiels des patients et des proches-aidants et des savoirs professionnels, et leur égale valeur dans les projets de santé.

2. Co-construire, co-décider, co-mettre en œuvre. Les signataires s'engagent à associer les usagers et les professionnels à chaque étape de leurs projets : l'expression des besoins, la construction des actions, les décisions et leur mise en œuvre, puis leur évaluation.

3. Partager l'information. Les signataires partagent des informations claires et compréhensibles par tous, et veillent à ce que chacun puisse prendre part aux échanges.

4. Faire une place aux patients partenaires. Les structures signataires facilitent l'intégration de patients partenaires dans leurs instances, leurs formations et leurs projets, dans des conditions reconnues et définies ensemble.

5. Diffuser et promouvoir le partenariat en santé. Les signataires font connaître la démarche dans leurs réseaux, partagent leurs expériences et contribuent au baromètre régional du partenariat en santé.

6. Participer à la dynamique régionale. En signant, chacun rejoint le Comité des Partenaires du COPS, qui se réunit deux fois par an, et peut s'engager dans ses groupes de travail.

7. Évaluer ensemble. Les signataires acceptent d'évaluer conjointement leurs actions de partenariat, avec les outils proposés par le COPS, pour les améliorer.

Cette charte est signée pour une année. Chaque signataire peut retirer sa signature à tout moment."""

MEETING_TOPICS = {
    CommitteeKind.COPART: [
        "Bilan de l'année et feuille de route",
        "Restitution du baromètre régional",
        "Validation de la composition du Comité de Pilotage",
    ],
    CommitteeKind.COPIL: [
        "Examen des demandes d'appui",
        "Feuille de route du COPS",
        "Préparation du Comité des Partenaires",
        "Suivi des accompagnements en cours",
    ],
    CommitteeKind.COTEC: ["Organisation des groupes de travail", "Suivi des actions de communication"],
    CommitteeKind.WORKING_GROUP: ["Séance de travail", "Restitution des travaux", "Lancement du groupe"],
}

DECISIONS = [
    "Le groupe de travail Formation rédige une fiche repère sur l'intégration des patients partenaires.",
    "Deux demandes d'appui sont acceptées ; un binôme de l'équipe opérationnelle est désigné pour chacune.",
    "La prochaine journée régionale du partenariat en santé aura lieu à Montpellier.",
    "Le baromètre régional est reconduit avec les cinq questionnaires de l'édition précédente.",
    "Un appel à volontaires est lancé pour renouveler trois binômes du Comité de Pilotage.",
    "La charte d'engagement est diffusée aux fédérations d'établissements de la région.",
    "Un webinaire de présentation des outils d'auto-évaluation est organisé au printemps.",
]

PLACES = [
    "Maison des associations, Toulouse",
    "CHU de Montpellier, salle du conseil",
    "Hôtel de région, Montpellier",
    "IFSI d'Albi, amphithéâtre",
]


def _aware(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))


def seed_charter(ctx) -> None:
    rng = ctx.rng
    staff = ctx.shared.get("accounts", {}).get("equipe@cops.demo")
    if staff is None or CharterVersion.objects.exists():
        return
    today = timezone.localdate()
    years = [today.year - 2, today.year - 1, today.year]
    versions = []
    for year in years:
        version = charter_services.charter_version_save(
            version=None,
            year=year,
            title=f"Charte d'engagement {year}",
            text=CHARTER_TEXT,
            valid_from=date(year, 1, 1),
            valid_until=date(year, 12, 31),
            by=staff,
        )
        # Published before any signature exists, so seeding sends no renewal invitation.
        charter_services.charter_version_publish(version=version, by=staff)
        CharterVersion.objects.filter(pk=version.pk).update(published_at=_aware(date(year, 1, 15), 10))
        versions.append(version)

    persons = list(
        Person.objects.filter(status=ModerationStatus.PUBLISHED).select_related("user").order_by("pk")
    )
    structures = list(Structure.objects.filter(status=ModerationStatus.PUBLISHED).order_by("pk"))
    referent_of = dict(
        Membership.objects.filter(
            structure__in=structures,
            is_referent=True,
            status=MembershipStatus.ACCEPTED,
            person__user__isnull=False,
        ).values_list("structure_id", "person__user_id")
    )
    demo_structure = ctx.shared.get("demo_structure")
    demo_person = ctx.shared.get("demo_person")

    def signer(kind: str, actor) -> tuple[int | None, str]:
        if kind == ActorKind.PERSON:
            return actor.user_id, f"{actor.first_name} {actor.last_name}"
        user_id = referent_of.get(actor.pk)
        return user_id, "Référent(e) de la structure"

    signed: dict[tuple[str, int], bool] = {}
    total = 0
    for index, version in enumerate(versions):
        rows = []
        share_persons, share_structures = 0.18 + 0.04 * index, 0.35 + 0.05 * index
        for kind, actors, share in (
            (ActorKind.PERSON, persons, share_persons),
            (ActorKind.STRUCTURE, structures, share_structures),
        ):
            for actor in actors:
                renewing = signed.get((kind, actor.pk))
                chance = 0.8 if renewing else share
                if demo_person is not None and kind == ActorKind.PERSON and actor.pk == demo_person.pk:
                    continue  # the demo partner signs for themself in the browser
                is_demo_structure = (
                    demo_structure is not None
                    and kind == ActorKind.STRUCTURE
                    and actor.pk == demo_structure.pk
                )
                if is_demo_structure:
                    chance = 1 if version.year < today.year else 0  # left to renew in the demo
                if rng.random() >= chance:
                    signed[(kind, actor.pk)] = False
                    continue
                signed[(kind, actor.pk)] = True
                user_id, name = signer(kind, actor)
                day = date(version.year, 1, 20) + timedelta(days=rng.randint(0, 200))
                signed_at = _aware(min(day, today), rng.randint(8, 18))
                withdrawn = _aware(min(day + timedelta(days=60), today), 11) if rng.random() < 0.03 else None
                rows.append(
                    {
                        "kind": kind,
                        f"{'person' if kind == ActorKind.PERSON else 'structure'}_id": actor.pk,
                        "signed_by_id": user_id,
                        "signer_name": name,
                        "signed_at": signed_at,
                        "withdrawn_at": withdrawn,
                    }
                )
        total += charter_services.signatures_bulk_create(version=version, rows=rows)
    ctx.log(f"Charte : {len(versions)} versions, {total} signatures")
    _seed_committees(ctx, persons, structures, staff, today)


def _seed_committees(ctx, persons, structures, staff, today) -> None:
    rng = ctx.rng
    committees = {c.slug: c for c in Committee.objects.all()}
    copil, copart = committees["copil"], committees["copart"]
    sides: dict[int, set[str]] = {}
    for person_id, side in Person.profiles.through.objects.filter(person__in=persons).values_list(
        "person_id", "actorprofile__side"
    ):
        sides.setdefault(person_id, set()).add(side)
    professionals = [p for p in persons if sides.get(p.pk) == {Side.PROFESSIONAL}]
    partners = [p for p in persons if sides.get(p.pk) == {Side.USER}]
    rng.shuffle(professionals)
    rng.shuffle(partners)
    # The demo CoPil account sits in a binôme (its profile awaits moderation, so it is not in `persons`):
    # it sees the CoPil's meetings, answers their invitations, reads their minutes.
    copil_account = ctx.shared.get("accounts", {}).get("copil@cops.demo")
    copil_person = Person.objects.filter(user=copil_account).first() if copil_account else None
    if copil_person is not None and copil_person not in partners:
        partners.insert(1 if partners else 0, copil_person)
    start, end = date(today.year - 1, 1, 1), date(today.year + 1, 12, 31)
    binome_count = min(13, len(professionals), len(partners))
    for i in range(binome_count):
        committee_services.binome_create(
            committee=copil,
            professional=professionals[i],
            partner=partners[i],
            professional_role="Co-président(e)" if i == 0 else "",
            partner_role="Co-président(e)" if i == 0 else "",
            start_date=start,
            end_date=end,
            by=staff,
        )
    for structure in structures[:2]:
        committee_services.mandate_create(
            committee=copil,
            structure=structure,
            role="Structure invitée",
            start_date=start,
            end_date=end,
            by=staff,
        )
    used = set(p.pk for p in professionals[:binome_count] + partners[:binome_count])
    pool = [p for p in persons if p.pk not in used]
    rng.shuffle(pool)
    cursor = 0
    for committee in committees.values():
        if committee.kind not in (CommitteeKind.COTEC, CommitteeKind.WORKING_GROUP):
            continue
        size = 6 if committee.kind == CommitteeKind.COTEC else rng.randint(4, 8)
        for person in pool[cursor : cursor + size]:
            side = next(iter(sides.get(person.pk, {""})))
            committee_services.mandate_create(
                committee=committee,
                person=person,
                side=side if side in Side.values else "",
                start_date=date(today.year - 1, rng.choice([1, 3, 9]), 1),
                end_date=None,
                by=staff,
            )
        cursor += size

    meetings = _seed_meetings(ctx, committees, staff, today)
    first_copart = next(
        (m for m in meetings if m.committee_id == copart.pk and m.status == MeetingStatus.HELD), None
    )
    if first_copart is not None:
        pending = list(copil.mandates.filter(validation__isnull=True))
        committee_services.composition_validate(
            committee=copil,
            meeting=first_copart,
            validated_on=timezone.localtime(first_copart.starts_at).date(),
            mandates=pending,
            note="Composition présentée et validée à l'unanimité des présents.",
            by=staff,
        )
    ctx.log(f"Instances : {binome_count} binômes au CoPil, {len(meetings)} réunions")


def _seed_meetings(ctx, committees, staff, today) -> list[Meeting]:
    rng = ctx.rng
    now = timezone.now()
    plan = []
    for committee in committees.values():
        per_year = committee.meetings_per_year or (3 if committee.kind == CommitteeKind.COTEC else 2)
        for year in (today.year - 1, today.year):
            for k in range(per_year):
                month = 1 + int((k + 0.5) * 12 / per_year)
                plan.append((committee, date(year, min(month, 12), rng.randint(3, 26))))
    # And what comes next: the CoPart and the CoPil meet again in the coming weeks.
    for slug, weeks in (("copart", 3), ("copil", 6)):
        plan.append((committees[slug], today + timedelta(weeks=weeks)))
    meetings = []
    for committee, day in sorted(plan, key=lambda item: item[1]):
        topics = MEETING_TOPICS[committee.kind]
        visio = rng.random() < 0.4
        starts_at = _aware(day, rng.choice([9, 14, 17]))
        meeting = committee_services.meeting_create(
            committee=committee,
            title=f"{committee.short_name} — {rng.choice(topics)}",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2, minutes=30),
            location="" if visio else rng.choice(PLACES),
            visio_url="https://visio.cops-occitanie.fr/salle-partenariat" if visio else "",
            agenda="1. Accueil et tour de table\n2. "
            + "\n3. ".join(rng.sample(topics, k=min(2, len(topics))))
            + "\n4. Questions diverses",
            by=staff,
        )
        invitees = committee_invitees(committee, day)
        if committee.kind == CommitteeKind.COPART:
            invitees = invitees[:60]
        past = meeting.starts_at < now
        participants = [
            MeetingParticipant(
                meeting=meeting,
                email=invitee.email,
                name=invitee.name,
                user_id=invitee.user_id,
                person_id=invitee.person_id,
                invitation_sent_at=meeting.starts_at - timedelta(days=21),
                attendance=(
                    rng.choices(
                        [Attendance.PRESENT, Attendance.EXCUSED, Attendance.ABSENT], weights=[7, 2, 1]
                    )[0]
                    if past
                    else Attendance.UNKNOWN
                ),
            )
            for invitee in invitees
        ]
        MeetingParticipant.objects.bulk_create(participants, ignore_conflicts=True)
        if past:
            # The latest minutes are still being approved; the older ones are published.
            approved = meeting.starts_at < now - timedelta(days=14)
            committee_services.meeting_record_minutes(
                meeting=meeting,
                minutes="Les participants ont échangé sur les points de l'ordre du jour. "
                "Les supports présentés sont disponibles auprès de l'équipe du COPS.\n\n"
                "Tour de table : chaque binôme a présenté l'avancement de ses actions ; les échanges "
                "détaillés et les noms des intervenants figurent dans ce compte rendu réservé aux membres.",
                public_minutes=f"Le {committee.name} s'est réuni autour de : {meeting.title.split(' — ')[-1]}. "
                "Les décisions prises figurent ci-dessous et dans le registre des décisions.",
                approved=approved,
                decisions=rng.sample(DECISIONS, k=rng.randint(1, 3)),
                by=staff,
            )
            for decision in meeting.decisions.all():
                follow_up = rng.choice(FOLLOW_UPS)
                if follow_up != DecisionFollowUp.TO_DO:
                    committee_services.decision_follow_up_update(
                        decision=decision, follow_up=follow_up, note=FOLLOW_UP_NOTES[follow_up], by=staff
                    )
            meeting.refresh_from_db()
        else:
            _seed_answers(rng, meeting, keep_unanswered=ctx.shared.get("accounts", {}).get("copil@cops.demo"))
        meetings.append(meeting)
    return meetings


FOLLOW_UPS = [
    DecisionFollowUp.TO_DO,
    DecisionFollowUp.IN_PROGRESS,
    DecisionFollowUp.IN_PROGRESS,
    DecisionFollowUp.DONE,
    DecisionFollowUp.DONE,
    DecisionFollowUp.DROPPED,
]
FOLLOW_UP_NOTES = {
    DecisionFollowUp.IN_PROGRESS: "Un groupe de travail s'en charge ; point d'étape à la prochaine réunion.",
    DecisionFollowUp.DONE: "Le bilan de la mise en œuvre est disponible auprès de l'équipe.",
    DecisionFollowUp.DROPPED: "Faute de moyens cette année ; la question reviendra au CoPart.",
}


def _seed_answers(rng, meeting: Meeting, keep_unanswered=None) -> None:
    """Coming meetings: most invitees have answered (the demo CoPil account has not, to try it)."""
    answers = [MeetingResponse.COMING] * 5 + [MeetingResponse.EXCUSED, MeetingResponse.NOT_COMING]
    for participant in meeting.participants.all():
        if keep_unanswered is not None and participant.user_id == keep_unanswered.pk:
            continue
        if rng.random() < 0.7:
            committee_services.meeting_respond(participant=participant, response=rng.choice(answers))
