"""Settings of the test suite: the platform's own, isolated from any instance running beside it.

`make run` and `make test` run side by side on one machine. The suite never shares with a running
instance:
- a database: pytest-django creates `test_<name>` (plus `_gw0`, `_gw1`… per pytest-xdist worker);
- files: photos, logos, reports and conventions go to a temporary folder of this process;
- a broker database or a queue: the tests' tasks go to their own Redis database
  (TEST_CELERY_BROKER_URL, database 15 by default) and to a queue named for this process, so no
  worker of another instance, listening on the development queue, can take them.

The broker URL, queue and file folders are also put in the environment, so that every process a test starts
(a real Celery worker, gunicorn, a management command) inherits them.
"""

import atexit
import os
import shutil
import tempfile
import uuid

os.environ["CELERY_BROKER_URL"] = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
os.environ["CELERY_TASK_DEFAULT_QUEUE"] = f"cops-test-{uuid.uuid4().hex[:12]}"
_files = tempfile.mkdtemp(prefix="cops-test-files-")
atexit.register(shutil.rmtree, _files, ignore_errors=True)
os.environ["MEDIA_ROOT"] = os.path.join(_files, "media")
os.environ["PRIVATE_MEDIA_ROOT"] = os.path.join(_files, "private")

from cops.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SITE_URL = "http://testserver"
