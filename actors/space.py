"""The charter and the committees in Mon espace: invitations to answer, signatures to renew,
the person's signatures, mandates and meetings (cops/space.py); and the person's registrations to
the community's events (« Mes événements »)."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from actors.charter_enums import EventKind, MeetingResponse, MeetingStatus, RegistrationStatus
from actors.enums import ActorKind
from actors.events.certificates import refusal_reason as certificate_refusal
from actors.events.services import personal_token
from actors.models import EventContributor, Mandate, MeetingParticipant, Person, Signature
from actors.models.newsletter import SubscriptionStatus
from actors.newsletter.subscriptions import subscription_of_user
from actors.selectors.charter import (
    charter_current_version,
    charter_version_is_open,
    structures_represented_by,
)
from cops.space import (
    Answer,
    Badge,
    SpaceItem,
    SpaceLink,
    SpaceSection,
    Waiting,
    format_day,
    optional_url,
    remembered_for_page,
)
from cops.tokens import hash_token

# What the hooks below read (cops/space.py keeps their result per version of these tables).
SPACE_MODELS = (
    "actors.CharterVersion",
    "actors.Signature",
    "actors.Person",
    "actors.Structure",
    "actors.Membership",
    "actors.Committee",
    "actors.Mandate",
    "actors.Meeting",
    "actors.MeetingParticipant",
    "actors.Commune",
    "actors.EventContributor",
    "actors.NewsletterSubscription",
    "actors.NewsletterSubscription_topics",
    "actors.NewsletterTopic",
)

UPCOMING_SHOWN = 10
PAST_SHOWN = 5
RESPONSE_TONES = {
    MeetingResponse.NONE: "warning",
    MeetingResponse.COMING: "ok",
    MeetingResponse.EXCUSED: "neutral",
    MeetingResponse.NOT_COMING: "neutral",
}


def _meeting_when(meeting) -> str:
    start = timezone.localtime(meeting.starts_at)
    return _("%(day)s à %(hour)s") % {"day": format_day(start), "hour": date_format(start, r"G \h i")}


def _charter(user) -> dict:
    """The current version and the standing signatures of the person and of their structures."""
    return remembered_for_page(("actors.charter", user.pk), lambda: _charter_of(user))


def _charter_of(user) -> dict:
    structure_ids = [structure.pk for structure in structures_represented_by(user)]
    signatures = list(
        Signature.objects.filter(withdrawn_at__isnull=True)
        # The person's ids as a list, not a join: an OR across a join read every signature (26,000
        # at full scale, 110 ms); on the signature's own columns it is two index lookups.
        .filter(
            Q(person_id__in=list(Person.objects.filter(user=user).values_list("pk", flat=True)))
            | Q(structure_id__in=structure_ids)
        )
        .select_related("version", "person", "structure")
        .order_by("-version__year", "kind", "pk")
    )
    return {"version": charter_current_version(), "signatures": signatures}


def _to_renew(charter: dict) -> list[Signature]:
    """Signatories whose latest standing signature is for an older version than the current one."""
    version = charter["version"]
    if version is None or not charter_version_is_open(version):
        return []
    latest: dict[tuple[str, int], Signature] = {}
    for signature in charter["signatures"]:  # newest version first
        latest.setdefault((signature.kind, signature.person_id or signature.structure_id), signature)
    return [signature for signature in latest.values() if signature.version.year < version.year]


# --- What waits ----------------------------------------------------------------------------------


def space_waiting(user) -> list[Waiting]:
    waiting = []
    respond_url_name = "charter:meeting_respond"
    invitations, registrations = _participations(user, invitations_only=True)
    answers = [
        Answer(str(MeetingResponse.COMING.label), MeetingResponse.COMING),
        Answer(str(MeetingResponse.EXCUSED.label), MeetingResponse.EXCUSED),
        Answer(str(MeetingResponse.NOT_COMING.label), MeetingResponse.NOT_COMING),
    ]
    for participant in invitations:
        meeting = participant.meeting
        answer_url = optional_url(respond_url_name, meeting.pk)
        waiting.append(
            Waiting(
                title=_("Répondre à l'invitation : %(title)s") % {"title": meeting.title},
                detail=_("%(committee)s, le %(when)s")
                % {"committee": meeting.committee, "when": _meeting_when(meeting)},
                url=reverse("charter:meeting_detail", args=[meeting.pk]),
                action=_("Voir la réunion"),
                due=meeting.starts_at,
                answer_url=answer_url,
                answer_field="response" if answer_url else "",
                answers=answers if answer_url else [],
            )
        )
    charter = _charter(user)
    to_renew = _to_renew(charter)
    if to_renew:
        version = charter["version"]
        names = ", ".join(str(signature.signatory) for signature in to_renew)
        waiting.append(
            Waiting(
                title=_("Renouveler la signature de la charte %(year)s") % {"year": version.year},
                detail=_("Signée pour une version précédente : %(names)s.") % {"names": names},
                url=reverse("charter:sign"),
                action=_("Signer la charte %(year)s") % {"year": version.year},
                due=version.published_at,  # waiting since the version became current
            )
        )
    return waiting + _events_waiting(user, registrations) + _contributions_waiting(user)


# --- Sections ------------------------------------------------------------------------------------


def space_sections(user) -> list[SpaceSection]:
    charter = _charter(user)
    meetings, registrations = _participations(user, invitations_only=False)
    return [
        _signatures_section(charter),
        _committees_section(user, charter),
        _meetings_section(meetings),
        _events_section(registrations),
        _newsletter_section(user),
    ]


def _signatures_section(charter: dict) -> SpaceSection:
    version = charter["version"]
    renew = {signature.pk for signature in _to_renew(charter)}
    items = []
    for signature in charter["signatures"]:
        if version is not None and signature.version_id == version.pk:
            badge = Badge(_("Version en vigueur"), "ok")
        elif signature.pk in renew:
            badge = Badge(_("À renouveler"), "warning")
        else:
            badge = Badge(_("Version précédente"), "neutral")
        kind = _("vous-même") if signature.kind == ActorKind.PERSON else _("votre structure")
        items.append(
            SpaceItem(
                title=_("Charte %(year)s — %(name)s (%(kind)s)")
                % {"year": signature.version.year, "name": signature.signatory, "kind": kind},
                url=reverse("charter:version", args=[signature.version.year]),
                detail=_("Signée le %(day)s") % {"day": format_day(signature.signed_at)},
                badges=[badge],
            )
        )
    can_sign = version is not None and charter_version_is_open(version)
    return SpaceSection(
        key="charte",
        title=_("Mes signatures de la charte"),
        position=30,
        items=items,
        empty_text=_("Vous n'avez pas encore signé la charte d'engagement du partenariat en santé."),
        empty_action=SpaceLink(_("Signer la charte"), reverse("charter:sign")) if can_sign else None,
        links=[SpaceLink(_("Lire la charte"), reverse("charter:charter"))] if version is not None else [],
    )


def _committees_section(user, charter: dict) -> SpaceSection:
    today = timezone.localdate()
    mandates = list(
        Mandate.objects.filter(person__user=user).select_related("committee").order_by("-start_date", "pk")
    )
    items = []
    version = charter["version"]
    own = [s for s in charter["signatures"] if s.kind == ActorKind.PERSON and s.person.user_id == user.pk]
    if version is not None and any(signature.version_id == version.pk for signature in own):
        # The CoPart has no stored members: it is the set of current signatories (DOMAIN.md).
        items.append(
            SpaceItem(
                title=_("Comité des Partenaires (CoPart)"),
                detail=_("Membre en tant que signataire de la charte %(year)s") % {"year": version.year},
                badges=[Badge(_("En cours"), "ok")],
            )
        )
    for mandate in mandates:
        if mandate.end_date:
            dates = _("du %(start)s au %(end)s") % {
                "start": format_day(mandate.start_date),
                "end": format_day(mandate.end_date),
            }
        else:
            dates = _("depuis le %(start)s") % {"start": format_day(mandate.start_date)}
        if mandate.start_date > today:
            badge = Badge(_("À venir"), "pending")
        elif mandate.is_current(today):
            badge = Badge(_("En cours"), "ok")
        else:
            badge = Badge(_("Terminé"), "neutral")
        title = mandate.committee.name + (f" — {mandate.role}" if mandate.role else "")
        items.append(SpaceItem(title=title, detail=dates, badges=[badge]))
    return SpaceSection(
        key="instances",
        title=_("Mes instances"),
        position=40,
        items=items,
        applies=bool(items),
        links=[SpaceLink(_("Les instances du COPS"), reverse("charter:committees"))],
    )


def _meetings_section(mine: list[MeetingParticipant]) -> SpaceSection:
    """`mine`: the person's committee meetings (never events: those are « Mes événements »), by date."""
    now = timezone.now()
    upcoming = [
        p for p in mine if p.meeting.starts_at >= now and p.meeting.status != MeetingStatus.CANCELLED
    ][:UPCOMING_SHOWN]
    past = [p for p in reversed(mine) if p.meeting.starts_at < now][:PAST_SHOWN]
    items = []
    for participant in upcoming:
        meeting = participant.meeting
        items.append(
            SpaceItem(
                title=meeting.title,
                url=reverse("charter:meeting_detail", args=[meeting.pk]),
                detail=_("%(committee)s, le %(when)s")
                % {"committee": meeting.committee, "when": _meeting_when(meeting)},
                badges=[
                    Badge(_("À venir"), "pending"),
                    Badge(
                        participant.get_response_display(),
                        RESPONSE_TONES.get(participant.response, "neutral"),
                    ),
                ],
            )
        )
    for participant in past:
        meeting = participant.meeting
        url = reverse("charter:meeting_detail", args=[meeting.pk])
        if meeting.status == MeetingStatus.CANCELLED:
            badges, links = [Badge(meeting.get_status_display(), "neutral")], []
        elif meeting.minutes_approved_at:
            badges = [Badge(_("Compte rendu approuvé"), "ok")]
            links = [SpaceLink(_("Lire le compte rendu"), url)]
        else:
            badges, links = [Badge(_("Compte rendu à venir"), "pending")], []
        items.append(
            SpaceItem(
                title=meeting.title,
                url=url,
                detail=_("%(committee)s, le %(when)s")
                % {"committee": meeting.committee, "when": _meeting_when(meeting)},
                badges=[Badge(_("Passée"), "neutral"), *badges],
                links=links,
            )
        )
    return SpaceSection(
        key="reunions",
        title=_("Mes réunions"),
        position=50,
        items=items,
        applies=bool(items),
        links=[SpaceLink(_("Toutes mes réunions"), reverse("charter:my_meetings"))],
    )


# --- Events (E3 evattend): « Mes événements » -----------------------------------------------------


def _participations(
    user, *, invitations_only: bool
) -> tuple[list[MeetingParticipant], list[MeetingParticipant]]:
    """(committee participations, registrations to events), by date, in one query. Committee:
    the invitations still to answer (`invitations_only`, for « À faire ») or all the person's
    meetings (« Mes réunions »). Events: never committee meetings, cancelled registrations left
    out; the account's own, and those made with its verified address without signing in."""
    committee, registrations = remembered_for_page(
        ("actors.participations", user.pk), lambda: _all_participations(user)
    )
    if invitations_only:  # read once for both lists of the page: the invitations are a part of it
        now = timezone.now()
        committee = [
            row
            for row in committee
            if row.response == MeetingResponse.NONE
            and row.meeting.starts_at >= now
            and row.meeting.status != MeetingStatus.CANCELLED
        ]
    return committee, registrations


def _all_participations(user) -> tuple[list[MeetingParticipant], list[MeetingParticipant]]:
    committee = Q(user=user, meeting__kind=EventKind.COMMITTEE)
    rows = list(
        MeetingParticipant.objects.filter(committee | _event_registrations_q(user))
        .select_related("meeting__committee", "meeting__commune")
        .order_by("meeting__starts_at", "pk")
    )
    return (
        [row for row in rows if row.meeting.kind == EventKind.COMMITTEE],
        [row for row in rows if row.meeting.kind != EventKind.COMMITTEE],
    )


def _event_registrations_q(user) -> Q:
    mine = Q(user=user)
    if user.is_verified:
        mine |= Q(user__isnull=True, email__iexact=user.email)
    return mine & ~Q(meeting__kind=EventKind.COMMITTEE) & ~Q(status=RegistrationStatus.CANCELLED)


def _personal_url(name: str, participant: MeetingParticipant) -> str:
    """A personal link of the registration, when its secret is the one its emails carry."""
    token = personal_token(participant)
    if hash_token(token) != participant.response_token_hash:
        return ""
    return reverse(name, args=[token])


def _events_waiting(user, registrations: list[MeetingParticipant]) -> list[Waiting]:
    now = timezone.now()
    waiting = []
    for participant in registrations:
        event = participant.meeting
        if participant.status != RegistrationStatus.UNVERIFIED or event.ends_at < now:
            continue
        # The confirmation link only when the address is the account's own, already verified.
        own_address = user.is_verified and participant.email.lower() == user.email.lower()
        url = _personal_url("events:confirm", participant) if own_address else ""
        waiting.append(
            Waiting(
                title=_("Confirmer votre adresse pour l'inscription à %(title)s") % {"title": event.title},
                detail=_("Ouvrez le lien envoyé à %(email)s. Événement le %(when)s.")
                % {"email": participant.email, "when": _meeting_when(event)},
                url=url,
                action=_("Confirmer mon adresse") if url else "",
                due=event.starts_at,
            )
        )
    return waiting


def _contributions_waiting(user) -> list[Waiting]:
    """Invitations to appear as organiser or speaker of a coming event, not answered yet."""
    rows = (
        EventContributor.objects.filter(
            person__user=user,
            accepted_at__isnull=True,
            refused_at__isnull=True,
            event__ends_at__gte=timezone.now(),
        )
        .exclude(event__status=MeetingStatus.CANCELLED)
        .select_related("event")
        .order_by("event__starts_at", "pk")
    )
    answers = [Answer(_("J'accepte d'apparaître"), "accepte"), Answer(_("Je refuse"), "refuse")]
    return [
        Waiting(
            title=_("Apparaître comme %(role)s : %(title)s ?")
            % {"role": contributor.get_role_display().lower(), "title": contributor.event.title},
            detail=_(
                "Votre nom ne figure sur la page de l'événement qu'avec votre accord. Événement le %(when)s."
            )
            % {"when": _meeting_when(contributor.event)},
            url=reverse("events:contributor_answer", args=[contributor.pk]),
            action=_("Voir l'invitation"),
            due=contributor.event.starts_at,
            answer_url=reverse("events:contributor_answer", args=[contributor.pk]),
            answer_field="reponse",
            answers=answers,
        )
        for contributor in rows
    ]


def _waiting_positions(registrations: list[MeetingParticipant]) -> dict[int, int]:
    """{participant id: position on their event's waiting list}, in one query."""
    waiting = [p for p in registrations if p.status == RegistrationStatus.WAITING]
    if not waiting:
        return {}
    queue = MeetingParticipant.objects.filter(
        meeting_id__in={p.meeting_id for p in waiting}, status=RegistrationStatus.WAITING
    ).order_by("meeting_id", "registered_at", "pk")
    positions, counters = {}, {}
    for meeting_id, pk in queue.values_list("meeting_id", "pk"):
        counters[meeting_id] = counters.get(meeting_id, 0) + 1
        positions[pk] = counters[meeting_id]
    return positions


EVENT_TONES = {
    RegistrationStatus.CONFIRMED: "ok",
    RegistrationStatus.WAITING: "pending",
    RegistrationStatus.UNVERIFIED: "warning",
}


def _events_section(registrations: list[MeetingParticipant]) -> SpaceSection:
    now = timezone.now()
    upcoming = [p for p in registrations if p.meeting.ends_at >= now][:UPCOMING_SHOWN]
    past = [p for p in reversed(registrations) if p.meeting.ends_at < now][:PAST_SHOWN]
    positions = _waiting_positions(upcoming)
    items = []
    for participant in upcoming:
        event = participant.meeting
        if event.status == MeetingStatus.CANCELLED:
            badges = [Badge(event.get_status_display(), "neutral")]
        else:
            status = Badge(participant.get_status_display(), EVENT_TONES.get(participant.status, "neutral"))
            badges = [Badge(_("À venir"), "pending"), status]
        if participant.pk in positions:
            badges.append(Badge(_("Position %(n)s") % {"n": positions[participant.pk]}, "pending"))
        manage = _personal_url("events:manage", participant)
        items.append(
            SpaceItem(
                title=event.title,
                url=reverse("events:detail", args=[event.slug]) if event.is_public and event.slug else "",
                detail=_("%(kind)s, le %(when)s")
                % {"kind": event.get_kind_display(), "when": _meeting_when(event)},
                badges=badges,
                links=[SpaceLink(_("Gérer mon inscription"), manage)] if manage else [],
            )
        )
    for participant in past:
        event = participant.meeting
        links = []
        if event.status == MeetingStatus.CANCELLED:
            badges = [Badge(event.get_status_display(), "neutral")]
        elif participant.checked_in_at is not None and participant.status == RegistrationStatus.CONFIRMED:
            badges = [Badge(_("Passé"), "neutral"), Badge(_("Présent·e"), "ok")]
            if not certificate_refusal(participant):
                url = _personal_url("events:certificate", participant)
                links = [SpaceLink(_("Télécharger mon attestation de présence"), url)] if url else []
        else:
            badges = [Badge(_("Passé"), "neutral")]
        items.append(
            SpaceItem(
                title=event.title,
                url=reverse("events:detail", args=[event.slug]) if event.is_public and event.slug else "",
                detail=_("%(kind)s, le %(when)s")
                % {"kind": event.get_kind_display(), "when": _meeting_when(event)},
                badges=badges,
                links=links,
            )
        )
    return SpaceSection(
        key="evenements",
        title=_("Mes événements"),
        position=55,
        items=items,
        applies=bool(items),
        links=[SpaceLink(_("L'agenda du COPS"), reverse("events:agenda"))],
    )


# --- « La lettre du COPS » -------------------------------------------------------------------------


def _newsletter_section(user) -> SpaceSection:
    """Subscribed or not, the topics, and the one-click « M'abonner » (the account's address is
    verified: no confirmation email). Two queries: the subscription, its topics."""
    subscription = subscription_of_user(user) if user.is_verified else None
    manage = reverse("news:my_subscription")
    if subscription is not None and subscription.status == SubscriptionStatus.CONFIRMED:
        topics = [topic.name for topic in subscription.topics.order_by("position", "name")]
        item = SpaceItem(
            title=_("Vous recevez « La lettre du COPS »"),
            detail=_("À %(email)s, depuis le %(day)s. Thèmes : %(topics)s.")
            % {
                "email": subscription.email,
                "day": format_day(subscription.consented_at),
                "topics": ", ".join(topics) or _("aucun"),
            },
            badges=[Badge(_("Abonné·e"), "ok")],
            links=[
                SpaceLink(_("Gérer mes thèmes"), manage),
                SpaceLink(_("Me désabonner"), manage + "#desabonnement"),
            ],
        )
    else:
        item = SpaceItem(
            title=_("Vous ne recevez pas « La lettre du COPS »"),
            detail=_(
                "Actualités, événements, projets et ressources du partenariat en santé, à l'adresse de votre "
                "compte. Un clic suffit : votre adresse est déjà vérifiée."
            ),
            badges=[Badge(_("Non abonné·e"), "neutral")],
            answer_url=reverse("news:space_subscribe"),
            answer_field="abonner",
            answers=[Answer(_("M'abonner"), "1")],
            links=[SpaceLink(_("Choisir mes thèmes"), manage)],
        )
    return SpaceSection(
        key="lettre",
        title=_("La lettre du COPS"),
        position=85,
        items=[item],
        applies=bool(user.is_verified),
        links=[SpaceLink(_("Les actualités du COPS"), reverse("news:list"))],
    )
