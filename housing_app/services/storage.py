"""File storage for photos and PDFs, behind a small interface so another backend (e.g. S3) can
be added without touching the views.

Files are addressed by an opaque key such as `photos/2f/2f9c…e1.jpg`; keys are made here, never
from user input, and checked on the way back in so a key can never escape the storage folder.
"""

import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

_KEY_PATTERN = re.compile(r"^[a-z0-9_-]+/[0-9a-f]{2}/[0-9a-f]{32}\.[a-z0-9]{1,5}$")


class StorageError(Exception):
    pass


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str


class LocalFileStorage:
    """Stores files under a folder on local disk (UPLOAD_FOLDER)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _KEY_PATTERN.match(key or ""):
            raise StorageError("not a storage key")
        return self.root / key

    def save(self, data: bytes, category: str, extension: str) -> StoredFile:
        """Write `data` under a new key in `category` (e.g. "photos", "pdfs")."""
        if not re.fullmatch(r"[a-z0-9_-]+", category) or not re.fullmatch(r"[a-z0-9]{1,5}", extension):
            raise StorageError("bad category or extension")
        name = uuid.uuid4().hex
        key = f"{category}/{name[:2]}/{name}.{extension}"
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)  # atomic: readers never see half a file
        return StoredFile(key=key, size=len(data), sha256=hashlib.sha256(data).hexdigest())

    def read(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise StorageError(f"no file for key {key}") from None

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def local_path(self, key: str) -> Path:
        """A path on disk for `send_file` and WeasyPrint; other backends may download first."""
        return self._path(key)


def get_storage() -> LocalFileStorage:
    return LocalFileStorage(current_app.config["UPLOAD_FOLDER"])
