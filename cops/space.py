"""« Mon espace »: what waits for a signed-in person, and their sections, contributed by each app.

An app may provide a `space.py` module (imported by `CopsConfig.ready()`, see cops/apps.py) with

- `space_waiting(user) -> list[Waiting]`: what waits for the person (an invitation to answer, a
  profile to confirm…), shown first, the most urgent (earliest `due`) on top;
- `space_sections(user) -> list[SpaceSection]`: the person's own things (profiles, meetings…),
  shown by `position` (order of usefulness), only those that apply to the person.

Each contribution costs a fixed number of queries whatever the number of items (the page asserts
it), and links only to pages the person may open. cops contributes its own section (reports) here.

**Kept per person.** A contributing module declares `SPACE_MODELS`, the models its hooks read
("app_label.ModelName"; the account, its groups and the roles are read by every hook and need no
mention). They form the watched set `space_<app>` (cops/dataversions.py): what a hook returned for
a person is kept in each web process under the set's token, which PostgreSQL renews in the commit
of any change to those tables, however it is written. So Mon espace reads a few rows per view, not
a dozen tables, and never shows a person something older than their last change. SPACE_MAX_AGE
bounds what time alone changes (a meeting becomes past, a deadline nears). tests/cops/
test_space_kept.py checks that the hooks read no table outside their set.
"""

import functools
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cops.apps import Hook, contributions
from cops.dataversions import tables_of, tokens
from cops.enums import ReportStatus
from cops.memo import ProcessMemo
from cops.models import ReportJob

# The session key holding the menu's entries, [[key, title], …]: written when Mon espace is
# rendered and at login, read by cops.context_processors.platform, so no other page queries for it.
MENU_SESSION_KEY = "space_menu"


@dataclass(frozen=True)
class SpaceLink:
    label: str
    url: str


@dataclass(frozen=True)
class Badge:
    label: str
    tone: str = "neutral"  # ok, pending, warning, error, neutral: the status-* classes of cops.css


@dataclass(frozen=True)
class Answer:
    """One button of a form posted from Mon espace (e.g. « Je viens » to a meeting invitation)."""

    label: str
    value: str


@dataclass(frozen=True)
class Waiting:
    """One thing that waits for the person."""

    title: str
    detail: str = ""
    url: str = ""  # empty when no page may be opened from here (a personal link sent by email)
    action: str = ""  # the link's label, a verb: « Répondre », « Confirmer ma fiche »
    due: date | datetime | None = None  # orders the list, earliest first; undated ones last
    answer_url: str = ""  # a form posting `answer_field` with one of `answers`
    answer_field: str = ""
    answers: list[Answer] = field(default_factory=list)

    @property
    def due_at(self) -> datetime | None:
        if isinstance(self.due, datetime):
            return self.due
        if isinstance(self.due, date):
            return timezone.make_aware(datetime.combine(self.due, time.min))
        return None


@dataclass(frozen=True)
class SpaceItem:
    title: str
    url: str = ""
    detail: str = ""
    badges: list[Badge] = field(default_factory=list)
    links: list[SpaceLink] = field(default_factory=list)
    # A one-click form posted from the item (e.g. « M'abonner »), as Waiting's answers; shown
    # before the links.
    answer_url: str = ""
    answer_field: str = ""
    answers: list[Answer] = field(default_factory=list)


@dataclass(frozen=True)
class SpaceSection:
    key: str  # the anchor: /compte/#<key>
    title: str
    position: int  # order of usefulness, lowest first
    items: list[SpaceItem] = field(default_factory=list)
    empty_text: str = ""
    empty_action: SpaceLink | None = None
    applies: bool = True  # False: not shown, not in the menu (nothing there, nothing to start)
    intro: str = ""
    links: list[SpaceLink] = field(default_factory=list)  # below the items: « Toutes mes réunions »


# What several hooks of one app read (a person's structures, signatures…), computed once while one
# page is built: `with space_page():` around the calls, `remembered_for_page(key, compute)` in a hook.
# Outside a page (the menu at login, a test calling a hook) nothing is kept.
_page_memo: ContextVar[dict | None] = ContextVar("space_page_memo", default=None)


@contextmanager
def space_page():
    token = _page_memo.set({})
    try:
        yield
    finally:
        _page_memo.reset(token)


def remembered_for_page(key: tuple, compute):
    memo = _page_memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


# Read by every hook: the account (its address, whether it is verified) and its roles.
ACCOUNT_MODELS = ("actors.User", "actors.User_groups", "auth.Group")
SPACE_MODELS = ("cops.ReportJob",)  # cops' own section, below
SPACE_MAX_AGE = 60.0  # seconds
_kept = ProcessMemo(max_entries=4096, max_age=SPACE_MAX_AGE)


def _set_name(app_label: str) -> str:
    return f"space_{app_label}"


@functools.cache
def space_watched_sets() -> dict[str, tuple[str, ...]]:
    """{watched set: its tables}, one set per contributing app (cops.dataversions.watched_sets)."""
    modules = {"cops": sys.modules[__name__]}
    for hook in contributions("space", "space_sections", exclude=__name__) + contributions(
        "space", "space_waiting", exclude=__name__
    ):
        modules[hook.app] = hook.module
    found = {}
    for app_label, module in modules.items():
        declared = getattr(module, "SPACE_MODELS", None)
        if declared is None:
            raise ImproperlyConfigured(f"{module.__name__} contributes to Mon espace without SPACE_MODELS.")
        found[_set_name(app_label)] = tables_of((*declared, *ACCOUNT_MODELS))
    return found


def _page_tokens() -> dict[str, str | None]:
    return remembered_for_page(("cops.space.tokens",), lambda: tokens(space_watched_sets()))


def _contributed(hook: Hook, user) -> list:
    """What the hook returns for the person: kept per token of its app's set (see above)."""
    token = _page_tokens().get(_set_name(hook.app))
    if token is None:  # no token yet, or changed by this very transaction
        return hook(user)
    key = (hook.app, hook.function.__name__, token, user.pk, get_language())
    return _kept.get_or_compute(key, lambda: hook(user))


def space_waiting(user) -> list[Waiting]:
    providers = contributions("space", "space_waiting", exclude=__name__)
    waiting = [item for provider in providers for item in _contributed(provider, user)]
    # Stable: undated items keep the apps' order, after the dated ones.
    return sorted(waiting, key=lambda item: (item.due_at is None, item.due_at or timezone.now()))


def space_sections(user) -> list[SpaceSection]:
    providers = contributions("space", "space_sections", exclude=__name__)
    own = Hook(app="cops", module=sys.modules[__name__], function=report_sections)
    sections = [section for provider in [*providers, own] for section in _contributed(provider, user)]
    return sorted((section for section in sections if section.applies), key=lambda section: section.position)


def menu_entries(sections: list[SpaceSection]) -> list[list[str]]:
    """What the session keeps for the menu (JSON-serialisable)."""
    return [[section.key, str(section.title)] for section in sections]


def remember_menu(request, sections: list[SpaceSection]) -> None:
    entries = menu_entries(sections)
    if request.session.get(MENU_SESSION_KEY) != entries:
        request.session[MENU_SESSION_KEY] = entries


# --- cops' own section: the reports the person asked for -------------------------------------------

REPORTS_SHOWN = 5
REPORT_TONES = {
    ReportStatus.PENDING: "pending",
    ReportStatus.RUNNING: "pending",
    ReportStatus.DONE: "ok",
    ReportStatus.FAILED: "error",
}


def report_sections(user) -> list[SpaceSection]:
    jobs = list(
        ReportJob.objects.filter(requested_by=user)
        .only("id", "title", "status", "created_at", "requested_by_id")
        .order_by("-created_at")[: REPORTS_SHOWN + 1]
    )
    items = [
        SpaceItem(
            title=job.title,
            url=job.get_absolute_url(),
            detail=_("Demandé le %(day)s") % {"day": format_day(job.created_at)},
            badges=[Badge(job.get_status_display(), REPORT_TONES.get(job.status, "neutral"))],
        )
        for job in jobs[:REPORTS_SHOWN]
    ]
    return [
        SpaceSection(
            key="rapports",
            title=_("Mes rapports"),
            position=80,
            items=items,
            applies=bool(jobs),
            links=[SpaceLink(_("Tous mes rapports"), reverse("platform:report_list"))],
        )
    ]


def format_day(value: date | datetime) -> str:
    """« 12 mars 2026 », the local day of a datetime: the one way every section writes a date."""
    return date_format(timezone.localtime(value) if isinstance(value, datetime) else value, "j F Y")


def optional_url(name: str, *args) -> str:
    """The URL of a page another part of the platform may not have shipped yet; "" until it has."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
