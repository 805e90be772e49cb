"""Live key figures (home page) and the staff area's sections, contributed by each app.

An app may provide a `figures.py` module with `home_figures() -> list[Figure]` and/or
`staff_sections(user) -> list[StaffSection]` (imported by `CopsConfig.ready()`, see cops/apps.py);
they are collected in INSTALLED_APPS order (or `HOME_FIGURES_ORDER` / `STAFF_SECTIONS_ORDER`
set in the app's module), so a capability adds its figures and its staff tools when it lands.
"""

from dataclasses import dataclass, field

from cops.apps import contributions


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
