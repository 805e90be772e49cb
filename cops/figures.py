"""Live key figures (home page), the staff area's work and sections, contributed by each app.

An app may provide a `figures.py` module with `home_figures() -> list[Figure]`,
`home_blocks() -> list[HomeBlock]` (blocks of the home page, such as the latest news),
`staff_work(user) -> list[WorkItem]` (the queues on top of the staff home) and/or
`staff_sections(user) -> list[StaffSection]` (imported by `CopsConfig.ready()`, see cops/apps.py);
they are collected in INSTALLED_APPS order (or `HOME_FIGURES_ORDER` / `STAFF_SECTIONS_ORDER`
set in the app's module), so a capability adds its figures and its staff tools when it lands.
A staff link must open for its reader: an admin page is listed for admins (`is_staff`) only.
"""

import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime

from django.apps import apps
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cops import dataversions
from cops.apps import contributions
from cops.enums import ReportStatus
from cops.models import ReportJob


@dataclass(frozen=True)
class Figure:
    value: int
    label: str
    url: str = ""


@dataclass(frozen=True)
class StaffLink:
    label: str
    url: str
    count: int | None = None  # e.g. items waiting in a queue


@dataclass(frozen=True)
class StaffSection:
    title: str
    description: str
    links: list[StaffLink] = field(default_factory=list)


def home_figures() -> list[Figure]:
    """The home page's figures, computed once per version of their data and per process.

    Counting over tens of thousands of rows on every home page view (a dozen queries) for figures
    that change a few times a day: the list is kept, keyed by a token that every write to a model
    the figures are counted from replaces (`figures_version`), and by the language. FIGURES_MAX_AGE
    bounds what time alone changes (a meeting becomes « held » when it ends, a new year starts) and
    what a write that sends no model signal (a queryset `.update()`) could leave.
    """
    key = (figures_version(), get_language())
    with _memo_lock:
        found = _memo.get(key)
    if found is not None and time.monotonic() - found[0] < FIGURES_MAX_AGE:
        return found[1]
    figures = compute_home_figures()
    with _memo_lock:
        _memo.clear()  # older versions are never read again; one entry per language at most
        _memo[key] = (time.monotonic(), figures)
    return figures


def compute_home_figures() -> list[Figure]:
    providers = contributions("figures", "home_figures", exclude=__name__)
    return [figure for provider in providers for figure in provider()]


# --- When the figures change ---------------------------------------------------------------------
# A contributing module may name the models its figures are counted from (`HOME_FIGURES_MODELS`,
# "app_label.ModelName" strings; by default every model of its app) and the tokens of the
# versions it already keeps (`HOME_FIGURES_VERSION_NAMES`, cops.dataversions: e.g. the directory's
# index version, whose rows are written in SQL, without model signals). A save or a delete of one
# of those models renews FIGURES_VERSION_NAME when its transaction commits (nothing if it is rolled back), and
# empties this process's memo at once.

FIGURES_VERSION_NAME = "home_figures"
dataversions.versioned(FIGURES_VERSION_NAME)
FIGURES_MAX_AGE = 60.0
_memo_lock = threading.Lock()
_memo: dict[tuple, tuple[float, list[Figure]]] = {}
# Saves that change nothing counted anywhere: the login stamp (each sign-in).
IGNORED_UPDATE_FIELDS = frozenset({"last_login"})


def _version_names() -> list[str]:
    names = [FIGURES_VERSION_NAME]
    for provider in contributions("figures", "home_figures", exclude=__name__):
        names += [
            name for name in getattr(provider.module, "HOME_FIGURES_VERSION_NAMES", ()) if name not in names
        ]
    return names


def figures_version() -> str:
    """The tokens the figures depend on, read in one query."""
    return dataversions.joined(_version_names())


def bump_figures_version() -> None:
    dataversions.renew(FIGURES_VERSION_NAME)


def forget_home_figures() -> None:
    """Drop this process's figures (tests: a test's rows and tokens go with its transaction)."""
    with _memo_lock:
        _memo.clear()


def _counted_models() -> frozenset[str]:
    """ "app_label.modelname" of every model a home figure is counted from."""
    counted = set()
    for provider in contributions("figures", "home_figures", exclude=__name__):
        declared = getattr(provider.module, "HOME_FIGURES_MODELS", None)
        if declared is None:
            labels = {model._meta.label_lower for model in apps.get_app_config(provider.app).get_models()}
        else:
            labels = {label.lower() for label in declared}
        counted |= labels
        # `home_figures_counts(instance) -> bool` in the module: whether a saved row of its models
        # may change a figure (a barometer response still in draft never does).
        counts = getattr(provider.module, "home_figures_counts", None)
        if counts is not None:
            _save_filters.update(dict.fromkeys(labels, counts))
    return frozenset(counted)


_save_filters: dict[str, object] = {}


def _changed(sender, **kwargs) -> None:
    meta = getattr(sender, "_meta", None)
    # A migration's historical models belong to another registry: no cache table to write to yet.
    if (
        meta is None
        or meta.apps is not apps
        or not apps.ready
        or meta.label_lower not in _counted_models_cached()
    ):
        return
    update_fields = kwargs.get("update_fields")
    if update_fields and frozenset(update_fields) <= IGNORED_UPDATE_FIELDS:
        return
    counts = _save_filters.get(meta.label_lower)
    instance = kwargs.get("instance")
    if (
        counts is not None
        and kwargs.get("signal") is post_save
        and instance is not None
        and not counts(instance)
    ):
        return
    # What this process kept goes at once: a read later in this very transaction counts again.
    forget_home_figures()
    using = kwargs.get("using") or "default"
    connection = transaction.get_connection(using)
    # Once per transaction, when it commits (never holding the token's row locked while the rest of
    # the transaction runs: answers submitted at once must not queue on it).
    if connection.in_atomic_block and any(
        entry[1] is bump_figures_version for entry in connection.run_on_commit
    ):
        return
    transaction.on_commit(bump_figures_version, using=using)


_counted: list[frozenset[str]] = []


def _counted_models_cached() -> frozenset[str]:
    if not _counted:
        _counted.append(_counted_models())
    return _counted[0]


def _m2m_changed(sender, instance, action, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        _changed(type(instance), using=kwargs.get("using"))


def connect_figures_signals() -> None:
    """Saves and link changes are watched for every model (the receiver returns at once for the
    others). Deletes only for the counted models: a delete receiver for a model costs it Django's
    fast delete (one DELETE becomes a SELECT, then a DELETE per batch), so never for the others."""
    post_save.connect(_changed, dispatch_uid="cops.figures.changed_on_save")
    m2m_changed.connect(_m2m_changed, dispatch_uid="cops.figures.changed_on_m2m")
    # Every app's figures module, so that their declarations are known (autodiscovery imports them
    # anyway; this module is one of them and its names are all defined by now: this runs last).
    autodiscover_modules("figures")
    counted = _counted_models_cached()
    for model in apps.get_models():
        if model._meta.label_lower in counted:
            post_delete.connect(
                _changed, sender=model, dispatch_uid=f"cops.figures.deleted.{model._meta.label_lower}"
            )


@dataclass(frozen=True)
class HomeBlock:
    """A block of the home page contributed by an app (`home_blocks()` in its figures.py): its
    partial template, rendered with `block` in its context (e.g. the latest news)."""

    template: str
    items: list = field(default_factory=list)
    position: int = 0  # lowest first


def home_blocks() -> list[HomeBlock]:
    providers = contributions("figures", "home_blocks", exclude=__name__)
    blocks = [block for provider in providers for block in provider()]
    return sorted(blocks, key=lambda block: block.position)


def staff_sections(user) -> list[StaffSection]:
    providers = contributions("figures", "staff_sections", exclude=__name__)
    return [section for provider in providers for section in provider(user)]


@dataclass(frozen=True)
class WorkItem:
    """One queue of the staff's work: how many wait, where to handle them, and the oldest one."""

    label: str
    count: int
    url: str
    position: int = 0  # lowest first: what blocks a partner before what only tidies up
    oldest_since: date | datetime | None = None  # when the oldest waiting item started waiting
    oldest_name: str = ""
    oldest_url: str = ""

    @property
    def oldest_days(self) -> int | None:
        if self.oldest_since is None or not self.count:
            return None
        since = self.oldest_since
        day = timezone.localtime(since).date() if isinstance(since, datetime) else since
        return max(0, (timezone.localdate() - day).days)


def staff_work(user) -> list[WorkItem]:
    providers = contributions("figures", "staff_work", exclude=__name__)
    items = [item for provider in providers for item in provider(user)] + report_work(user)
    return sorted(items, key=lambda item: item.position)


def report_work(user) -> list[WorkItem]:
    """cops' own queue: the reports the staff member asked for that are ready to download."""
    ready = ReportJob.objects.filter(requested_by=user, status=ReportStatus.DONE)
    oldest = ready.order_by("finished_at", "created_at").only("id", "title", "finished_at").first()
    return [
        WorkItem(
            label=_("Rapports prêts à télécharger"),
            count=ready.count(),
            url=reverse("platform:report_list"),
            position=90,
            oldest_since=oldest.finished_at if oldest else None,
            oldest_name=oldest.title if oldest else "",
            oldest_url=oldest.get_absolute_url() if oldest else "",
        )
    ]


# Last: the other apps' figures modules import this one's names.
connect_figures_signals()
