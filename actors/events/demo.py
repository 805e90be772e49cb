"""Demo events: the regional day JRPS 2023 as it happened (seed 002: its programme, its pitches,
its four workshops, its participants), and the coming gatherings of the community — workshops,
a practice-analysis group, a webinar, a training and the next regional day — with registrations
and a full workshop's waiting list. Run by actors/demo.py once the directory has its projects."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.text import slugify

from actors.charter_enums import EventAudience, EventKind, MeetingStatus, RegistrationStatus
from actors.enums import ModerationStatus
from actors.events import services as event_services
from actors.models import Commune, Departement, Meeting, MeetingParticipant, Person
from actors.models.events import EventContributor, EventSession, SessionRegistration

PARIS = ZoneInfo("Europe/Paris")

JRPS_2023_PROGRAMME = [
    # (start, end, title, track, room, capacity, speakers)
    ("09:00", "09:30", "Accueil et ouverture de la journée", "", "Amphithéâtre", None, "COPS Occitanie, ARS Occitanie"),
    ("09:30", "11:00", "Les Pitchs Projets : 10 projets en 180 secondes", "", "Amphithéâtre", None, ""),
    ("11:15", "13:00", "Atelier A — Vivre une expérience collaborative", "A", "Salle 1", 25, ""),
    ("11:15", "13:00", "Atelier B — Les proches-aidants, parties prenantes du Partenariat en Santé", "B", "Salle 2", 25, ""),
    ("11:15", "13:00", "Atelier C — Fais décoller ton idée", "C", "Salle 3", 25, ""),
    ("11:15", "13:00", "Atelier D — S'auto-évaluer pour valoriser les pratiques", "D", "Salle 4", 25, ""),
    ("14:00", "15:30", "Les Expériences Inspirantes", "", "Amphithéâtre", None,
     "Croisement des Savoirs et des Pratiques (ATD Quart Monde) ; Clinique du Dr Ster et CHU de Montpellier"),
    ("15:45", "16:30", "Regards croisés et conclusion", "", "Amphithéâtre", None, ""),
]  # fmt: skip

COMING = [
    # (days from today, kind, title, commune INSEE, hours, capacity, audience, summary)
    (12, EventKind.WORKSHOP, "Atelier d'échanges de pratiques : accueillir un patient partenaire dans une équipe",
     "31555", (14, 17), 12, EventAudience.ALL,
     "Trois heures pour partager ce qui marche (et ce qui coince) quand une équipe accueille un patient partenaire."),
    (19, EventKind.WEBINAR, "Webinaire : signer la charte d'engagement, et après ?", "", (12, 13), None,
     EventAudience.STRUCTURES,
     "Une heure en ligne pour les structures signataires : ce que la charte engage, avec des exemples concrets."),
    (26, EventKind.PRACTICE_ANALYSIS, "Groupe d'analyse de pratiques des patients partenaires", "34172", (18, 20), 10,
     EventAudience.PATIENTS,
     "Un temps entre pairs, animé par le COPS, pour prendre du recul sur ses interventions."),
    (40, EventKind.TRAINING, "Formation : co-animer une séance d'éducation thérapeutique en binôme", "30189", (9, 17),
     16, EventAudience.ALL,
     "Une journée de formation pour un binôme patient partenaire et professionnel de santé."),
    (54, EventKind.WORKSHOP, "Atelier d'échanges de pratiques : le partenariat en santé mentale", "11069", (14, 17), 20,
     EventAudience.ALL,
     "Proches-aidants, usagers et soignants de la santé mentale partagent leurs façons de travailler ensemble."),
]  # fmt: skip


def _at(day: date, clock: str) -> datetime:
    hour, minute = (int(part) for part in clock.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def _event(
    *, kind, title, starts_at, ends_at, staff, commune=None, location="", visio_url="", **fields
) -> Meeting:
    slug = slugify(f"{title[:80]}-{starts_at:%Y-%m-%d}")
    event = Meeting.objects.create(
        kind=kind,
        title=title,
        slug=slug,
        starts_at=starts_at,
        ends_at=ends_at,
        commune=commune,
        location=location or (commune.name if commune else ""),
        visio_url=visio_url,
        is_public=True,
        created_by=staff,
        **fields,
    )
    if commune is not None:
        event.territories.add(commune.departement_id)
    return event


def _jrps_2023(ctx, staff) -> Meeting:
    day = date(2023, 5, 25)
    montpellier = Commune.objects.get(insee_code="34172")
    event = _event(
        kind=EventKind.REGIONAL_DAY,
        title="Journée Régionale du Partenariat en Santé 2023 (JRPS 2023)",
        starts_at=_at(day, "09:00"),
        ends_at=_at(day, "16:30"),
        staff=staff,
        commune=montpellier,
        location="Montpellier",
        status=MeetingStatus.HELD,
        audience=EventAudience.ALL,
        summary=(
            "La 2e journée régionale du partenariat en santé : dix projets pitchés en 180 secondes, quatre "
            "ateliers collaboratifs, des expériences inspirantes et les premiers résultats du baromètre."
        ),
        description=(
            "Réfléchir et agir ensemble, patients, proches-aidants, personnes accompagnées, représentants des "
            "usagers, associations, professionnels de la santé, managers, institutionnels : c'est possible et "
            "pertinent. La journée a réuni les acteurs du partenariat en santé d'Occitanie autour de leurs projets."
        ),
        accessibility="Salles accessibles en fauteuil roulant ; boucle magnétique dans l'amphithéâtre.",
        capacity=400,
    )
    event.territories.set(Departement.objects.all())
    sessions = [
        EventSession(
            event=event, title=title, starts_at=_at(day, start), ends_at=_at(day, end), track=track,
            room=room, capacity=capacity, speakers=speakers,
        )
        for start, end, title, track, room, capacity, speakers in JRPS_2023_PROGRAMME
    ]  # fmt: skip
    EventSession.objects.bulk_create(sessions)
    # The ten pitched projects (directory/demo.py made them) were presented there.
    from directory.demo import JRPS_TITLES
    from directory.models import Project

    for project in Project.objects.filter(title__in=JRPS_TITLES):
        project.events.add(event)
    for project in Project.objects.filter(title__in=JRPS_TITLES).select_related("main_structure")[:10]:
        EventContributor.objects.create(
            event=event, structure=project.main_structure, role="intervenant", detail=project.title[:200]
        )
    # Its participants, present that day (the seeds' « 4 ateliers, 400 participants » at full scale).
    count = min(180, max(40, ctx.scale // 60))
    arrived = _at(day, "08:45")
    workshops = [session for session in sessions if session.track]
    participants = MeetingParticipant.objects.bulk_create(
        MeetingParticipant(
            meeting=event,
            name=f"Participant·e {number + 1}",
            email=f"jrps2023.participant{number + 1}@exemple.fr",
            status=RegistrationStatus.CONFIRMED,
            registered_at=arrived - timedelta(days=30, minutes=number),
            email_verified_at=arrived - timedelta(days=30),
            checked_in_at=arrived + timedelta(seconds=number * 20),
            attendance="present",
        )
        for number in range(count)
    )
    SessionRegistration.objects.bulk_create(
        SessionRegistration(
            session=workshops[number % len(workshops)],
            participant=participant,
            registered_at=participant.registered_at,
        )
        for number, participant in enumerate(participants[: 25 * len(workshops)])
    )
    return event


def _registrants(ctx) -> list[Person]:
    persons = [
        person for person in ctx.shared.get("persons", []) if person.status == ModerationStatus.PUBLISHED
    ]
    return [person for person in persons if person.email][:60]


def seed_events(ctx) -> None:
    staff = ctx.shared["accounts"]["equipe@cops.demo"]
    jrps = _jrps_2023(ctx, staff)
    today = timezone.localdate()
    people = _registrants(ctx)
    rng = ctx.rng
    coming = []
    for days, kind, title, insee, (start, end), capacity, audience, summary in COMING:
        day = today + timedelta(days=days)
        commune = Commune.objects.get(insee_code=insee) if insee else None
        event = _event(
            kind=kind,
            title=title,
            starts_at=datetime.combine(day, time(start), tzinfo=PARIS),
            ends_at=datetime.combine(day, time(end), tzinfo=PARIS),
            staff=staff,
            commune=commune,
            visio_url="" if commune else "https://visio.exemple.fr/cops-webinaire",
            location="" if commune else "",
            audience=audience,
            summary=summary,
            description=(
                "Gratuit, sur inscription. Chaque personne inscrite reçoit une confirmation par courriel "
                "et peut modifier ou annuler son inscription depuis le lien qu'il contient."
            ),
            capacity=capacity,
            registration_open=True,
            registration_closes_at=datetime.combine(day - timedelta(days=2), time(23, 59), tzinfo=PARIS),
            accessibility="Lieu accessible en fauteuil roulant." if commune else "Sous-titrage en direct.",
        )
        coming.append(event)
    # The next regional day, with its programme, registrations open.
    next_day = date(today.year + 1, 5, 20)
    toulouse = Commune.objects.get(insee_code="31555")
    next_jrps = _event(
        kind=EventKind.REGIONAL_DAY,
        title=f"Journée Régionale du Partenariat en Santé {next_day.year}",
        starts_at=_at(next_day, "09:00"),
        ends_at=_at(next_day, "16:30"),
        staff=staff,
        commune=toulouse,
        location="Toulouse",
        audience=EventAudience.ALL,
        summary="Pitchs de projets, ateliers d'échanges et résultats du baromètre : la journée de tous les partenaires.",
        description="Le programme détaillé des ateliers sera complété au fil des inscriptions.",
        capacity=400,
        registration_open=True,
        accessibility="Lieu accessible en fauteuil roulant ; interprétation en LSF sur demande.",
    )
    EventSession.objects.bulk_create(
        EventSession(
            event=next_jrps, title=title.replace("2023", str(next_day.year)), starts_at=_at(next_day, start),
            ends_at=_at(next_day, end), track=track, room=room, capacity=capacity, speakers="",
        )
        for start, end, title, track, room, capacity, _speakers in JRPS_2023_PROGRAMME
    )  # fmt: skip
    coming.append(next_jrps)

    # Registrations through the registration engine (as people would): a full workshop with
    # its waiting list, a few places taken elsewhere.
    registered = 0
    for event in coming:
        wanted = {12: 15, 10: 6, 16: 9, 20: 7}.get(event.capacity or 0, 8)
        workshop_ids = list(event.sessions.filter(track="A").values_list("pk", flat=True))
        for person in rng.sample(people, min(wanted, len(people))):
            event_services.register(
                event=event,
                name=f"{person.first_name} {person.last_name}",
                email=person.email,
                user=person.user if person.user_id and person.user.email == person.email else None,
                session_ids=workshop_ids,
            )
            registered += 1
    # Those without an account confirm their address by the emailed link, in arrival order: the
    # engine then gives them a seat or a place on the waiting list.
    unverified = MeetingParticipant.objects.filter(meeting__in=coming, status=RegistrationStatus.UNVERIFIED)
    for participant in unverified.order_by("registered_at", "pk"):
        event_services.confirm_email(token=event_services.personal_token(participant))
    ctx.log(
        f"Agenda : {jrps.title} ({jrps.participants.count()} participants), {len(coming)} événements à venir, "
        f"{registered} inscriptions"
    )
