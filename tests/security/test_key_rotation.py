"""Encryption key rotation without downtime (issue 11): `complaints rotate-key` on SQLite and PostgreSQL.

Data is written under key A by the running system; the system then runs with B (A still accepted to
decrypt, the index key pinned to A); the command re-encrypts everything under B; with A gone everything
is still readable, and callers' earlier complaints are still found by their number.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from services.cli import main
from services.intake.adapters.crypto import FieldCipher
from services.intake.adapters.sealed import SEALED_TABLES
from services.intake.adapters.tables import OUTBOUND_MESSAGES, WechatRecipientRow
from services.intake.seed import DEMO_API_KEY
from services.intake.service_layer import key_rotation
from services.intake.settings import IntakeSettings
from shared.outbound import OutboundStore
from shared.settings import DEMO_ENCRYPTION_KEY
from tests.system import EmbeddedSystem

A, B, C = (Fernet.generate_key().decode() for _ in range(3))
CALLER = "138 1234 5678"
OPENID = "oWx-test-openid-0123456789abcdef"
EXAMPLE = {"channel": "web", "content": "合阳城街道某工地凌晨两点还在打桩，噪音太大", "town": "合阳城街道"}


class KeyRing:
    """The cipher port of the running system, whose keys a test changes as an operator's restart would."""

    def __init__(self, cipher: FieldCipher) -> None:
        self.cipher = cipher

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cipher, name)


# --- the cipher and the settings ------------------------------------------------------------------------


def test_the_current_key_encrypts_old_keys_still_decrypt_and_the_index_key_stays():
    before = FieldCipher(A)
    sealed = before.encrypt("13812345678")
    assert sealed is not None
    during = FieldCipher(B, old_keys=[A], index_key=A)
    assert during.decrypt(sealed) == "13812345678" and not during.is_current(sealed) and before.is_current(sealed)
    fresh = during.encrypt("13812345678")
    assert fresh is not None and during.is_current(fresh) and not before.readable(fresh)
    rotated = during.reencrypt(sealed)
    after = FieldCipher(B, index_key=A)
    assert after.decrypt(rotated) == "13812345678" and after.is_current(rotated)
    with pytest.raises(ValueError, match="cannot decrypt"):
        after.decrypt(sealed)  # A is gone: what it wrote must have been re-encrypted before
    with pytest.raises(ValueError, match="no configured key"):
        after.reencrypt(FieldCipher(C).encrypt("x") or "")
    # The index: pinned to A it is the hash every stored row has; derived from the new key it is not.
    assert during.index("13812345678") == after.index("13812345678") == before.index("13812345678")
    assert FieldCipher(B).index("13812345678") != before.index("13812345678")


def test_old_keys_need_the_index_key_and_are_checked_without_echoing_them(monkeypatch):
    with pytest.raises(ValidationError, match="ENCRYPTION_INDEX_KEY") as missing:
        IntakeSettings(demo_mode=True, encryption_key=B, encryption_keys_old=A)
    assert A not in str(missing.value)
    with pytest.raises(ValidationError, match="ENCRYPTION_KEYS_OLD") as broken:
        IntakeSettings(demo_mode=True, encryption_key=B, encryption_keys_old="not-a-key-at-all", encryption_index_key=A)
    assert "not-a-key-at-all" not in str(broken.value)
    settings = IntakeSettings(demo_mode=True, encryption_key=B, encryption_keys_old=f" {A}, ,{C} ",
                              encryption_index_key=A)
    assert settings.old_encryption_keys == [A, C] and settings.index_key == A
    plain = IntakeSettings(demo_mode=True, encryption_key=B, encryption_keys_old="", encryption_index_key=" ")
    assert plain.old_encryption_keys == [] and plain.encryption_index_key is None and plain.index_key == B
    with pytest.raises(ValidationError, match="demo secrets"):
        IntakeSettings(demo_mode=False, jwt_secret="kq3J8v2LxR9pT7wZ1mN4bY6cH0dF5gS8aE2uQ", encryption_key=B,
                       encryption_keys_old=DEMO_ENCRYPTION_KEY, encryption_index_key=A,
                       password_hash_memory_kib=19456, password_hash_time_cost=2)  # production's argon2 floor


# --- the command on a running system ---------------------------------------------------------------------


@pytest.fixture
def keys(engine: Engine, clock, monkeypatch, database_url):  # type: ignore[no-untyped-def]
    """A system that wrote its personal data under A: a named reporter with a phone (SMS receipt), a hotline
    call, an Idempotency-Key, a WeChat reporter's OpenID. The command line reads the same database."""
    ring = KeyRing(FieldCipher(A))
    system = EmbeddedSystem(engine, clock, intake={"cipher": ring})
    monkeypatch.setenv("DATABASE_URL", database_url)
    named = system.http.post("/api/v1/complaints", headers={"Idempotency-Key": "app-0001"},
                             json={**EXAMPLE, "reporter": {"name": "王五", "phone": "13912345678"}})
    assert named.status_code == 201, named.text
    call = system.http.post("/api/v1/channels/hotline", headers={"X-API-Key": DEMO_API_KEY},
                            json={"call_id": "CC-1", "caller_number": CALLER, "content": "学士路工地夜间施工噪音很大",
                                  "town": "合阳城街道", "address": "学士路 18 号"})
    assert call.status_code == 201, call.text
    wechat = system.report(**EXAMPLE)
    with engine.begin() as conn:
        conn.execute(WechatRecipientRow.__table__.insert().values(  # type: ignore[attr-defined]
            complaint_id=wechat["id"], openid_enc=FieldCipher(A).encrypt(OPENID),
            openid_hmac=FieldCipher(A).index(OPENID), created_at=clock.now()))
    system.drain()
    state = {"system": system, "ring": ring, "named": named.json(), "call": call.json(), "wechat": wechat}
    yield state
    system.client.close()


def rotate_to_b(monkeypatch, ring: KeyRing) -> None:
    """Step 2 of docs/personal-data.md: B encrypts, A still decrypts, the index key stays A."""
    ring.cipher = FieldCipher(B, old_keys=[A], index_key=A)
    monkeypatch.setenv("ENCRYPTION_KEY", B)
    monkeypatch.setenv("ENCRYPTION_KEYS_OLD", A)
    monkeypatch.setenv("ENCRYPTION_INDEX_KEY", A)


def ciphertexts(engine: Engine) -> dict[tuple[str, str, str], str]:
    found = {}
    with engine.connect() as conn:
        for sealed in SEALED_TABLES:
            rows = conn.execute(select(sealed.table.c[sealed.key], *(sealed.table.c[c] for c in sealed.columns)))
            for row in rows.mappings():
                for column in sealed.columns:
                    if row[column]:
                        found[(sealed.name, str(row[sealed.key]), column)] = row[column]
    return found


def still_old(output: str) -> dict[str, int]:
    return {table: int(count) for table, count in re.findall(r"^(\w+): \d+ rows, (\d+) still use an old key",
                                                              output, flags=re.M)}


def everything_readable(state: dict[str, Any], engine: Engine) -> None:
    """What the services read back, through their own routes and stores, with whatever keys they run on."""
    system, ring = state["system"], state["ring"]
    operator = system.login("operator")
    history = system.http.get("/api/v1/channels/hotline/history", params={"caller": "+86 13812345678"},
                              headers=operator)
    assert history.status_code == 200, history.text
    assert [c["tracking_code"] for c in history.json()["by_caller"]] == [state["call"]["tracking_code"]]
    contact = system.http.get(f"/api/v1/complaints/{state['named']['id']}/contact", params={"purpose": "callback"},
                              headers=operator)
    assert contact.status_code == 200, contact.text
    assert (contact.json()["name"], contact.json()["phone"]) == ("王五", "13912345678")
    replay = system.http.post("/api/v1/complaints", headers={"Idempotency-Key": "app-0001"},
                              json={**EXAMPLE, "reporter": {"name": "王五", "phone": "13912345678"}})
    assert replay.status_code == 200 and replay.json()["citizen_token"] == state["named"]["citizen_token"]
    assert system.http.get(f"/api/v1/r/{state['named']['citizen_token']}").status_code == 200
    with Session(engine) as session:
        messages = OutboundStore(OUTBOUND_MESSAGES, ring.cipher).listed(session)
        openid = session.scalar(select(WechatRecipientRow.openid_enc)
                                .where(WechatRecipientRow.complaint_id == state["wechat"]["id"]))
    assert {m.recipient for m in messages} >= {"13912345678"} and all(m.body for m in messages)
    assert ring.cipher.decrypt(openid) == OPENID


def test_rotate_key_rewrites_everything_under_the_new_key_and_the_old_key_can_go(keys, engine, monkeypatch, capsys):
    everything_readable(keys, engine)
    under_a = ciphertexts(engine)
    assert len(under_a) >= 8 and all(FieldCipher(A).is_current(v) for v in under_a.values())

    rotate_to_b(monkeypatch, keys["ring"])
    everything_readable(keys, engine)  # the services run on B with A still accepted
    later = keys["system"].report(**EXAMPLE, reporter={"phone": "13700001111"})  # written under B meanwhile
    keys["system"].drain()

    assert main(["rotate-key", "--check"]) == 1
    out = capsys.readouterr().out
    assert still_old(out) == {"intake_complaints": 3, "intake_wechat_recipients": 1, "intake_outbound_messages": 2}
    assert "6 row(s) still use an old key" in out

    assert main(["rotate-key", "--batch-size", "2"]) == 0
    out = capsys.readouterr().out
    assert "intake_complaints: 4 rows read, 3 rewritten" in out
    assert "intake_wechat_recipients: 1 rows read, 1 rewritten" in out
    assert "every value is under the current key" in out
    after = ciphertexts(engine)
    assert under_a.keys() < after.keys() and (("intake_complaints", later["id"], "reporter_phone_enc") in after)
    assert all(FieldCipher(B).is_current(v) for v in after.values())

    assert main(["rotate-key"]) == 0  # a second run changes nothing
    assert "0 row(s) rewritten" in capsys.readouterr().out
    assert ciphertexts(engine) == after
    assert main(["rotate-key", "--check"]) == 0
    assert "0 row(s) still use an old key: ENCRYPTION_KEYS_OLD is no longer needed" in capsys.readouterr().out

    # A dropped: the services and the command run on B alone, the index key still A.
    keys["ring"].cipher = FieldCipher(B, index_key=A)
    monkeypatch.delenv("ENCRYPTION_KEYS_OLD")
    everything_readable(keys, engine)
    assert main(["rotate-key", "--check"]) == 0
    out = capsys.readouterr().out
    assert "intake_complaints: 4 rows, 0 still use an old key" in out and "index 3 checked, 0 not matching" in out
    assert "intake_wechat_recipients: 1 rows, 0 still use an old key" in out and "index 1 checked" in out


def test_a_wrong_index_key_is_refused_before_anything_changes(keys, engine, monkeypatch, capsys):
    rotate_to_b(monkeypatch, keys["ring"])
    monkeypatch.setenv("ENCRYPTION_INDEX_KEY", B)  # the mistake: the hashes were made with A
    before = ciphertexts(engine)
    assert main(["rotate-key"]) == 2
    assert "ENCRYPTION_INDEX_KEY must be the key the hashes were made with" in capsys.readouterr().err
    assert ciphertexts(engine) == before
    assert main(["rotate-key", "--check"]) == 1
    out = capsys.readouterr().out
    assert "index hash(es) do not match" in out and "index 2 checked, 2 not matching" in out


def test_values_no_key_reads_are_reported_and_the_rest_is_rotated(keys, engine, monkeypatch, capsys):
    with engine.begin() as conn:
        conn.execute(text("UPDATE intake_complaints SET reporter_name_enc = :v WHERE id = :id"),
                     {"v": FieldCipher(C).encrypt("李四"), "id": keys["named"]["id"]})
    rotate_to_b(monkeypatch, keys["ring"])
    assert main(["rotate-key"]) == 1
    out = capsys.readouterr().out
    assert "1 value(s) no configured key can read" in out
    assert main(["rotate-key", "--check"]) == 1
    out = capsys.readouterr().out
    assert "0 row(s) still use an old key" in out and "1 value(s) no configured key can read" in out


def test_a_row_changed_between_read_and_write_is_left_and_the_next_run_takes_it(keys, engine, monkeypatch,
                                                                                 capsys):
    rotate_to_b(monkeypatch, keys["ring"])
    real_swap, calls = key_rotation.swap, []

    def lost_race(conn: Any, sealed: Any, key: str, old: dict[str, str], new: dict[str, str]) -> bool:
        calls.append(key)
        if len(calls) == 1:  # a service rewrote the first row meanwhile: our stale values do not match
            return real_swap(conn, sealed, key, {name: value[::-1] for name, value in old.items()}, new)
        return real_swap(conn, sealed, key, old, new)

    monkeypatch.setattr(key_rotation, "swap", lost_race)
    assert main(["rotate-key"]) == 1
    out = capsys.readouterr().out
    assert "1 changed meanwhile" in out and "run `complaints rotate-key` again" in out
    monkeypatch.setattr(key_rotation, "swap", real_swap)
    assert main(["rotate-key", "--check"]) == 1 and "1 row(s) still use an old key" in capsys.readouterr().out
    assert main(["rotate-key"]) == 0
    assert "1 row(s) rewritten" in capsys.readouterr().out
    assert all(FieldCipher(B).is_current(v) for v in ciphertexts(engine).values())
