from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """Single-use: the hash covers the verification date, which the first use sets.

    Valid for settings.EMAIL_VERIFICATION_TIMEOUT seconds, not PASSWORD_RESET_TIMEOUT: the
    verification email states that duration (valid_days), so both read the one setting.
    """

    key_salt = "actors.tokens.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.email}{user.email_verified_at}{timestamp}"

    @staticmethod
    def valid_days() -> int:
        return settings.EMAIL_VERIFICATION_TIMEOUT // (60 * 60 * 24)

    def check_token(self, user, token):
        # Django's check_token, with our own timeout (it reads PASSWORD_RESET_TIMEOUT directly).
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        matches = any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )
        return matches and (self._num_seconds(self._now()) - ts) <= settings.EMAIL_VERIFICATION_TIMEOUT


email_verification_token = EmailVerificationTokenGenerator()
