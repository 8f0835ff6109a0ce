"""5. Staff see not one digit of an anonymous reporter's number."""

from __future__ import annotations

from shared.auth import ANONYMOUS


def test_the_case_view_shows_an_anonymous_reporters_number_as_anonymous(system):
    accepted = system.report(channel="web", content="合阳城街道某工地凌晨两点还在打桩，噪音太大", town="合阳城街道",
                             reporter={"phone": "13312342222", "anonymous": True})
    named = system.report(channel="web", content="合阳城街道某工地凌晨三点还在打桩，噪音太大", town="合阳城街道",
                          reporter={"phone": "13312343333"})
    system.drain()
    supervisor = system.login("supervisor")
    case = system.client.get(f"/api/v1/cases/{accepted['id']}", headers=supervisor)
    assert case.status_code == 200, case.text
    shown = case.json()["reporter_phone_masked"]
    assert shown == ANONYMOUS and not any(ch.isdigit() for ch in shown)
    assert "2222" not in case.text and "1331" not in case.text
    other = system.client.get(f"/api/v1/cases/{named['id']}", headers=supervisor).json()
    assert other["reporter_phone_masked"] == "133****3333"  # a named reporter: masked as before
