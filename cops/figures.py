"""Live key figures (home page), the staff area's work and sections, contributed by each app.

An app may provide a `figures.py` module with `home_figures() -> list[Figure]`,
`staff_work(user) -> list[WorkItem]` (the queues on top of the staff home) and/or
`staff_sections(user) -> list[StaffSection]` (imported by `CopsConfig.ready()`, see cops/apps.py);
they are collected in INSTALLED_APPS order (or `HOME_FIGURES_ORDER` / `STAFF_SECTIONS_ORDER`
set in the app's module), so a capability adds its figures and its staff tools when it lands.
A staff link must open for its reader: an admin page is listed for admins (`is_staff`) only.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

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
    providers = contributions("figures", "home_figures", exclude=__name__)
    return [figure for provider in providers for figure in provider()]


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
