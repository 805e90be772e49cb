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

# --- Charter and committees (issue 4) ---
from actors.models.charter import CharterVersion, RenewalInvitation, Signature  # noqa: E402
from actors.models.committees import (  # noqa: E402
    Binome,
    Committee,
    CompositionValidation,
    Decision,
    Mandate,
    Meeting,
    MeetingParticipant,
)

__all__ += [
    "Binome",
    "CharterVersion",
    "Committee",
    "CompositionValidation",
    "Decision",
    "Mandate",
    "Meeting",
    "MeetingParticipant",
    "RenewalInvitation",
    "Signature",
]

# --- Events of the community (a committee meeting is one kind of event) ---
from actors.models.events import (  # noqa: E402
    EventContributor,
    EventDocument,
    EventMessage,
    EventSession,
    SessionRegistration,
)

__all__ += ["EventContributor", "EventDocument", "EventMessage", "EventSession", "SessionRegistration"]

# --- News and the newsletter ---
from actors.models.newsletter import (  # noqa: E402
    NewsItem,
    NewsletterDelivery,
    NewsletterIssue,
    NewsletterIssueItem,
    NewsletterSubscription,
    NewsletterTopic,
)

__all__ += [
    "NewsItem",
    "NewsletterDelivery",
    "NewsletterIssue",
    "NewsletterIssueItem",
    "NewsletterSubscription",
    "NewsletterTopic",
]
