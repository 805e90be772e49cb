"""Storage for files that must never be public (reports, signed documents).

They live under settings.PRIVATE_MEDIA_ROOT, outside MEDIA_ROOT, have no URL, and are only
served by views that check who is asking.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible(path="cops.storage.PrivateMediaStorage")
class PrivateMediaStorage(FileSystemStorage):
    # Read the setting on every access (not cached) so tests can point it at a temporary directory.
    @property
    def base_location(self) -> Path:
        return Path(self._location or settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> None:
        return None

    def url(self, name):
        raise ValueError("private files have no public URL; serve them through a permission-checked view")


private_storage = PrivateMediaStorage()
