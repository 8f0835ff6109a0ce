"""Attachments through the HTTP API, on both databases: the citizen uploads with their private token,
staff who may see the case (and the citizen) get the bytes back; every refusal stores nothing."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from services.intake.adapters.repository import AttachmentRepository
from services.intake.adapters.tables import AttachmentRow, ComplaintRow
from services.intake.domain.commands import AddAttachment
from services.intake.service_layer.handlers import AttachmentStore
from shared.clock import FakeClock
from shared.contracts import events as ev
from shared.filestore import FolderStore
from tests.intake.conftest import Intake, s3_store
from tests.intake.test_attachments_domain import HECHUAN_GPS, exif_of, mp4, picture

MB = 1024 * 1024


@pytest.fixture(params=["folder", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> AttachmentStore:
    """Every journey on both of the port's adapters: a folder, and an S3-compatible bucket."""
    if request.param == "folder":
        return FolderStore(tmp_path / "attachments")
    return s3_store(request.getfixturevalue("s3_server"))


@pytest.fixture
def intake(engine: Engine, clock: FakeClock, store: AttachmentStore) -> Iterator[Intake]:
    embedded = Intake(engine, clock, attachments=store)
    yield embedded
    embedded.client.close()


def upload(intake: Intake, token: str, data: bytes, *, name: str = "photo.jpg", ctype: str = "image/jpeg",
           **form: Any) -> Any:
    return intake.client.post(f"/api/v1/r/{token}/attachments", files={"file": (name, data, ctype)}, data=form)


def rows(engine: Engine) -> list[AttachmentRow]:
    with Session(engine) as session:
        return list(session.scalars(select(AttachmentRow)))


def login(intake: Intake, username: str) -> dict[str, str]:
    answer = intake.client.post("/api/v1/auth/token", data={"username": username, "password": "demo"})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def assign(intake: Intake, received: dict[str, Any], department: str) -> None:
    now = intake.clock.now()
    day = timedelta(days=1)
    intake.deliver(ev.CaseAssignedV1(
        complaint_id=received["id"], tracking_code=received["tracking_code"], department=department,
        category="noise", subcategory="construction", received_at=now, assign_due=now + day, assigned_at=now,
        accept_due=now + day, return_due=now + day, reply_due=now + 10 * day, rule="test", by="system"))


def test_the_citizen_uploads_a_photo_and_sees_it_listed_and_served(intake, engine, store):
    received = intake.report(reporter={"phone": "13812345678"})
    token = received["citizen_token"]
    answer = upload(intake, token, picture("JPEG", gps=HECHUAN_GPS))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert set(body) == {"id", "content_type", "size"} and body["content_type"] == "image/jpeg"

    [row] = rows(engine)
    assert (row.id, row.size, row.gps_removed) == (body["id"], body["size"], True)
    stored = store.get(row.storage_key)
    assert row.sha256 == hashlib.sha256(stored).hexdigest() and len(stored) == row.size
    assert exif_of(stored) == {}  # no GPS (nor anything else) kept

    listed = [{"id": body["id"], "content_type": "image/jpeg", "size": body["size"]}]
    view = intake.client.get(f"/api/v1/r/{token}").json()
    assert view["attachments"] == listed and view["can_attach"] is True
    tracked = intake.client.get(f"/api/v1/complaints/{received['tracking_code']}?phone_last4=5678").json()
    assert tracked["attachments"] == listed

    served = intake.client.get(f"/api/v1/attachments/{body['id']}", params={"token": token})
    assert served.status_code == 200
    assert served.content == stored
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"] == "inline"
    assert served.headers["cache-control"].startswith("private")
    # Without use_location the photo's GPS does not place the complaint.
    with Session(engine) as session:
        assert session.get_one(ComplaintRow, received["id"]).lat is None


def test_the_type_comes_from_the_bytes_not_the_name_or_header(intake, engine, store):
    token = intake.report()["citizen_token"]
    answer = upload(intake, token, picture("PNG"), name="photo.jpg", ctype="image/jpeg")
    assert answer.status_code == 201, answer.text
    assert answer.json()["content_type"] == "image/png"
    video = upload(intake, token, mp4(extra=2000), name="clip.txt", ctype="text/plain")
    assert video.status_code == 201 and video.json()["content_type"] == "video/mp4"
    assert len(store.keys()) == 2


@pytest.mark.parametrize("data", [b"just some text, named photo.jpg", b"\xff\xd8\xff\xe0 not a real jpeg" * 4])
def test_a_file_of_another_kind_is_refused_and_nothing_is_stored(intake, engine, store, data):
    token = intake.report()["citizen_token"]
    answer = upload(intake, token, data, name="photo.jpg", ctype="image/jpeg")
    assert answer.status_code == 415, answer.text
    error = answer.json()["error"]
    assert error["code"] == "unsupported_attachment"
    assert "只能上传" in error["message"] and "only JPEG" in error["message"]
    assert rows(engine) == [] and store.keys() == []


def test_a_wrong_token_is_404_and_nothing_is_stored(intake, engine, store):
    intake.report()
    answer = upload(intake, "not-the-token-" + "x" * 20, picture())
    assert answer.status_code == 404
    assert rows(engine) == [] and store.keys() == []


def test_a_photo_over_its_limit_is_413_and_nothing_is_stored(intake, engine, store):
    token = intake.report()["citizen_token"]
    too_big = picture() + b"\x00" * (10 * MB)  # starts as a JPEG, larger than 10 MB
    answer = upload(intake, token, too_big)
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"]["code"] == "attachment_too_large"
    assert "10 MB" in answer.json()["error"]["message"]
    assert rows(engine) == [] and store.keys() == []


def test_a_body_over_the_upload_limit_is_413_before_it_is_read(intake, engine, store):
    token = intake.report()["citizen_token"]
    answer = upload(intake, token, mp4(extra=31 * MB), name="clip.mp4", ctype="video/mp4")
    assert answer.status_code == 413
    assert rows(engine) == [] and store.keys() == []
    # The upload's own limit does not raise the limit of JSON bodies (256 KiB).
    huge = intake.client.post("/api/v1/complaints", json={"channel": "web", "content": "噪" * 200_000})
    assert huge.status_code == 413


def test_the_upload_takes_only_a_multipart_form(intake, store):
    token = intake.report()["citizen_token"]
    answer = intake.client.post(f"/api/v1/r/{token}/attachments", content=picture(),
                                headers={"Content-Type": "image/jpeg"})
    assert answer.status_code == 415
    form = intake.client.post(f"/api/v1/r/{token}/attachments", data={"use_location": "true"})
    assert form.status_code == 415  # a urlencoded form is not multipart
    missing = intake.client.post(f"/api/v1/r/{token}/attachments", files={"photo": ("a.jpg", picture())})
    assert missing.status_code == 422  # multipart, but no field "file"
    assert store.keys() == []


def test_the_seventh_file_is_refused(intake, engine, store):
    token = intake.report()["citizen_token"]
    for _ in range(6):
        assert upload(intake, token, picture()).status_code == 201
    seventh = upload(intake, token, picture())
    assert seventh.status_code == 409
    assert seventh.json()["error"]["code"] == "too_many_attachments"
    assert len(rows(engine)) == 6 and len(store.keys()) == 6


def test_a_closed_complaint_takes_no_more_files(intake, engine, store):
    received = intake.report()
    token = received["citizen_token"]
    now = intake.clock.now()
    intake.deliver(ev.CaseRepliedV1(complaint_id=received["id"], tracking_code=received["tracking_code"],
                                    department="ecology_env", reply="已处理", replied_at=now, reply_due=now,
                                    reply_round=1, by="li"))
    assert intake.client.post(f"/api/v1/r/{token}/rating", json={"rating": "satisfied",
                                                                 "resolution": "resolved"}).status_code == 201
    answer = upload(intake, token, picture())
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "complaint_closed"
    assert intake.client.get(f"/api/v1/r/{token}").json()["can_attach"] is False
    assert rows(engine) == [] and store.keys() == []


def test_the_photo_as_the_place_sets_the_position_only_of_an_unplaced_complaint(intake, engine):
    unplaced = intake.report()
    placed = intake.report(lat=30.0, lon=106.0)
    for received in (unplaced, placed):
        answer = upload(intake, received["citizen_token"], picture("JPEG", gps=HECHUAN_GPS), use_location="true")
        assert answer.status_code == 201, answer.text
    with Session(engine) as session:
        assert (session.get_one(ComplaintRow, unplaced["id"]).lat,
                session.get_one(ComplaintRow, unplaced["id"]).lon) == (29.975, 106.27)
        assert (session.get_one(ComplaintRow, placed["id"]).lat,
                session.get_one(ComplaintRow, placed["id"]).lon) == (30.0, 106.0)
    assert all(row.gps_removed for row in rows(engine))


def test_who_may_get_the_bytes(intake, store):
    received = intake.report()
    token = received["citizen_token"]
    other_token = intake.report()["citizen_token"]
    attachment = upload(intake, token, picture()).json()["id"]
    url = f"/api/v1/attachments/{attachment}"

    assert intake.client.get(url).status_code == 401  # neither a token nor a sign-in
    assert intake.client.get(url, params={"token": other_token}).status_code == 404  # another complaint's
    assert intake.client.get("/api/v1/attachments/00000000-0000-0000-0000-000000000000",
                             params={"token": token}).status_code == 404
    for user in ("supervisor", "admin", "operator"):
        assert intake.client.get(url, headers=login(intake, user)).status_code == 200, user

    dispatcher = login(intake, "dispatcher-ecology_env")
    assert intake.client.get(url, headers=dispatcher).status_code == 404  # not with any department yet
    assign(intake, received, "ecology_env")
    served = intake.client.get(url, headers=dispatcher)
    assert served.status_code == 200 and Image.open(io.BytesIO(served.content)).format == "JPEG"
    another = intake.client.get(url, headers=login(intake, "dispatcher-urban_management"))
    assert another.status_code == 404
    assert another.json()["error"]["code"] == "not_found"


def test_the_desk_lists_a_complaints_attachments_for_staff_who_may_see_it(intake, store):
    received = intake.report()
    token = received["citizen_token"]
    first = upload(intake, token, picture()).json()
    intake.clock.advance(timedelta(minutes=1))  # listed oldest first
    second = upload(intake, token, picture("PNG")).json()
    intake.report()  # another complaint's files are not listed
    url = f"/api/v1/complaints/{received['id']}/attachments"

    assert intake.client.get(url).status_code == 401
    expected = [{**a, "url": f"/api/v1/attachments/{a['id']}"} for a in (first, second)]
    for user in ("supervisor", "admin", "operator"):
        answer = intake.client.get(url, headers=login(intake, user))
        assert answer.status_code == 200, user
        assert answer.json() == {"complaint_id": received["id"], "attachments": expected}
    dispatcher = login(intake, "dispatcher-ecology_env")
    refused = intake.client.get(url, headers=dispatcher)
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"  # with no department yet
    assign(intake, received, "ecology_env")
    assert intake.client.get(url, headers=dispatcher).json()["attachments"] == expected
    assert intake.client.get(url, headers=login(intake, "dispatcher-urban_management")).status_code == 404
    assert intake.client.get("/api/v1/complaints/no-such-id/attachments",
                             headers=login(intake, "supervisor")).status_code == 404


def test_a_row_that_fails_to_commit_leaves_no_file_behind(intake, engine, store, monkeypatch):
    token = intake.report()["citizen_token"]

    def broken(self: AttachmentRepository, attachment: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(AttachmentRepository, "add", broken)
    with pytest.raises(RuntimeError):
        intake.bus.handle(AddAttachment(token=token, data=picture()))
    assert rows(engine) == [] and store.keys() == []
