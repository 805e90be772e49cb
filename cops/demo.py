"""Framework of the demo data set: `manage.py seed_demo` calls each app's `demo.py` hooks.

An app's `demo.py` may define:

- `seed_accounts(ctx)`: the demo accounts (actors), run before any app's data so that every app
  can name them (`ctx.shared["accounts"]`, by address; `ctx.shared["accounts_password"]`);
- `seed(ctx)`: the app's data, through its services. Apps are seeded in INSTALLED_APPS order
  unless their module sets `SEED_ORDER` (default 0, lowest first: the directory's persons and
  structures come first, as the charter signs them and the other apps use them). Each may leave
  objects in `ctx.shared` for the apps after it (e.g. the directory's structures for accompaniments).

The modules are discovered here, not at start-up: the web processes never import demo code.
"""

import random
from dataclasses import dataclass, field

from django.utils.module_loading import autodiscover_modules

from cops.apps import Hook, contributions


@dataclass
class DemoContext:
    scale: int
    seed: int
    rng: random.Random
    log: callable
    shared: dict = field(default_factory=dict)


def _generator(ctx: DemoContext, streams: dict[str, random.Random], step: Hook) -> random.Random:
    """Each app gets its own generator (kept across its steps) so adding data to one app does not
    reshuffle the others; a module may draw from another app's with `SEED_STREAM`."""
    name = getattr(step.module, "SEED_STREAM", step.app)
    if name not in streams:
        streams[name] = random.Random(f"{ctx.seed}:{name}")
    return streams[name]


def seed_all(*, scale: int, seed: int, log=print) -> DemoContext:
    autodiscover_modules("demo")
    ctx = DemoContext(scale=scale, seed=seed, rng=random.Random(seed), log=log)
    streams: dict[str, random.Random] = {}
    for step in [*contributions("demo", "seed_accounts"), *contributions("demo", "seed")]:
        ctx.rng = _generator(ctx, streams, step)
        step(ctx)
    return ctx
