"""cops/tokens.py: the secret links of every app — random, stored as SHA-256, checked in constant time."""

import hashlib
import math
import re
from inspect import getsource

import pytest

from cops import tokens


@pytest.mark.parametrize(("nbytes", "length"), [(16, 22), (24, 32), (32, 43), (64, 86)])
def test_new_token_has_the_length_of_its_random_bytes(nbytes, length):
    raw, digest = tokens.new_token(nbytes)

    assert len(raw) == length == tokens.token_length(nbytes)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", raw)
    assert digest == hashlib.sha256(raw.encode()).hexdigest()


def test_new_token_carries_256_bits_by_default():
    raw, _digest = tokens.new_token()

    assert len(raw) == 43
    assert 6 * len(raw) >= 256  # 43 characters of a 64-letter alphabet


def test_new_tokens_do_not_repeat_and_use_the_whole_alphabet():
    raws = [tokens.new_token(24)[0] for _ in range(2000)]

    assert len(set(raws)) == 2000
    letters = "".join(raws)
    assert set(letters) == set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    # Shannon entropy of the letters: close to log2(64) = 6 bits each for uniform randomness.
    counts = [letters.count(c) for c in set(letters)]
    entropy = -sum(n / len(letters) * math.log2(n / len(letters)) for n in counts)
    assert entropy > 5.99


@pytest.mark.parametrize("nbytes", [8, 15, 65])
def test_new_token_refuses_sizes_below_128_bits_or_above_64_bytes(nbytes):
    with pytest.raises(ValueError, match=f"not {nbytes}"):
        tokens.new_token(nbytes)


def test_hash_is_the_sha256_hex_of_the_raw_token():
    assert tokens.hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_hash_of_a_url_with_a_lone_surrogate_does_not_raise():
    assert tokens.hash_token("a\udc80") == hashlib.sha256(b"a\xed\xb2\x80").hexdigest()


def test_matches_only_the_token_whose_hash_is_stored():
    raw, digest = tokens.new_token(24)
    other, _other_digest = tokens.new_token(24)

    assert tokens.matches(raw, digest) is True
    assert tokens.matches(other, digest) is False
    assert tokens.matches(raw[:-1], digest) is False


def test_matches_compares_in_constant_time():
    assert "hmac.compare_digest" in getsource(tokens.matches)


@pytest.mark.parametrize("nbytes", [24, 32])
def test_every_length_issued_today_is_well_formed(nbytes):
    raws = [tokens.new_token(nbytes)[0] for _ in range(200)]

    assert all(tokens.is_well_formed(raw) for raw in raws)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        None,
        "a" * 21,  # fewer than 128 bits
        "a" * 87,  # longer than any token we issue
        "abc def ghi jkl mno pqr stu v",
        "abcdefghijklmnopqrstuvwxyzABCDEF/",
        "abcdefghijklmnopqrstuvwxyzABCDEF=",
        "abcdéfghijklmnopqrstuvwxyzABCDEF",  # not ASCII
        "abcdefghijklmnopqrstuvwxyzABCDEF\n",
    ],
)
def test_malformed_tokens_are_refused(raw):
    assert tokens.is_well_formed(raw) is False
