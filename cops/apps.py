"""The platform, and how apps contribute to its cross-cutting features.

An app takes part in a feature through a module of its own with a fixed name, holding functions
with fixed names (hooks). `CopsConfig.ready()` imports those modules with Django's
`autodiscover_modules`; the feature's module in cops then reads them with `contributions()`.
cops never imports an app: `grep -rn "def <hook>"` lists every contribution.

| module        | hooks                                                        | read by            |
| ------------- | ------------------------------------------------------------ | ------------------ |
| `privacy.py`  | `export_personal_data()`, `personal_data_not_exported()`,    | cops/personal_data |
|               | `account_deletion_blockers(user)`, `erase_personal_data(s)`  |                    |
|               | `purge_expired_data(*, now)`                                 | cops/retention     |
| `figures.py`  | `home_figures()`, `staff_sections(user)`, `staff_work(user)` | cops/figures       |
| `space.py`    | `space_waiting(user)`, `space_sections(user)` (Mon espace)   | cops/space         |
| `sitemaps.py` | `sitemaps()`                                                 | cops/sitemaps      |
| `reports.py`  | builders decorated with `@register_report("app.kind", …)`    | cops/reports       |
| `newsletter.py` | `newsletter_sources()` (news, events, projects, resources)   | actors/newsletter  |
| `demo.py`     | `seed_accounts(ctx)`, `seed(ctx)` (discovered by seed_demo)  | cops/demo          |

Hooks run in INSTALLED_APPS order, unless a contributing module sets `<HOOK>_ORDER` (an int,
default 0, lowest first; e.g. `ERASE_PERSONAL_DATA_ORDER = 200` in directory/privacy.py, whose
profiles go after every row that points at them has been anonymised).
"""

import sys
from collections.abc import Callable
from types import ModuleType
from typing import NamedTuple

from django.apps import AppConfig, apps
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

# Imported at start-up. `demo` is not: only `manage.py seed_demo` needs it (cops/demo.py discovers it).
CONTRIBUTION_MODULES = ("privacy", "figures", "space", "sitemaps", "reports", "newsletter")


class CopsConfig(AppConfig):
    name = "cops"
    verbose_name = _("Plateforme")

    def ready(self):
        from django.db.models.signals import post_migrate

        from cops.dataversions import install_triggers
        from cops.reports import autodiscover_reports

        autodiscover_modules(*CONTRIBUTION_MODULES)
        autodiscover_reports()  # marks the builders registered (the import above registered them)
        # After every migrate: the triggers of the watched tables match the declarations.
        post_migrate.connect(install_triggers, sender=self, dispatch_uid="cops.install_triggers")


class Hook(NamedTuple):
    """One app's contribution: call it like the function it wraps."""

    app: str  # the contributing app's label
    module: ModuleType
    function: Callable

    def __call__(self, *args, **kwargs):
        return self.function(*args, **kwargs)


def contributions(module: str, hook: str, *, exclude: str = "") -> list[Hook]:
    """The `hook` functions of every installed app's `<app>.<module>` module, in running order.

    Reads the modules autodiscovery imported (the table above). `exclude` names a module to skip:
    the feature's own module when it shares the hook's name (cops.figures).
    """
    found = []
    for position, config in enumerate(apps.get_app_configs()):
        contributor = sys.modules.get(f"{config.name}.{module}")
        function = getattr(contributor, hook, None)
        if function is None or contributor.__name__ == exclude:
            continue
        order = getattr(contributor, f"{hook.upper()}_ORDER", 0)
        found.append((order, position, Hook(app=config.label, module=contributor, function=function)))
    return [found_hook for _order, _position, found_hook in sorted(found, key=lambda item: item[:2])]
