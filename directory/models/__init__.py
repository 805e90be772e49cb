"""The directory's own tables: its search index, and the contact relay between partners."""

from directory.models.contact import ContactMessage, ContactPurpose
from directory.models.index import AUDIENCES, Entry, audience_for_level
from directory.models.resources import Resource, ResourceAudience, ResourceKind, ResourceLicence

__all__ = [
    "AUDIENCES",
    "ContactMessage",
    "ContactPurpose",
    "Entry",
    "Resource",
    "ResourceAudience",
    "ResourceKind",
    "ResourceLicence",
    "audience_for_level",
]
