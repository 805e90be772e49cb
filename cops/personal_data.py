"""The right of access and the right to erasure (RGPD): the engine; each app brings its part.

Each app that holds personal data says so in its `privacy.py` (imported by `CopsConfig.ready()`,
see cops/apps.py), with these hooks:

- `export_personal_data() -> list[Section]`: its models in the export, and how a person's rows
  are found in them;
- `personal_data_not_exported() -> dict[(model label, field), reason]`: the references to a
  person it deliberately leaves out of the export;
- `account_deletion_blockers(user) -> list[str]`: what must be handed over before the account
  can go (rows that cannot lose their owner);
- `erase_personal_data(subject) -> dict[str, int]`: its part of the deletion, counts by kind.

Every model that refers to a person — through their account (`actors.User`), their directory
profile (`actors.Person`) or their email address — is either in a `Section` or listed as not
exported with the reason. `tests/trust/test_personal_data.py` walks every model of the project:
a new relation to an account, a profile or an address without a decision makes it fail.

The deletion (`account_delete`) runs each app's erasure, then removes the account; what the COPS
needs for its statistics (charter signatures, survey and self-assessment answers, attendance) is
kept without anything that names the person. Apps run in INSTALLED_APPS order except where their
module says otherwise (`ERASE_PERSONAL_DATA_ORDER`): the platform's records (cops) after the
apps', the directory's profiles last of all, once every row pointing at them has been anonymised.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from cops.apps import contributions
from cops.mail import send_templated_email

logger = logging.getLogger(__name__)

# Stored instead of a deleted person's name (data, not interface text: it stays in French).
ANONYMISED_PARTICIPANT_NAME = "Participant anonymisé"
# Where an address is required and unique per row: ".invalid" is reserved (RFC 2606), never delivered.
ANONYMISED_EMAIL_DOMAIN = "anonyme.invalid"
# The model whose rows found for the account are the person's directory profiles (Subject.person_ids).
PROFILE_MODEL = "actors.Person"


@dataclass(frozen=True)
class Subject:
    """Whom an export or a deletion is about."""

    user: AbstractBaseUser
    email: str
    person_ids: tuple[int, ...]


@dataclass(frozen=True)
class Extra:
    """A value computed from a row (e.g. the answers of a response), exported beside its fields."""

    name: str
    label: str
    value: Callable[[models.Model], object]


@dataclass(frozen=True)
class Section:
    """One model of the export: how its rows are found, and which of their fields are exported.

    A row belongs to the person when one of the `user` fields is their account, one of the
    `person` fields is one of their profiles, one of the `email` fields is their address (any
    case) or one of the `email_list` fields contains it; `only` narrows that further.
    """

    label: str
    description: str
    fields: tuple[str, ...]
    user: tuple[str, ...] = ()
    person: tuple[str, ...] = ()
    email: tuple[str, ...] = ()
    email_list: tuple[str, ...] = ()
    only: Callable[[Subject], Q] | None = None
    extras: tuple[Extra, ...] = field(default=())

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)

    @property
    def matched_fields(self) -> set[str]:
        """The model's own fields through which rows are found (what the introspection test reads)."""
        return {name.split("__")[0] for name in (*self.user, *self.person, *self.email, *self.email_list)} - {
            "pk"
        }

    def queryset(self, subject: Subject) -> QuerySet:
        match = Q(pk__in=[])
        for name in self.user:
            match |= Q(**{name: subject.user.pk})
        for name in self.person:
            match |= Q(**{f"{name}__in": subject.person_ids})
        for name in self.email:
            match |= Q(**{f"{name}__iexact": subject.email})
        for name in self.email_list:
            match |= Q(**{f"{name}__contains": [subject.email]})
        queryset = self.model._default_manager.filter(match)
        if self.only is not None:
            queryset = queryset.filter(self.only(subject))
        return queryset.order_by("pk")


# --- What the apps contribute ---------------------------------------------------------------------------


class _Sections(Sequence):
    """Every app's sections, in export order (read from the apps' privacy.py on first use)."""

    def _all(self) -> tuple[Section, ...]:
        return tuple(
            section
            for contribute in contributions("privacy", "export_personal_data")
            for section in contribute()
        )

    def __getitem__(self, index):
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[Section]:
        return iter(self._all())


class _NotExported(Mapping):
    """Every app's deliberate exclusions: (model label, field) -> why it is not exported."""

    def _all(self) -> dict[tuple[str, str], str]:
        merged: dict[tuple[str, str], str] = {}
        for contribute in contributions("privacy", "personal_data_not_exported"):
            merged.update(contribute())
        return merged

    def __getitem__(self, key):
        return self._all()[key]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self):
        return iter(self._all())


SECTIONS: Sequence[Section] = _Sections()
NOT_EXPORTED: Mapping[tuple[str, str], str] = _NotExported()


def section_for(label: str) -> Section:
    return next(section for section in SECTIONS if section.label == label)


# --- Helpers for the apps' erasure ------------------------------------------------------------------------


def anonymised_email():
    """`anonyme-<id>@anonyme.invalid`: unique per row, as the tables' constraints require."""
    return Concat(Value("anonyme-"), Cast("id", models.CharField()), Value(f"@{ANONYMISED_EMAIL_DOMAIN}"))


def random_token_hash() -> str:
    # A hash no link can produce: the person's old link stops opening anything.
    return hashlib.sha256(secrets.token_bytes(32)).hexdigest()


# --- Export ---------------------------------------------------------------------------------------------


def subject_of(user) -> Subject:
    email = user.email.strip().lower()
    partial = Subject(user=user, email=email, person_ids=())
    person_ids = tuple(section_for(PROFILE_MODEL).queryset(partial).values_list("pk", flat=True))
    return Subject(user=user, email=email, person_ids=person_ids)


def _plain(value):
    """A JSON value: dates as ISO 8601 in local time, decimals and keys as text."""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _field_value(row: models.Model, name: str):
    model_field = row._meta.get_field(name)
    if model_field.many_to_many:
        return sorted(str(item) for item in getattr(row, name).all())
    if model_field.is_relation:
        related = getattr(row, name)
        return str(related) if related is not None else None
    if isinstance(model_field, models.FileField):
        # Whether a file was uploaded; its storage name is random and says nothing.
        return bool(getattr(row, name))
    if model_field.choices:
        value = getattr(row, model_field.attname)
        return str(getattr(row, f"get_{name}_display")()) if value not in (None, "") else value
    return _plain(getattr(row, model_field.attname))


def _legend(section: Section) -> dict[str, str]:
    model = section.model
    legend = {name: str(model._meta.get_field(name).verbose_name) for name in section.fields}
    legend.update({extra.name: str(extra.label) for extra in section.extras})
    return legend


def personal_data_export(*, user) -> dict:
    """Everything the platform holds about the account's person, one section per model."""
    subject = subject_of(user)
    sections = {}
    for section in SECTIONS:
        rows = []
        for row in section.queryset(subject):
            item = {name: _field_value(row, name) for name in section.fields}
            item.update({extra.name: _plain(extra.value(row)) for extra in section.extras})
            rows.append(item)
        sections[section.label] = {
            "description": str(section.description),
            "champs": _legend(section),
            "lignes": rows,
        }
    return {
        "compte": subject.email,
        "exporte_le": timezone.localtime().isoformat(),
        "donnees": sections,
    }


# --- Deletion ---------------------------------------------------------------------------------------------


def account_deletion_blockers(user) -> list[str]:
    """What must be handed over before the account can go (rows that cannot lose their owner)."""
    return [
        blocker
        for contribute in contributions("privacy", "account_deletion_blockers")
        for blocker in contribute(user)
    ]


def account_delete(*, user, notify: bool = True) -> dict[str, int]:
    """The right to erasure: delete the account and the person's profile, anonymise the rest.

    Refused (ValidationError) while the account leads work that cannot lose its lead: the person
    hands it over first. A confirmation is sent to the address once the deletion is committed.
    """
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        blockers = account_deletion_blockers(user)
        if blockers:
            raise ValidationError(
                [
                    _(
                        "Votre compte ne peut pas encore être supprimé : demandez d'abord à l'équipe "
                        "du COPS de confier ces missions à une autre personne."
                    ),
                    *blockers,
                ]
            )
        subject = subject_of(user)
        counts: dict[str, int] = {}
        for erase in contributions("privacy", "erase_personal_data"):
            counts.update(erase(subject))
        first_name, user_id = user.first_name, user.pk
        user.delete()
        counts["accounts_deleted"] = 1
        if notify:
            send_templated_email(
                to=subject.email,
                template="actors/emails/account_deleted",
                context={"first_name": first_name, "staff_email": settings.STAFF_EMAIL},
            )
    logger.info("Account %s deleted: %s", user_id, counts)
    return counts
