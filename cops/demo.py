"""Framework of the demo data set: `manage.py seed_demo` calls each app's `demo.seed(ctx)`.

Apps are seeded in INSTALLED_APPS order; each may leave objects in `ctx.shared` for the
apps after it (e.g. the directory's structures for accompaniments).
"""

import importlib
import importlib.util
import random
from dataclasses import dataclass, field

from django.apps import apps


@dataclass
class DemoContext:
    scale: int
    seed: int
    rng: random.Random
    log: callable
    shared: dict = field(default_factory=dict)


def seed_all(*, scale: int, seed: int, log=print) -> DemoContext:
    ctx = DemoContext(scale=scale, seed=seed, rng=random.Random(seed), log=log)
    for config in apps.get_app_configs():
        module_name = f"{config.name}.demo"
        if config.name == "cops" or importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        # Each app gets its own generator so adding data to one app does not reshuffle the others.
        ctx.rng = random.Random(f"{seed}:{config.name}")
        module.seed(ctx)
    return ctx
