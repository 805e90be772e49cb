"""Writes about accounts. Directory and charter services live beside this module."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from actors.enums import Role
from actors.models import User
from actors.tokens import email_verification_token
from cops.mail import send_templated_email


def user_sign_up(*, email: str, password: str, first_name: str = "", last_name: str = "") -> User:
    """Create an unverified account and email it a verification link."""
    with transaction.atomic():
        user = User.objects.create_user(
            email=email, password=password, first_name=first_name, last_name=last_name
        )
        user_send_verification(user=user)
    return user


def verification_url(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = email_verification_token.make_token(user)
    return settings.SITE_URL + reverse("actors:verify_email", kwargs={"uidb64": uid, "token": token})


def user_send_verification(*, user: User) -> None:
    send_templated_email(
        to=user.email,
        template="actors/emails/verify_email",
        context={"user": user, "verification_url": verification_url(user)},
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
