"""Intake's settings: the one place intake reads the environment."""

from __future__ import annotations

from shared.settings import CommonSettings


class IntakeSettings(CommonSettings):
    # WeChat official account (公众号) server settings, used by the WeChat channel.
    wechat_token: str | None = None
    wechat_app_id: str | None = None
    wechat_encoding_aes_key: str | None = None
    wechat_app_secret: str | None = None
