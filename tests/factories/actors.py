import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from actors.enums import Role
from actors.models import User

PASSWORD = "un-mot-de-passe-solide"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        roles = extracted if extracted is not None else ([Role.PARTNER] if self.email_verified_at else [])
        if create and roles:
            self.groups.add(*Group.objects.filter(name__in=[role.value for role in roles]))


class UnverifiedUserFactory(UserFactory):
    email_verified_at = None
