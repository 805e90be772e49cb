"""Secret links: the raw token only travels in the emailed URL; the database keeps its SHA-256."""

import hashlib
import hmac
import secrets

TOKEN_BYTES = 24  # 192 bits of randomness
TOKEN_LENGTH = 32  # characters of token_urlsafe(TOKEN_BYTES)


def new_token() -> tuple[str, str]:
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    return raw, hash_token(raw)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def is_well_formed(raw: str) -> bool:
    # token_urlsafe(24) gives 32 characters; anything else cannot be one of ours.
    return 16 <= len(raw) <= 64 and all(c.isalnum() or c in "-_" for c in raw)


def matches(raw: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(raw), stored_hash)
