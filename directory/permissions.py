"""Who may edit and moderate the directory's persons and structures."""

from actors.permissions import is_cops_staff, is_structure_referent


def can_edit_person(user, person) -> bool:
    """A person's profile is edited by its owner, or by the COPS staff."""
    if not user.is_authenticated:
        return False
    return is_cops_staff(user) or (person.user_id is not None and person.user_id == user.pk)


def can_edit_structure(user, structure) -> bool:
    """The account that registered the structure, its référents, and the COPS staff."""
    if not user.is_authenticated:
        return False
    if is_cops_staff(user) or (structure.created_by_id is not None and structure.created_by_id == user.pk):
        return True
    return is_structure_referent(user, structure)


def can_moderate_directory(user) -> bool:
    return is_cops_staff(user)
