"""Reads about the committees: members and mandates, the CoPil's binômes, meetings, yearly counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import get_language, gettext

from actors.charter_enums import Attendance, CommitteeKind, EventKind, MeetingResponse, MeetingStatus
from actors.enums import ActorKind, MembershipStatus, ModerationStatus, Side, Visibility
from actors.events.ics import meeting_ics  # noqa: F401  (imported from here by the committees' code)
from actors.models import (
    Binome,
    Committee,
    CompositionValidation,
    Decision,
    Mandate,
    Meeting,
    MeetingParticipant,
    Signature,
)
from actors.selectors.charter import charter_current_version, charter_versions_published, directory_url
from actors.signals import CHARTER_VERSION_NAME, DIRECTORY_VERSION_NAME
from cops import dataversions
from cops.memo import ProcessMemo
from cops.tokens import hash_token, is_well_formed

# --- Committees and mandates --------------------------------------------------------------------------


def committees_active() -> QuerySet[Committee]:
    return Committee.objects.filter(is_active=True).order_by("position", "name")


def committee_by_kind(kind: str) -> Committee | None:
    return Committee.objects.filter(kind=kind).first()


def current_filter(day: date) -> Q:
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


def mandates_of(committee: Committee) -> QuerySet[Mandate]:
    return committee.mandates.select_related(
        "person__user", "structure", "binome", "validation__meeting"
    ).order_by("binome_id", "-start_date", "pk")


def committees_with_counts(day: date | None = None) -> list[Committee]:
    day = day or timezone.localdate()
    current = Q(mandates__start_date__lte=day) & (
        Q(mandates__end_date__isnull=True) | Q(mandates__end_date__gte=day)
    )
    return list(
        committees_active().annotate(
            current_mandates=Count("mandates", filter=current, distinct=True),
            meetings_count=Count("meetings", distinct=True),
        )
    )


def public_person_name(person) -> str:
    """A committee member's name as the public may see it: the last name only when it is public.

    Not even an initial of a restricted last name is shown: any part of a restricted field is a leak.
    """
    if person.field_level("last_name") <= Visibility.PUBLIC:
        return f"{person.first_name} {person.last_name}".strip()
    return person.first_name


@dataclass
class BinomeMember:
    name: str
    side: str
    role: str
    url: str = ""

    @property
    def side_label(self) -> str:
        return str(Side(self.side).label) if self.side else ""


@dataclass
class BinomeView:
    number: int
    professional: BinomeMember | None
    partner: BinomeMember | None
    start_date: date
    end_date: date | None
    validated_on: date | None


def copil_public_composition(day: date | None = None) -> tuple[list[BinomeView], list[Mandate]]:
    """The CoPil's current binômes validated by the CoPart, and its invited structures (public page)."""
    day = day or timezone.localdate()
    copil = committee_by_kind(CommitteeKind.COPIL)
    if copil is None:
        return [], []
    mandates = list(
        copil.mandates.filter(current_filter(day), validation__isnull=False)
        .select_related("person", "structure", "validation")
        .order_by("binome_id", "pk")
    )
    binomes: dict[int, dict[str, Mandate]] = {}
    structures = []
    for mandate in mandates:
        if mandate.structure_id:
            structures.append(mandate)
        elif mandate.binome_id:
            binomes.setdefault(mandate.binome_id, {})[mandate.side] = mandate

    def member(mandate: Mandate | None) -> BinomeMember | None:
        if mandate is None:
            return None
        person = mandate.person
        published = person.status == ModerationStatus.PUBLISHED
        return BinomeMember(
            name=public_person_name(person),
            side=mandate.side,
            role=mandate.role,
            url=directory_url(ActorKind.PERSON, person.pk) if published else "",
        )

    views = []
    for number, pair in enumerate(binomes.values(), start=1):
        first = pair.get(Side.PROFESSIONAL) or pair.get(Side.USER)
        views.append(
            BinomeView(
                number=number,
                professional=member(pair.get(Side.PROFESSIONAL)),
                partner=member(pair.get(Side.USER)),
                start_date=first.start_date,
                end_date=first.end_date,
                validated_on=first.validation.validated_on if first.validation_id else None,
            )
        )
    return views, structures


def pending_copil_mandates(committee: Committee) -> QuerySet[Mandate]:
    """Current or future mandates the CoPart has not validated yet."""
    today = timezone.localdate()
    return (
        committee.mandates.filter(validation__isnull=True)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("person", "structure", "binome")
        .order_by("binome_id", "pk")
    )


def composition_validations(committee: Committee) -> QuerySet[CompositionValidation]:
    return committee.validations.select_related("meeting").annotate(mandates_count=Count("mandates"))


# --- Who a meeting invites -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitee:
    email: str
    name: str
    user_id: int | None = None
    person_id: int | None = None


def _person_invitee(person, fallback_name: str = "") -> Invitee | None:
    user = person.user if person.user_id and person.user.is_active else None
    email = user.email if user else person.email
    if not email:
        return None
    return Invitee(email.lower(), str(person) or fallback_name, user.pk if user else None, person.pk)


def copart_invitees() -> list[Invitee]:
    """The CoPart is the current version's signatories: persons, and whoever signed for a structure."""
    version = charter_current_version()
    if version is None:
        return []
    invitees: dict[str, Invitee] = {}
    for signature in (
        Signature.objects.filter(version=version, withdrawn_at__isnull=True)
        .select_related("person__user", "structure", "signed_by__person")
        .order_by("pk")
    ):
        if signature.kind == ActorKind.PERSON:
            # An anonymised signature (deleted person) still counts, but there is nobody to invite.
            invitee = _person_invitee(signature.person) if signature.person_id else None
        else:
            signer = signature.signed_by
            if signer is not None and signer.is_active:
                person = getattr(signer, "person", None)
                invitee = Invitee(
                    signer.email.lower(),
                    f"{signer.get_full_name() or signer.email} ({signature.structure.name})",
                    signer.pk,
                    person.pk if person else None,
                )
            elif signature.structure.email:
                invitee = Invitee(signature.structure.email.lower(), signature.structure.name)
            else:
                invitee = None
        if invitee is not None and invitee.email not in invitees:
            invitees[invitee.email] = invitee
    return list(invitees.values())


def committee_invitees(committee: Committee, day: date) -> list[Invitee]:
    """Members holding a mandate on the meeting's day (invited structures through their contact address)."""
    if committee.kind == CommitteeKind.COPART:
        return copart_invitees()
    invitees: dict[str, Invitee] = {}
    for mandate in committee.mandates.filter(current_filter(day)).select_related("person__user", "structure"):
        if mandate.person_id:
            invitee = _person_invitee(mandate.person)
        elif mandate.structure.email:
            invitee = Invitee(mandate.structure.email.lower(), mandate.structure.name)
        else:
            invitee = None
        if invitee is not None and invitee.email not in invitees:
            invitees[invitee.email] = invitee
    return list(invitees.values())


# --- Meetings ---------------------------------------------------------------------------------------------


def meetings_of(committee: Committee) -> QuerySet[Meeting]:
    return committee.meetings.annotate(
        participants_count=Count("participants", distinct=True),
        present_count=Count(
            "participants", filter=Q(participants__attendance=Attendance.PRESENT), distinct=True
        ),
        decisions_count=Count("decisions", distinct=True),
    ).order_by("-starts_at")


def committee_meetings() -> QuerySet[Meeting]:
    """Meetings of the committees only: the community's events (same model) never show here."""
    return Meeting.objects.filter(kind=EventKind.COMMITTEE)


def upcoming_meetings(limit: int = 10) -> QuerySet[Meeting]:
    return (
        committee_meetings()
        .filter(starts_at__gte=timezone.now())
        .exclude(status=MeetingStatus.CANCELLED)
        .select_related("committee")
        .order_by("starts_at")[:limit]
    )


def upcoming_meetings_count() -> int:
    return (
        committee_meetings()
        .filter(starts_at__gte=timezone.now())
        .exclude(status=MeetingStatus.CANCELLED)
        .count()
    )


def meetings_of_user(user) -> QuerySet[Meeting]:
    """The meetings of the committees the user sits on, and those they are invited to, with their
    own answer (`my_response`, None when they have no participant row yet)."""
    own = MeetingParticipant.objects.filter(meeting=OuterRef("pk"), user=user)
    return (
        committee_meetings()
        .filter(Exists(own) | Q(committee__in=committees_of_member(user)))
        .annotate(my_response=Subquery(own.order_by("pk").values("response")[:1]))
        .select_related("committee")
        .order_by("-starts_at")
    )


def my_meetings(user, *, past_limit: int = 30) -> tuple[list[Meeting], list[Meeting]]:
    """« Mes réunions »: the coming ones (soonest first), then the past ones (latest first)."""
    now = timezone.now()
    meetings = meetings_of_user(user)
    coming = list(meetings.filter(ends_at__gt=now).order_by("starts_at"))
    past = list(meetings.filter(ends_at__lte=now).exclude(status=MeetingStatus.CANCELLED)[:past_limit])
    return coming, past


# --- Who sits on a committee (members see its meetings) ------------------------------------------------------


def _holds(user, prefix: str = "") -> Q:
    """The user is the person, or an accepted référent of the structure, behind `prefix`."""
    return Q(**{f"{prefix}person__user": user}) | Q(
        **{
            f"{prefix}structure__memberships__person__user": user,
            f"{prefix}structure__memberships__is_referent": True,
            f"{prefix}structure__memberships__status": MembershipStatus.ACCEPTED,
        }
    )


def committees_of_member(user, day: date | None = None) -> QuerySet[Committee]:
    """The committees the user sits on today: a current mandate (theirs or their structure's), or,
    for the CoPart, a standing signature of the current charter (theirs, one they made for a
    structure, or their structure's). One query of EXISTS clauses: no signatory is loaded."""
    if not user.is_authenticated:
        return Committee.objects.none()
    day = day or timezone.localdate()
    mandates = Mandate.objects.filter(current_filter(day), committee=OuterRef("pk")).filter(_holds(user))
    signatures = Signature.objects.filter(
        version=Subquery(charter_versions_published().values("pk")[:1]), withdrawn_at__isnull=True
    ).filter(_holds(user) | Q(structure__isnull=False, signed_by=user))
    return Committee.objects.filter(Exists(mandates) | (Q(kind=CommitteeKind.COPART) & Exists(signatures)))


def is_meeting_member(user, meeting: Meeting) -> bool:
    """Invited to the meeting, or sitting on its committee today (one query)."""
    if not user.is_authenticated:
        return False
    own = MeetingParticipant.objects.filter(meeting=OuterRef("pk"), user=user)
    return (
        committee_meetings()
        .filter(pk=meeting.pk)
        .filter(Exists(own) | Q(committee__in=committees_of_member(user)))
        .exists()
    )


def participant_of(meeting: Meeting, user) -> MeetingParticipant | None:
    return meeting.participants.filter(user=user).order_by("pk").first()


def participant_display_name(participant: MeetingParticipant, viewer_level: int) -> str:
    """A participant's name as a member (not the staff) may read it: the directory's rules for
    the last name, and never an address (a guest added by address has it as their name)."""
    person = participant.person
    if person is not None:
        if person.field_level("last_name") <= viewer_level:
            return f"{person.first_name} {person.last_name}".strip()
        return person.first_name
    if participant.user_id is not None:
        return participant.user.first_name or gettext("Un membre")
    if "@" in participant.name:
        return gettext("Une personne invitée")
    return participant.name


def response_counts(participants) -> list[tuple[str, str, int]]:
    """(value, label, count) for each answer, « sans réponse » last (the staff's summary)."""
    counts = Counter(p.response for p in participants)
    order = [
        MeetingResponse.COMING,
        MeetingResponse.EXCUSED,
        MeetingResponse.NOT_COMING,
        MeetingResponse.NONE,
    ]
    labels = {
        MeetingResponse.COMING: gettext("viennent"),
        MeetingResponse.EXCUSED: gettext("excusés"),
        MeetingResponse.NOT_COMING: gettext("ne viennent pas"),
        MeetingResponse.NONE: gettext("sans réponse"),
    }
    return [(str(value), labels[value], counts[value]) for value in order]


def participant_by_token(raw: str) -> MeetingParticipant | None:
    """The participant whose invitation link carries `raw` (looked up by its hash), or None."""
    if not is_well_formed(raw):
        return None
    return (
        MeetingParticipant.objects.select_related("meeting__committee")
        # An event registration's personal link is actors.events' (participant_from_token).
        .filter(response_token_hash=hash_token(raw), meeting__kind=EventKind.COMMITTEE)
        .first()
    )


# --- Public: the committees' held meetings and the register of decisions ----------------------------------


def public_decisions() -> QuerySet[Decision]:
    """Decisions of meetings whose minutes are approved: the only ones the public reads."""
    return (
        Decision.objects.filter(meeting__minutes_approved_at__isnull=False, meeting__kind=EventKind.COMMITTEE)
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .select_related("meeting__committee")
        .order_by("-meeting__starts_at", "meeting_id", "position", "pk")
    )


def decision_register(*, committee: Committee | None = None, follow_up: str = "") -> QuerySet[Decision]:
    decisions = public_decisions()
    if committee is not None:
        decisions = decisions.filter(meeting__committee=committee)
    if follow_up:
        decisions = decisions.filter(follow_up=follow_up)
    return decisions


def committee_held_meetings(committee: Committee, limit: int = 40) -> list[Meeting]:
    """The committee's past held meetings, latest first, with the decisions of approved minutes."""
    return list(
        committee.meetings.filter(status=MeetingStatus.HELD, starts_at__lte=timezone.now())
        .prefetch_related(
            Prefetch(
                "decisions",
                queryset=Decision.objects.filter(meeting__minutes_approved_at__isnull=False).order_by(
                    "position", "pk"
                ),
                to_attr="public_decisions",
            )
        )
        .order_by("-starts_at")[:limit]
    )


def meeting_detail(pk: int) -> Meeting:
    return (
        committee_meetings()
        .select_related("committee", "created_by")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=MeetingParticipant.objects.select_related("person", "user").order_by(
                    "name", "email"
                ),
            ),
            "decisions",
        )
        .get(pk=pk)
    )


def copart_meetings() -> QuerySet[Meeting]:
    """CoPart meetings that can record a validation of the CoPil's composition (not cancelled)."""
    return (
        Meeting.objects.filter(committee__kind=CommitteeKind.COPART)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("-starts_at")
    )


@dataclass(frozen=True)
class YearCounts:
    year: int
    meetings: int
    participants: int  # distinct people present at least once
    attendances: int  # presences, all meetings together
    by_committee: list[tuple[str, int]] = field(default_factory=list)


def meeting_year_counts(year: int) -> YearCounts:
    """Meetings held in `year` (not cancelled, already begun) and the people present at them."""
    held = (
        committee_meetings()
        .filter(starts_at__year=year, starts_at__lte=timezone.now())
        .exclude(status=MeetingStatus.CANCELLED)
    )
    present = MeetingParticipant.objects.filter(meeting__in=held, attendance=Attendance.PRESENT)
    by_committee = list(
        held.values_list("committee__short_name").annotate(count=Count("pk")).order_by("committee__position")
    )
    return YearCounts(
        year=year,
        meetings=held.count(),
        participants=present.values("email").distinct().count(),
        attendances=present.count(),
        by_committee=[(name, count) for name, count in by_committee],
    )


# The calendar invitation (.ics) lives in actors/events/ics.py, shared with the events.


def binomes_of(committee: Committee) -> QuerySet[Binome]:
    return committee.binomes.prefetch_related(
        Prefetch("mandates", queryset=Mandate.objects.select_related("person", "validation__meeting"))
    ).order_by("pk")


# --- What the public committee pages show, kept per version of their data ---------------------------------
# The committees' page and the CoPil's read committees, mandates, binômes, held meetings and their
# decisions (and the names of the members, as the charter's lists show them): a few queries and a
# page of rendering for data that changes a few times a month. Each web process keeps them, keyed by
# a token replaced when one of COMMITTEES_DATA_MODELS is saved or deleted (at commit, once per
# transaction; this process forgets at once), by the charter's data token (members' names and
# visibility, signatures), by the day (current mandates, past meetings) and the language.
# PUBLIC_MAX_AGE bounds what a write sending no model signal (a queryset update) could leave.

COMMITTEES_VERSION_NAME = "committees_data"
dataversions.versioned(COMMITTEES_VERSION_NAME)
COMMITTEES_DATA_MODELS = (
    "actors.Committee",
    "actors.Mandate",
    "actors.Binome",
    "actors.CompositionValidation",
    "actors.Meeting",
    "actors.Decision",
)
PUBLIC_MAX_AGE = 300.0
_public = ProcessMemo(max_entries=64, max_age=PUBLIC_MAX_AGE)


def bump_committees_version() -> None:
    dataversions.renew(COMMITTEES_VERSION_NAME)


def forget_public_committees() -> None:
    _public.clear()


def committees_data_changed(sender=None, **kwargs) -> None:
    forget_public_committees()
    using = kwargs.get("using") or "default"
    connection = transaction.get_connection(using)
    if connection.in_atomic_block and any(
        entry[1] is bump_committees_version for entry in connection.run_on_commit
    ):
        return
    transaction.on_commit(bump_committees_version, using=using)


for _model in COMMITTEES_DATA_MODELS:
    post_save.connect(committees_data_changed, sender=_model, dispatch_uid=f"committees_data.save.{_model}")
    post_delete.connect(
        committees_data_changed, sender=_model, dispatch_uid=f"committees_data.delete.{_model}"
    )


def public_committees_version() -> str:
    """The committees' token and the charter's (its data and the directory's index), one query."""
    return dataversions.joined([COMMITTEES_VERSION_NAME, CHARTER_VERSION_NAME, DIRECTORY_VERSION_NAME])


def public_remembered(key: tuple, compute):
    """`compute()` once per version of the committees' data, day, language and process."""
    full_key = (public_committees_version(), timezone.localdate(), get_language(), *key)
    return _public.get_or_compute(full_key, compute)


@dataclass
class CommitteesPage:
    committees: list
    version: object
    signatory_count: int
    binomes_count: int


def committees_page() -> CommitteesPage:
    """What the public committees' page shows (kept: see public_remembered)."""

    def compute() -> CommitteesPage:
        from actors.selectors.charter import signatory_counts

        version = charter_current_version()
        binomes, _structures = copil_public_composition()
        return CommitteesPage(
            committees=list(committees_active()),
            version=version,
            signatory_count=signatory_counts(version).total if version else 0,
            binomes_count=len(binomes),
        )

    return public_remembered(("committees",), compute)


@dataclass
class CopilPage:
    committee: Committee | None
    binomes: list
    structures: list
    held_meetings: list


def copil_page() -> CopilPage:
    """What the CoPil's public page shows (kept: see public_remembered)."""

    def compute() -> CopilPage:
        binomes, structures = copil_public_composition()
        committee = committee_by_kind(CommitteeKind.COPIL)
        return CopilPage(
            committee=committee,
            binomes=binomes,
            structures=structures,
            held_meetings=committee_held_meetings(committee) if committee else [],
        )

    return public_remembered(("copil",), compute)
