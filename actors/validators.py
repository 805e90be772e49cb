"""Checks of the identifiers a structure may give (SIRET, FINESS), of postal codes, and the
password validators Django's own (English) ones miss for French speakers."""

import functools
import re
import unicodedata
from collections import Counter
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _gettext
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


# --- Passwords --------------------------------------------------------------------------------

COMMON_PASSWORDS_FR = Path(__file__).resolve().parent / "data" / "common-passwords-fr.txt"
# Rows of the French and English keyboards and the usual runs: "azertyuiop", "qwerty", "123456"...
KEYBOARD_SEQUENCES = (
    "azertyuiop",
    "qsdfghjklm",
    "wxcvbn",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "qwertzuiop",
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "&\u00e9\"'(-\u00e8_\u00e7\u00e0",  # the French keyboard's unshifted digit row
    "azqswxedcrfvtgbyhnujikolpm",  # the columns of an AZERTY keyboard
    "aqwzsxedcrfvtgbyhnujmik",
    "qazwsxedcrfvtgbyhnujmik",
)
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})


def _without_accents(text: str) -> str:
    return "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))


def password_core(password: str) -> str:
    """What is left of a password once its usual disguises are removed: lowercase, no accents,
    no digits or symbols at either end, no separators, common letter-for-digit swaps undone
    ("M0tDePasse-2026!" gives "motdepasse")."""
    text = _without_accents(password.lower())
    text = re.sub(r"^[^a-z]+|[^a-z]+$", "", text)
    return re.sub(r"[^a-z]", "", text.translate(LEET))


def is_keyboard_walk(text: str, *, shortest_piece: int = 3) -> bool:
    """True when the text is made only of runs of keys or characters in order ("azerty123456",
    "qsdfghjklm"), each at least shortest_piece long, read either way."""
    if not text:
        return False
    sequences = KEYBOARD_SEQUENCES + tuple(sequence[::-1] for sequence in KEYBOARD_SEQUENCES)
    start = 0
    while start < len(text):
        end = len(text)
        while end - start >= shortest_piece and not any(text[start:end] in seq for seq in sequences):
            end -= 1
        if end - start < shortest_piece:
            return False
        start = end
    return True


@functools.cache
def french_common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FR.read_text(encoding="utf-8").splitlines()
    return frozenset(
        core for line in lines if line.strip() and not line.startswith("#") if (core := password_core(line))
    )


class FrenchCommonPasswordValidator:
    """Refuses French common passwords and keyboard runs, however they are dressed up: "Soleil2024!",
    "MotDePasse12", "azertyuiop12", "Bébé-Chéri", "123456azerty". Django's CommonPasswordValidator
    only knows its English list, word for word."""

    def validate(self, password: str, user=None) -> None:
        core = password_core(password)
        plain = re.sub(r"[^a-z0-9]", "", _without_accents(password.lower()))
        common = french_common_passwords()
        two_words = any(core[:cut] in common and core[cut:] in common for cut in range(2, len(core) - 1))
        if core in common or two_words or is_keyboard_walk(plain) or is_keyboard_walk(core, shortest_piece=4):
            raise ValidationError(
                _gettext(
                    "Ce mot de passe est trop courant : évitez les mots et suites de touches habituels."
                ),
                code="password_too_common_fr",
            )

    def get_help_text(self) -> str:
        return _gettext("Votre mot de passe ne peut pas être un mot ou une suite de touches courants.")


class RepeatedCharacterPasswordValidator:
    """Refuses a password where one character makes more than half of it ("aaaaaaaaaaaa",
    "a1a2a3a4a5a6a7") or is repeated max_run times in a row ("Xk9!aaaa-Trz7")."""

    def __init__(self, max_run: int = 4):
        self.max_run = max_run

    def validate(self, password: str, user=None) -> None:
        if not password:
            return
        _char, most = Counter(password.lower()).most_common(1)[0]
        run = re.search(rf"(.)\1{{{self.max_run - 1},}}", password.lower())
        if most * 2 > len(password) or run:
            raise ValidationError(
                _gettext("Ce mot de passe répète trop un même caractère."), code="password_repetitive"
            )

    def get_help_text(self) -> str:
        return _gettext("Votre mot de passe ne peut pas répéter sans cesse un même caractère.")
