import factory

from cops.tokens import hash_token
from selfassess.enums import Side
from selfassess.models import AssessmentSession, Criterion, Framework, Participant, Sector
from tests.factories.actors import UserFactory

SCALE = [
    "Action non réalisée conjointement",
    "Action rarement réalisée conjointement",
    "Action parfois réalisée conjointement",
    "Action souvent réalisée conjointement",
    "Action pleinement réalisée ensemble",
]


class FrameworkFactory(factory.django.DjangoModelFactory):
    """A small framework: by default two sectors of two criteria (codes a, b, c, d)."""

    class Meta:
        model = Framework
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"referentiel-{n}")
    version = 1
    name = factory.Sequence(lambda n: f"Référentiel d'essai {n}")
    guidance_professional = "Consigne professionnels"
    guidance_user = "Consigne usagers"
    label_0, label_1, label_2, label_3, label_4 = SCALE

    @factory.post_generation
    def criteria(self, create, extracted, **kwargs):
        """`criteria=[("Secteur", ["a", "b"]), …]`; codes become texts « Critère a »."""
        if not create:
            return
        layout = (
            extracted
            if extracted is not None
            else [("Co-expression", ["a", "b"]), ("Co-décision", ["c", "d"])]
        )
        position = 0
        for sector_position, (sector_name, codes) in enumerate(layout, start=1):
            sector = Sector.objects.create(framework=self, name=sector_name, position=sector_position)
            for code in codes:
                position += 1
                Criterion.objects.create(
                    framework=self,
                    sector=sector,
                    code=code,
                    text=f"Critère {code}",
                    short_label=f"Court {code}",
                    position=position,
                )


class AssessmentSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentSession

    title = factory.Sequence(lambda n: f"Séance {n}")
    framework = factory.SubFactory(FrameworkFactory)
    facilitator = factory.SubFactory(UserFactory)


class ParticipantFactory(factory.django.DjangoModelFactory):
    """`token` (not a model field) is the clear token; only its hash is stored."""

    class Meta:
        model = Participant

    session = factory.SubFactory(AssessmentSessionFactory)
    name = factory.Sequence(lambda n: f"Participant {n}")
    email = factory.Sequence(lambda n: f"participant{n}@exemple.fr")
    side = Side.PROFESSIONAL
    token = factory.Sequence(lambda n: f"jeton-de-test-{n:04d}-" + "x" * 30)
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.token))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        token = kwargs.pop("token")
        participant = super()._create(model_class, *args, **kwargs)
        participant.token = token  # for tests: the link a participant would have received
        return participant
