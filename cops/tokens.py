"""Secret links: a random token travels only in the emailed URL; the database keeps its SHA-256.

One module for every app's personal links (barometer invitations, unsubscribe links and resume
keys, self-assessment invitations, accompaniment evaluations). A look-up goes by the hash, an
index on a value the guesser cannot steer, and `matches` compares in constant time. The account
tokens (email verification, password reset) are another mechanism: signed and stateless, in
`actors/tokens.py`.
"""

import hashlib
import hmac
import re
import secrets

MIN_BYTES = 16  # 128 bits: the least a link may carry to stay beyond guessing
DEFAULT_BYTES = 32  # 256 bits
MAX_BYTES = 64


def token_length(nbytes: int) -> int:
    """The characters of a token of `nbytes` random bytes (unpadded URL-safe base64)."""
    return -(-4 * nbytes // 3)


# Links in use carry 32 characters (barometer, 24 bytes) or 43 (self-assessment and
# accompaniment, 32 bytes): every size from MIN_BYTES to MAX_BYTES is accepted.
_WELL_FORMED = re.compile(rf"[A-Za-z0-9_-]{{{token_length(MIN_BYTES)},{token_length(MAX_BYTES)}}}")


def new_token(nbytes: int = DEFAULT_BYTES) -> tuple[str, str]:
    """A fresh (raw token, SHA-256 hex) pair: the raw one for the link, the hash for the database."""
    if not MIN_BYTES <= nbytes <= MAX_BYTES:
        raise ValueError(f"a secret link carries {MIN_BYTES} to {MAX_BYTES} random bytes, not {nbytes}")
    raw = secrets.token_urlsafe(nbytes)
    return raw, hash_token(raw)


def hash_token(raw: str) -> str:
    """What the database keeps: the SHA-256 of the raw token, in hex."""
    # surrogatepass: whatever a guesser puts in a URL hashes, rather than raising.
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def is_well_formed(raw: str) -> bool:
    """Could `raw` be one of our tokens? Anything else is refused before any look-up."""
    return bool(raw) and _WELL_FORMED.fullmatch(raw) is not None


def matches(raw: str, stored_hash: str) -> bool:
    """Constant-time check of a raw token against a stored hash."""
    return hmac.compare_digest(hash_token(raw), stored_hash)
