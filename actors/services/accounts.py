"""Writes about accounts. Directory and charter services live beside this module."""

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from actors.enums import Role
from actors.models import User
from actors.tokens import email_verification_token
from cops.mail import send_templated_email


def user_sign_up(*, email: str, password: str, first_name: str = "", last_name: str = "") -> User | None:
    """Create an unverified account and email it a verification link.

    An address that already has an account gets no second one: its holder is told by email that
    someone tried, and None is returned. The caller answers the same either way, so the sign-up
    form cannot be used to learn who is registered.
    """
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        # Hash anyway: a new account costs one password hash, and the answer's delay must not
        # tell the two cases apart either.
        make_password(password)
        user_warn_of_signup_attempt(user=existing)
        return None
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, first_name=first_name, last_name=last_name
            )
            user_send_verification(user=user)
    except IntegrityError:  # the same address signed up at the same moment: the first one wins
        existing = User.objects.filter(email__iexact=email).first()
        if existing is not None:
            user_warn_of_signup_attempt(user=existing)
        return None
    return user


def user_warn_of_signup_attempt(*, user: User) -> None:
    """Tell an account holder that someone tried to sign up with their address, and how to get in."""
    send_templated_email(
        to=user.email,
        template="actors/emails/signup_existing_account",
        context={
            "user": user,
            "login_url": settings.SITE_URL + reverse("actors:login"),
            "password_reset_url": settings.SITE_URL + reverse("actors:password_reset"),
            # Not confirmed yet: probably the holder, who lost the first link; give a fresh one.
            "verification_url": "" if user.is_verified else verification_url(user),
            "valid_days": email_verification_token.valid_days(),
        },
    )


def verification_url(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = email_verification_token.make_token(user)
    return settings.SITE_URL + reverse("actors:verify_email", kwargs={"uidb64": uid, "token": token})


def user_send_verification(*, user: User) -> None:
    send_templated_email(
        to=user.email,
        template="actors/emails/verify_email",
        context={
            "user": user,
            "verification_url": verification_url(user),
            "valid_days": email_verification_token.valid_days(),
        },
    )


@transaction.atomic
def user_verify_email(*, user: User) -> User:
    """Mark the address as verified and make the account a partner."""
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    user_add_role(user=user, role=Role.PARTNER)
    return user


def user_add_role(*, user: User, role: Role) -> None:
    user.groups.add(Group.objects.get(name=role.value))
    if hasattr(user, "_role_names"):
        del user._role_names


def user_remove_role(*, user: User, role: Role) -> None:
    user.groups.remove(Group.objects.get(name=role.value))
    if hasattr(user, "_role_names"):
        del user._role_names
