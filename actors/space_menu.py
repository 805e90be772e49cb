"""At login, Mon espace's sections are worked out once and kept in the session for the menu
(cops.context_processors reads them back), so that no other page queries for them."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from cops.space import remember_menu, space_sections


@receiver(user_logged_in, dispatch_uid="actors.remember_space_menu")
def remember_space_menu(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):  # a login outside a request (a script)
        return
    remember_menu(request, space_sections(user))
