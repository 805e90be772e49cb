"""docker-compose.yml, Dockerfile and .env.example: no Docker engine runs here, so read them closely."""

import ast
import re
import shlex

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands

ROOT = settings.BASE_DIR


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def command_text(service: dict) -> str:
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def settings_variables() -> set[str]:
    """Every NAME in env_*("NAME", …) calls of cops/settings.py."""
    tree = ast.parse((ROOT / "cops" / "settings.py").read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id.startswith("env_")
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def test_compose_has_the_five_services(services):
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}


def test_compose_images_and_builds(services):
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    for name in ("web", "worker", "beat"):
        assert services[name]["build"] == "."
        assert services[name]["image"] == "cops-occitanie:latest"


def test_compose_database_and_broker_health_checks(services):
    assert services["postgres"]["healthcheck"]["test"] == ["CMD-SHELL", "pg_isready -U cops -d cops"]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert services["postgres"]["environment"]["POSTGRES_DB"] == "cops"
    assert services["postgres"]["environment"]["POSTGRES_USER"] == "cops"


def test_compose_web_prepares_then_runs_gunicorn_and_checks_healthz(services):
    web = services["web"]
    command = command_text(web)

    steps = [step.strip() for step in command.split("-c", 1)[1].split("&&")]
    assert steps[:4] == [
        "python manage.py migrate --no-input",
        "python manage.py createcachetable",
        "python manage.py load_reference_data",
        "python manage.py collectstatic --no-input -v0",
    ]
    assert steps[4].startswith("exec gunicorn cops.wsgi:application --bind 0.0.0.0:8000")
    assert web["ports"] == ["8000:8000"]
    probe = web["healthcheck"]["test"]
    assert probe[:3] == ["CMD", "python", "-c"]
    assert "http://127.0.0.1:8000/healthz" in probe[3]
    compile(probe[3], "healthcheck", "exec")
    assert r"^healthz$" in settings.SECURE_REDIRECT_EXEMPT  # the probe speaks plain HTTP


def test_compose_web_commands_exist():
    commands = get_commands()

    for name in ("migrate", "createcachetable", "load_reference_data", "collectstatic", "compilemessages"):
        assert name in commands, name


def test_compose_worker_and_beat(services):
    assert services["worker"]["command"] == [
        "celery",
        "-A",
        "cops",
        "worker",
        "--loglevel=INFO",
        "--concurrency=2",
    ]
    assert services["beat"]["command"] == [
        "celery", "-A", "cops", "beat", "--loglevel=INFO",
        "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler",
    ]  # fmt: skip
    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"


def test_compose_waits_for_healthy_dependencies(services):
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}
    for name in ("worker", "beat"):
        assert services[name]["depends_on"]["web"] == {"condition": "service_healthy"}


def test_compose_environment_is_production_from_env_file(services):
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert service["env_file"] == ".env"
        env = service["environment"]
        assert env["COPS_ENV"] == "production"
        assert env["DATABASE_URL"].startswith("postgres://cops:${POSTGRES_PASSWORD")
        assert env["DATABASE_URL"].endswith("@postgres:5432/cops")
        assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
        assert (env["MEDIA_ROOT"], env["PRIVATE_MEDIA_ROOT"]) == ("/data/media", "/data/private")


def test_compose_volumes(compose, services):
    assert set(compose["volumes"]) == {"pgdata", "redisdata", "media"}
    assert services["postgres"]["volumes"] == ["pgdata:/var/lib/postgresql/data"]
    assert services["redis"]["volumes"] == ["redisdata:/data"]
    # The worker writes reports that web serves: both see the same media volume.
    assert services["web"]["volumes"] == services["worker"]["volumes"] == ["media:/data"]


def test_dockerfile_builds_a_slim_non_root_image_with_the_system_packages():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert dockerfile.splitlines()[1] == "FROM python:3.11-slim-bookworm"
    install = re.search(r"apt-get install -y --no-install-recommends \\\s*\n\s*(.+?) \\", dockerfile).group(1)
    assert set(install.split()) >= {"libgdal32", "libharfbuzz-subset0", "fonts-dejavu-core", "gettext"}
    assert "RUN pip install --require-hashes --no-deps -r requirements.lock\n" in dockerfile
    assert "useradd --create-home --uid 1000 cops" in dockerfile
    assert re.search(r"^USER cops$", dockerfile, re.M)
    cmd = re.search(r"^CMD (.+)$", dockerfile, re.M).group(1)
    assert ast.literal_eval(cmd)[:2] == ["gunicorn", "cops.wsgi:application"]
    assert "MEDIA_ROOT=/data/media" in dockerfile and "PRIVATE_MEDIA_ROOT=/data/private" in dockerfile


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().split())

    assert {".env", ".git", ".venv", "media", "private_media", "staticfiles"} <= ignored


def test_env_example_lists_every_variable_settings_read():
    lines = (ROOT / ".env.example").read_text().splitlines()
    listed = {}
    for index, line in enumerate(lines):
        match = re.match(r"^(?:# )?([A-Z][A-Z0-9_]+)=", line)
        if match:
            listed[match.group(1)] = index

    read = settings_variables()

    assert len(read) >= 30
    assert read - set(listed) == set(), "variables missing from .env.example"
    assert set(listed) - read == {"POSTGRES_PASSWORD"}, "variables listed but never read"
    for name, index in listed.items():
        # Each variable (or group of variables) follows an explanatory comment.
        above = index - 1
        while above >= 0 and above in listed.values():
            above -= 1
        assert lines[above].startswith("# ") and "=" not in lines[above].split()[1], name


def test_env_example_shows_the_defaults():
    text = (ROOT / ".env.example").read_text()

    assert "Défaut : postgres://postgres@127.0.0.1:5432/cops" in text
    assert "Défaut : redis://127.0.0.1:6379/0" in text
    assert "Défaut : dev-only-insecure-secret-key-change-me" in text
    assert f"Défaut : {settings.EMAIL_TIMEOUT}" in text


def test_env_example_production_values_need_the_secrets_filled_in():
    values = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if re.match(r"^[A-Z]", line)
    )

    assert values["COPS_ENV"] == "production"
    assert values["DEBUG"] == "false"
    assert values["SECRET_KEY"] == ""  # refused at start until someone sets it
    assert "127.0.0.1" in values["ALLOWED_HOSTS"].split(",")  # the container health check's host
    assert shlex.split(values["CSRF_TRUSTED_ORIGINS"]) == ["https://cops-occitanie.fr"]


def test_dockerfile_builds_the_catalogues_by_the_same_recipe_as_make():
    dockerfile = (ROOT / "Dockerfile").read_text()
    makefile = (ROOT / "Makefile").read_text()

    assert "RUN python manage.py build_catalogues" in dockerfile
    assert "compilemessages" not in dockerfile and "makemessages" not in dockerfile
    messages = re.search(r"^messages:\n((?:\t.+\n)+)", makefile, re.M).group(1)
    assert messages.split() == ["@$(MANAGE)", "build_catalogues"]
    assert "build_catalogues" in get_commands()


def locked(path) -> dict[str, str]:
    """Package name (normalised) → exact version, from a pip-compile lock file with hashes."""
    pins = {}
    for line in (ROOT / path).read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^ ;]+) \\$", line)
        if match:
            pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return pins


def declared(extra: str | None = None) -> set[str]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return {
        re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.\-]+", item).group(0)).lower() for item in requirements
    }


def test_lock_files_pin_every_declared_dependency_with_hashes():
    application, development = locked("requirements.lock"), locked("requirements-dev.lock")

    assert declared() <= set(application)
    assert declared() | declared("dev") <= set(development)
    for name, version in application.items():
        assert development.get(name) == version, f"{name}: the two lock files disagree"
    for path in ("requirements.lock", "requirements-dev.lock"):
        text = (ROOT / path).read_text()
        entries = re.findall(
            r"^[A-Za-z0-9_.\-]+==\S+ \\\n((?:\s+--hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)", text, re.M
        )
        assert len(entries) == len(locked(path)), f"{path}: a pinned package without its hashes"


def test_make_and_ci_install_from_the_lock_file():
    makefile = (ROOT / "Makefile").read_text()

    assert "install -q --require-hashes --no-deps -r requirements-dev.lock" in makefile
    assert re.search(r"^\.venv/\.installed: requirements-dev\.lock$", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()
