"""8. Invisible or direction-faking text, chunked bodies over the limit, weak secrets and bad keys."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services import cli
from shared.settings import CommonSettings
from shared.text import visible_text

REPORT = {"channel": "web", "town": "合阳城街道"}


def test_content_of_zero_width_characters_only_is_refused(system):
    for invisible in ("\u200b" * 10, "\u200b\u200c\u200d\u2060\ufeff" * 3, "噪\u200b\u200b\u200b\u200b"):
        refused = system.client.post("/api/v1/complaints", json={**REPORT, "content": invisible})
        assert refused.status_code == 422, (invisible, refused.text)
        assert refused.json()["error"]["details"][0]["field"] == "content"


def test_bidi_override_characters_are_not_stored(system):
    sneaky = "工地夜间施工噪音\u202e8888 0031 831\u202c 请尽快处理\u2066核实\u2069"
    accepted = system.report(**REPORT, content=sneaky)
    stored = system.client.get(f"/api/v1/complaints/{accepted['tracking_code']}").json()["content"]
    assert stored == "工地夜间施工噪音8888 0031 831 请尽快处理核实"
    assert visible_text("\u200fabc\u061c\u202a") == "abc"


def test_a_chunked_body_over_the_limit_gets_413(system):
    limit = system.settings["intake"].max_body_bytes

    def chunks():  # no Content-Length: sent chunked
        yield b'{"channel": "web", "content": "'
        for _ in range(limit // 1024 + 2):
            yield b"x" * 1024
        yield b'"}'

    answer = system.client.post("/api/v1/complaints", content=chunks(), headers={"Content-Type": "application/json"})
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"]["code"] == "too_large"


@pytest.mark.parametrize(("secret", "words"), [
    ("a" * 64, "must not be a repetition"),
    ("abab" * 16, "must not be a repetition"),
    ("Xq7!pL2#", "at least 32 characters"),
])
def test_a_weak_jwt_secret_is_refused_at_start(monkeypatch, production, secret, words):
    monkeypatch.setenv("JWT_SECRET", secret)
    with pytest.raises(ValidationError, match=words):
        CommonSettings()


def test_a_strong_jwt_secret_and_a_fernet_key_are_taken(production):
    assert CommonSettings().jwt_key == production["JWT_SECRET"]


def test_a_bad_encryption_key_stops_the_start_with_a_clear_message_not_a_traceback(monkeypatch, production, capsys):
    monkeypatch.setenv("ENCRYPTION_KEY", "not-a-fernet-key-but-a-secret-value")
    assert cli.main(["migrate"]) == 2
    said = capsys.readouterr().err
    assert "configuration error" in said and "ENCRYPTION_KEY must be a Fernet key" in said
    assert "Traceback" not in said and "not-a-fernet-key-but-a-secret-value" not in said
    monkeypatch.setenv("DEMO_MODE", "true")  # demo mode checks a key it is given, too
    assert cli.main(["migrate"]) == 2
