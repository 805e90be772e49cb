"""The charter and the committees in Mon espace: invitations to answer, signatures to renew,
the person's signatures, mandates and meetings (cops/space.py)."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from actors.charter_enums import MeetingResponse, MeetingStatus
from actors.enums import ActorKind
from actors.models import Mandate, MeetingParticipant, Signature
from actors.selectors.charter import (
    charter_current_version,
    charter_version_is_open,
    structures_represented_by,
)
from cops.space import Answer, Badge, SpaceItem, SpaceLink, SpaceSection, Waiting, format_day, optional_url

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
    structure_ids = [structure.pk for structure in structures_represented_by(user)]
    signatures = list(
        Signature.objects.filter(withdrawn_at__isnull=True)
        .filter(Q(person__user=user) | Q(structure_id__in=structure_ids))
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
    invitations = (
        MeetingParticipant.objects.filter(
            user=user, response=MeetingResponse.NONE, meeting__starts_at__gte=timezone.now()
        )
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .select_related("meeting__committee")
        .order_by("meeting__starts_at")
    )
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
    return waiting


# --- Sections ------------------------------------------------------------------------------------


def space_sections(user) -> list[SpaceSection]:
    charter = _charter(user)
    return [_signatures_section(charter), _committees_section(user, charter), _meetings_section(user)]


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


def _meetings_section(user) -> SpaceSection:
    now = timezone.now()
    mine = MeetingParticipant.objects.filter(user=user).select_related("meeting__committee")
    upcoming = list(
        mine.filter(meeting__starts_at__gte=now)
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .order_by("meeting__starts_at")[:UPCOMING_SHOWN]
    )
    past = list(mine.filter(meeting__starts_at__lt=now).order_by("-meeting__starts_at")[:PAST_SHOWN])
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
