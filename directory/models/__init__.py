"""The directory's own tables: its search index, and the contact relay between partners."""

from directory.models.contact import ContactMessage, ContactPurpose
from directory.models.index import AUDIENCES, Entry, EntryKind, audience_for_level
from directory.models.projects import (
    Project,
    ProjectDocument,
    ProjectDocumentKind,
    ProjectPerson,
    ProjectPersonStatus,
    ProjectState,
)
from directory.models.resources import Resource, ResourceAudience, ResourceKind, ResourceLicence

__all__ = [
    "AUDIENCES",
    "ContactMessage",
    "ContactPurpose",
    "Entry",
    "EntryKind",
    "Project",
    "ProjectDocument",
    "ProjectDocumentKind",
    "ProjectPerson",
    "ProjectPersonStatus",
    "ProjectState",
    "Resource",
    "ResourceAudience",
    "ResourceKind",
    "ResourceLicence",
    "audience_for_level",
]
