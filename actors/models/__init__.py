from actors.models.profiles import Membership, Person, Structure
from actors.models.reference import (
    Activity,
    ActorProfile,
    Availability,
    Commune,
    Departement,
    Domain,
    Qualification,
    StructureType,
)
from actors.models.users import User

__all__ = [
    "Activity",
    "ActorProfile",
    "Availability",
    "Commune",
    "Departement",
    "Domain",
    "Membership",
    "Person",
    "Qualification",
    "Structure",
    "StructureType",
    "User",
]
