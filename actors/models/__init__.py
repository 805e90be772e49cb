from actors.models.reference import ActorProfile, Commune, Departement, Domain, StructureType
from actors.models.users import User

__all__ = ["ActorProfile", "Commune", "Departement", "Domain", "StructureType", "User"]
