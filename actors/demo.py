"""Demo accounts (one per role), then the charter and the committees (cops/demo.py runs them:
the accounts before any app's data, the charter once the directory has its persons and structures)."""

from django.utils import timezone

from actors.demo_charter import seed_charter
from actors.enums import Role
from actors.events.demo import seed_events
from actors.models import User
from actors.newsletter.demo import seed_news
from actors.newsletter.demo_issues import seed_issues
from actors.services.accounts import user_add_role

DEMO_PASSWORD = "demo-cops-occitanie"

DEMO_ACCOUNTS = [
    ("admin@cops.demo", "Alix", "Admin", [Role.ADMIN, Role.STAFF, Role.PARTNER], True),
    ("equipe@cops.demo", "Camille", "Binôme", [Role.STAFF, Role.PARTNER], False),
    ("copil@cops.demo", "Dominique", "Copil", [Role.COPIL, Role.PARTNER], False),
    ("partenaire@cops.demo", "Sacha", "Partenaire", [Role.PARTNER], False),
]


def seed_accounts(ctx) -> None:
    accounts = {}
    for email, first_name, last_name, roles, is_superuser in DEMO_ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                first_name=first_name,
                last_name=last_name,
                email_verified_at=timezone.now(),
                is_staff=is_superuser,
                is_superuser=is_superuser,
            )
        for role in roles:
            user_add_role(user=user, role=role)
        accounts[email] = user
    ctx.shared["accounts"] = accounts
    ctx.shared["accounts_password"] = DEMO_PASSWORD
    ctx.log(f"Comptes de démonstration : {len(accounts)}")


def seed(ctx) -> None:
    # The directory's persons, structures and memberships are there (directory/demo.py runs first).
    seed_charter(ctx)
    seed_events(ctx)
    seed_news(ctx)  # after the events: news items link to them
    seed_issues(ctx)  # after the news and the subscribers: the newsletter's issues pick from them
