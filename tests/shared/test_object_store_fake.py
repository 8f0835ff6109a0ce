"""The S3-compatible fake the test broker keeps its data in (services/fakes/object_store.py): what tansu's
storage relies on — conditional writes, reads with ranges and validators, listings by prefix and delimiter."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from services.fakes.object_store import serve
from tests.pg import free_port


@pytest.fixture
def s3() -> Iterator[httpx.Client]:
    server = serve(free_port(), ("tansu",))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    with httpx.Client(base_url=f"http://{host}:{port}", timeout=10) as client:
        yield client
    server.shutdown()
    server.server_close()


def test_a_create_only_write_happens_once_and_a_replace_needs_the_current_version(s3: httpx.Client) -> None:
    created = s3.put("/tansu/meta.json", content=b"{}", headers={"If-None-Match": "*"})
    assert created.status_code == 200 and created.headers["etag"].startswith('"')
    assert s3.put("/tansu/meta.json", content=b"{1}", headers={"If-None-Match": "*"}).status_code == 412
    stale = s3.put("/tansu/meta.json", content=b"{2}", headers={"If-Match": '"not-it"'})
    assert stale.status_code == 412 and b"PreconditionFailed" in stale.content
    replaced = s3.put("/tansu/meta.json", content=b"{3}", headers={"If-Match": created.headers["etag"]})
    assert replaced.status_code == 200 and replaced.headers["etag"] != created.headers["etag"]
    assert s3.get("/tansu/meta.json").content == b"{3}"
    assert s3.put("/tansu/absent.json", content=b"x", headers={"If-Match": '"x"'}).status_code == 404
    assert s3.put("/nobucket/a", content=b"x").status_code == 404


def test_reads_answer_ranges_and_validators_and_a_deleted_object_is_gone(s3: httpx.Client) -> None:
    etag = s3.put("/tansu/records/0.batch", content=b"0123456789").headers["etag"]
    part = s3.get("/tansu/records/0.batch", headers={"Range": "bytes=2-5"})
    assert part.status_code == 206 and part.content == b"2345" and part.headers["content-range"] == "bytes 2-5/10"
    assert s3.get("/tansu/records/0.batch", headers={"Range": "bytes=-3"}).content == b"789"
    assert s3.get("/tansu/records/0.batch", headers={"If-None-Match": etag}).status_code == 304
    assert s3.get("/tansu/records/0.batch", headers={"If-Match": '"other"'}).status_code == 412
    head = s3.head("/tansu/records/0.batch")
    assert head.status_code == 200 and head.headers["content-length"] == "10" and head.content == b""
    copied = s3.put("/tansu/records/copy.batch", headers={"x-amz-copy-source": "/tansu/records/0.batch"})
    assert copied.status_code == 200 and s3.get("/tansu/records/copy.batch").content == b"0123456789"
    assert s3.delete("/tansu/records/0.batch").status_code == 204
    assert s3.get("/tansu/records/0.batch").status_code == 404


def test_a_listing_by_prefix_and_delimiter_pages_with_a_continuation_token(s3: httpx.Client) -> None:
    for key in ("t/p0/a", "t/p0/b", "t/p1/a", "t/x", "u/y"):
        s3.put(f"/tansu/{key}", content=key.encode())
    flat = s3.get("/tansu", params={"list-type": "2", "prefix": "t/"}).text
    assert [k for k in ("t/p0/a", "t/p0/b", "t/p1/a", "t/x", "u/y") if f"<Key>{k}</Key>" in flat] == \
        ["t/p0/a", "t/p0/b", "t/p1/a", "t/x"]
    folders = s3.get("/tansu", params={"list-type": "2", "prefix": "t/", "delimiter": "/"}).text
    assert "<Prefix>t/p0/</Prefix>" in folders and "<Prefix>t/p1/</Prefix>" in folders
    assert "<Key>t/x</Key>" in folders and "<Key>t/p0/a</Key>" not in folders
    first = s3.get("/tansu", params={"list-type": "2", "max-keys": "2"}).text
    assert "<IsTruncated>true</IsTruncated>" in first and "<KeyCount>2</KeyCount>" in first
    token = first.split("<NextContinuationToken>")[1].split("<")[0]
    rest = s3.get("/tansu", params={"list-type": "2", "continuation-token": token}).text
    assert "<KeyCount>3</KeyCount>" in rest and "<IsTruncated>false</IsTruncated>" in rest
