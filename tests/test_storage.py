import hashlib

import pytest

from housing_app.services.storage import LocalFileStorage, StorageError, get_storage


def test_save_read_delete_round_trip(tmp_path):
    storage = LocalFileStorage(tmp_path)
    stored = storage.save(b"photo bytes", "photos", "jpg")
    assert stored.key.startswith("photos/") and stored.key.endswith(".jpg")
    assert stored.size == 11 and stored.sha256 == hashlib.sha256(b"photo bytes").hexdigest()
    assert storage.read(stored.key) == b"photo bytes"
    assert storage.local_path(stored.key).is_relative_to(tmp_path)
    storage.delete(stored.key)
    assert not storage.exists(stored.key)
    with pytest.raises(StorageError):
        storage.read(stored.key)


@pytest.mark.parametrize("key", ["../etc/passwd", "photos/../../x", "/etc/passwd", "", "photos/ab/x.jpg"])
def test_keys_cannot_escape_the_folder(tmp_path, key):
    with pytest.raises(StorageError):
        LocalFileStorage(tmp_path).read(key)


def test_bad_category_is_refused(tmp_path):
    with pytest.raises(StorageError):
        LocalFileStorage(tmp_path).save(b"x", "../up", "jpg")


def test_get_storage_uses_the_configured_folder(app):
    assert str(get_storage().root) == app.config["UPLOAD_FOLDER"]
