"""Checks of the identifiers a structure may give (SIRET, FINESS) and of postal codes."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# La Poste's establishments share one SIREN and use their own rule (sum of digits multiple of 5).
LA_POSTE_SIREN = "356000000"


def luhn_is_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalize_identifier(value: str) -> str:
    """People type SIRET numbers with spaces or dots: keep only what matters."""
    return re.sub(r"[\s.\-]", "", value or "").upper()


def validate_siret(value: str) -> None:
    siret = normalize_identifier(value)
    if not re.fullmatch(r"\d{14}", siret):
        raise ValidationError(_("Un numéro SIRET compte exactement 14 chiffres."), code="siret_format")
    if siret.startswith(LA_POSTE_SIREN) and siret != "35600000000048":
        valid = sum(int(char) for char in siret) % 5 == 0
    else:
        valid = luhn_is_valid(siret)
    if not valid:
        raise ValidationError(
            _("Ce numéro SIRET n'est pas valide (la clé de contrôle ne correspond pas) : vérifiez-le."),
            code="siret_checksum",
        )


def validate_finess(value: str) -> None:
    finess = normalize_identifier(value)
    if not re.fullmatch(r"(\d{2}|2A|2B)\d{7}", finess):
        raise ValidationError(
            _("Un numéro FINESS compte 9 caractères : le code du département puis 7 chiffres."),
            code="finess_format",
        )
    # Corsica's letters count as zeros in the control key.
    digits = finess.replace("2A", "20").replace("2B", "20")
    if not luhn_is_valid(digits):
        raise ValidationError(
            _("Ce numéro FINESS n'est pas valide (la clé de contrôle ne correspond pas) : vérifiez-le."),
            code="finess_checksum",
        )


def validate_postal_code(value: str) -> None:
    if not re.fullmatch(r"\d{5}", (value or "").strip()):
        raise ValidationError(_("Un code postal compte 5 chiffres, par exemple 31000."), code="postal_code")
