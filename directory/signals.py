"""The directory's receivers of other apps' signals, connected in DirectoryConfig.ready() (the model
signals below by their @receiver decorators, when this module is imported there)."""

from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver

from actors.enums import ActorKind, ModerationStatus
from actors.models import Person
from directory.indexing import index_persons, index_projects, index_structures
from directory.models import Project, ProjectPersonStatus


def reindex_charter_signatories(sender, *, kind: str, actor_ids: list[int], **kwargs) -> None:
    """actors.signals.charter_signatures_changed: refresh the "engagé(e) dans la charte COPS" tag
    and badge of these actors' entries (sent after commit; from a task after a version is published)."""
    index = index_persons if kind == ActorKind.PERSON else index_structures
    index(actor_ids)


@receiver(pre_delete, sender=Person, dispatch_uid="directory.person_projects_before_delete")
def _remember_person_projects(sender, instance: Person, **kwargs) -> None:
    """An erased person's name must leave the search text of the projects they took part in."""
    instance._directory_project_ids = list(
        Project.objects.filter(
            status=ModerationStatus.PUBLISHED,
            people__person_id=instance.pk,
            people__status=ProjectPersonStatus.ACCEPTED,
        ).values_list("pk", flat=True)
    )


@receiver(post_delete, sender=Person, dispatch_uid="directory.person_projects_after_delete")
def _reindex_person_projects(sender, instance: Person, **kwargs) -> None:
    project_ids = getattr(instance, "_directory_project_ids", [])
    if project_ids:
        index_projects(project_ids)
