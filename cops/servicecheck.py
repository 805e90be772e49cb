"""Check that PostgreSQL and Redis answer, with one readable line when they do not.

Stdlib only: it runs before the virtualenv's packages are trusted to be there.
Usage: python -m cops.servicecheck
"""

import os
import socket
import sys
from urllib.parse import urlparse

HINTS = {
    "PostgreSQL": "démarrez-le (ex. « pg_ctlcluster 15 main start » ou « docker compose up -d postgres ») "
    "ou indiquez DATABASE_URL",
    "Redis": "démarrez-le (ex. « redis-server --daemonize yes » ou « docker compose up -d redis ») "
    "ou indiquez CELERY_BROKER_URL",
}


def reachable(host: str, port: int, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def main() -> int:
    database = urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cops"))
    broker = urlparse(os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"))
    services = [
        ("PostgreSQL", database.hostname or "127.0.0.1", database.port or 5432),
        ("Redis", broker.hostname or "127.0.0.1", broker.port or 6379),
    ]
    failed = False
    for name, host, port in services:
        if not reachable(host, port):
            print(f"✗ {name} injoignable sur {host}:{port} : {HINTS[name]}.", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
