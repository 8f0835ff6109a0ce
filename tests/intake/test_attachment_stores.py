"""The `AttachmentStore` port's two adapters behave alike: a folder, and an S3-compatible bucket (moto's
S3 server over HTTP, as MinIO or a government cloud's object store would answer)."""

from __future__ import annotations

import pytest

from services.intake.bootstrap import attachment_store
from services.intake.settings import IntakeSettings
from shared.filestore import FolderStore, S3Store, StoredFileMissing
from tests.intake.conftest import s3_store


@pytest.fixture(params=["folder", "s3"])
def store(request, tmp_path):
    if request.param == "folder":
        return FolderStore(tmp_path / "attachments")
    return s3_store(request.getfixturevalue("s3_server"))


def test_a_store_puts_gets_streams_lists_and_deletes(store):
    assert store.keys() == []
    key = store.put(b"\x89PNG bytes")
    other = store.put(b"")
    assert key != other and len(key) == 32
    assert store.get(key) == b"\x89PNG bytes" and store.get(other) == b""
    assert b"".join(store.stream(key, chunk=3)) == b"\x89PNG bytes"
    assert store.exists(key) and store.keys() == sorted([key, other])
    store.delete(key)
    store.delete(key)  # deleting twice is no error
    assert not store.exists(key) and store.keys() == [other]


def test_a_missing_key_fails_before_any_byte_is_sent(store):
    missing = "0" * 32
    with pytest.raises(StoredFileMissing):
        store.get(missing)
    with pytest.raises(StoredFileMissing):
        store.stream(missing)  # when asked, not half-way through a response


@pytest.mark.parametrize("key", ["../../etc/passwd", "ABCDEF" * 6, "", "a" * 31])
def test_only_keys_the_store_gave_are_taken(store, key):
    with pytest.raises(ValueError):
        store.get(key)


def test_a_large_file_streams_in_chunks(store):
    data = bytes(range(256)) * 4096  # 1 MiB
    key = store.put(data)
    chunks = list(store.stream(key, chunk=64 * 1024))
    assert b"".join(chunks) == data and len(chunks) >= 2


def test_two_prefixes_in_one_bucket_do_not_see_each_other(s3_server):
    one, two = s3_store(s3_server), s3_store(s3_server)
    key = one.put(b"one")
    assert two.keys() == [] and not two.exists(key)


def test_the_settings_choose_the_store(s3_server, tmp_path):
    folder = attachment_store(IntakeSettings(attachment_dir=str(tmp_path / "files")))
    assert isinstance(folder, FolderStore) and folder.root == (tmp_path / "files").resolve()
    s3 = attachment_store(IntakeSettings(attachment_store="s3", s3_endpoint_url=s3_server.endpoint,
                                         s3_bucket=s3_server.bucket, s3_prefix="from-settings/",
                                         s3_access_key_id="test", s3_secret_access_key="test"))
    assert isinstance(s3, S3Store)
    key = s3.put(b"through the settings")
    assert s3_store(s3_server, "from-settings/").get(key) == b"through the settings"


def test_an_s3_store_without_a_bucket_is_refused_at_start():
    with pytest.raises(ValueError, match="ATTACHMENT_STORE=s3 needs S3_BUCKET"):
        IntakeSettings(attachment_store="s3")
