"""What other apps add to the community's events, without actors importing them.

actors stands below every app (STYLE.md « Layers »): it cannot import barometer, which runs an
event's satisfaction questionnaire. An app that does something for events registers an
`EventExtension` from its AppConfig.ready() (barometer/apps.py registers
barometer.event_surveys.EXTENSION); actors only asks this registry:

- `staff_tabs(event)`: extra tabs of the event's management pages (the questionnaire, its results);
- `public_links(event)`: links on the event's public page (the questionnaire's published results);
- `events_thanked_elsewhere(event_ids)`: the events whose thank-you another app sends (an event
  with a satisfaction questionnaire: its first email *is* the thank-you), so that actors' plain
  thank-you never goes to them and nobody gets both;
- `after_events(now)`: the work due once events have ended (inviting their participants to the
  questionnaire), run by actors' periodic task just before the plain thank-yous.

A registry rather than a cops contribution module: the hooks are about one model family of
actors, and the registering app decides at start-up what it offers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


class StaffTab(NamedTuple):
    key: str  # the `tab` value that marks it active in actors/events/staff/_nav.html
    label: str
    url: str


class PublicLink(NamedTuple):
    label: str
    url: str


@dataclass(frozen=True)
class EventExtension:
    name: str  # the registering app's label (one extension per app: a second register replaces it)
    staff_tabs: Callable[[object], list[StaffTab]] | None = None
    public_links: Callable[[object], list[PublicLink]] | None = None
    events_thanked_elsewhere: Callable[[Iterable[int]], set[int]] | None = None
    after_events: Callable[[datetime], int] | None = None


_extensions: dict[str, EventExtension] = {}


def register(extension: EventExtension) -> None:
    _extensions[extension.name] = extension


def unregister(name: str) -> None:
    _extensions.pop(name, None)


def staff_tabs(event) -> list[StaffTab]:
    tabs: list[StaffTab] = []
    for extension in _extensions.values():
        if extension.staff_tabs is not None:
            tabs.extend(extension.staff_tabs(event))
    return tabs


def public_links(event) -> list[PublicLink]:
    links: list[PublicLink] = []
    for extension in _extensions.values():
        if extension.public_links is not None:
            links.extend(extension.public_links(event))
    return links


def events_thanked_elsewhere(event_ids: Iterable[int]) -> set[int]:
    ids = list(event_ids)
    found: set[int] = set()
    if not ids:
        return found
    for extension in _extensions.values():
        if extension.events_thanked_elsewhere is not None:
            found |= set(extension.events_thanked_elsewhere(ids))
    return found


def after_events(now: datetime) -> int:
    return sum(
        extension.after_events(now)
        for extension in _extensions.values()
        if extension.after_events is not None
    )
