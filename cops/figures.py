"""Live key figures (home page) and the staff area's sections, contributed by each app.

An app may provide a `figures.py` module with `home_figures() -> list[Figure]` and/or
`staff_sections(user) -> list[StaffSection]`; they are collected in INSTALLED_APPS order,
so a capability adds its figures and its staff tools when it lands.
"""

import importlib
import importlib.util
from dataclasses import dataclass, field

from django.apps import apps


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


def _providers(name: str):
    for config in apps.get_app_configs():
        module_name = f"{config.name}.figures"
        if config.name == "cops" or importlib.util.find_spec(module_name) is None:
            continue
        provider = getattr(importlib.import_module(module_name), name, None)
        if provider is not None:
            yield provider


def home_figures() -> list[Figure]:
    return [figure for provider in _providers("home_figures") for figure in provider()]


def staff_sections(user) -> list[StaffSection]:
    return [section for provider in _providers("staff_sections") for section in provider(user)]
