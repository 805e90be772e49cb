"""`make run` serves the site as production does: gunicorn, DEBUG off, static files through
whitenoise, the site's own error pages (never Django's technical 404 listing every URL)."""

import os
import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from tests.workers import database_url_for_tests, free_port, run_python, wait_until


def run_target_server_command() -> list[str]:
    """The web server line of the Makefile's `run` target, as a command (its port made free)."""
    makefile = (settings.BASE_DIR / "Makefile").read_text()
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    line = re.search(r"(DEBUG=\S+ \.venv/bin/gunicorn .+?)\s*&", recipe.replace("\\\n\t", " ")).group(1)
    return line.replace("$(PORT)", "{port}").split()


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()


def test_make_run_starts_gunicorn_with_debug_off():
    command = run_target_server_command()

    assert command[0] == "DEBUG=false"
    assert command[1:3] == [".venv/bin/gunicorn", "cops.wsgi:application"]
    assert "--bind" in command and command[command.index("--bind") + 1] == "127.0.0.1:{port}"


@pytest.mark.django_db(transaction=True)
def test_make_run_serves_the_sites_own_404_page_and_static_files(tmp_path):
    static_root = tmp_path / "static"
    collected = run_python(
        ["manage.py", "collectstatic", "--no-input", "-v0"], {"STATIC_ROOT": str(static_root)}, timeout=120
    )
    assert collected.returncode == 0, collected.stderr
    port = free_port()
    debug, _gunicorn, *arguments = run_target_server_command()
    arguments = [argument.replace("{port}", str(port)) for argument in arguments]
    arguments[arguments.index("--workers") + 1] = "1"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *arguments],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cops.settings",
            "DATABASE_URL": database_url_for_tests(),
            "STATIC_ROOT": str(static_root),
            debug.split("=")[0]: debug.split("=")[1],
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(base), timeout=60, what="gunicorn answering")
        missing = get(f"{base}/page-mal-tapee/")
        stylesheet = get(f"{base}/static/css/cops.css")
    finally:
        server.terminate()
        server.wait(timeout=20)

    status, _type, page = missing
    assert status == 404
    assert "Cette page n'existe pas (ou plus)" in page
    assert "Page introuvable · COPS Occitanie" in page
    assert "Using the URLconf" not in page and "urlpatterns" not in page
    assert stylesheet[0] == 200 and stylesheet[1].startswith("text/css")
    assert stylesheet[2] == (settings.BASE_DIR / "static" / "css" / "cops.css").read_text()


def _answers(base: str) -> bool:
    try:
        get(f"{base}/healthz")
    except OSError:
        return False
    return True
