import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from cops.enums import ReportStatus
from cops.models import OutgoingEmail, ReportJob
from tests.factories.actors import UserFactory


class OutgoingEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutgoingEmail

    template = "tests/email"
    to = factory.LazyFunction(lambda: ["destinataire@exemple.fr"])
    subject = "Objet du courriel"
    body_text = "Bonjour,\n"


class ReportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportJob

    kind = "platform.activity"
    params = factory.LazyFunction(dict)
    title = "Rapport d'activité de la plateforme"
    requested_by = factory.SubFactory(UserFactory)
    status = ReportStatus.PENDING


class DoneReportJobFactory(ReportJobFactory):
    """A finished job with a small PDF in private storage (point PRIVATE_MEDIA_ROOT at tmp_path)."""

    status = ReportStatus.DONE
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyFunction(timezone.now)
    filename = "rapport-activite.pdf"
    size = 18
    file = factory.LazyAttribute(lambda job: ContentFile(b"%PDF-1.7 rapport\n", name=job.filename))
