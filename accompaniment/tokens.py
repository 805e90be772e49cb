"""Personal evaluation links: the raw token only travels in the emailed URL; the database keeps its SHA-256."""

import hashlib
import re
import secrets

TOKEN_BYTES = 32  # 256 bits
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_token() -> tuple[str, str]:
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    return raw, hash_token(raw)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


def is_well_formed(raw: str) -> bool:
    # token_urlsafe(32) gives 43 characters; anything else cannot be one of ours.
    return bool(_TOKEN_RE.match(raw or ""))
