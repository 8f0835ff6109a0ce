"""Intake's settings: the one place intake reads the environment."""

from __future__ import annotations

import base64
import binascii
import re

from argon2 import PasswordHasher
from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, model_validator

from services.intake.domain.messages import CARD_FIELDS, KINDS
from services.intake.upstream_settings import UpstreamSettings
from shared.outbound import parse_quiet_hours
from shared.settings import DEMO_ENCRYPTION_KEY

# Our message's fields → the keywords of a template from WeChat's library (模板库: 投诉/工单 进度通知):
# tracking code (character_string ≤ 32), status (phrase ≤ 5), time, note (thing ≤ 20).
DEFAULT_TEMPLATE_FIELDS = {"code": "character_string1", "status": "phrase2", "time": "time3", "note": "thing4"}
MIN_HASH_MEMORY_KIB, MIN_HASH_TIME_COST = 19 * 1024, 2  # OWASP's password storage cheat sheet, argon2id
_KEYWORD = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")


def _fernet_key(key: str, name: str) -> None:
    """Said at start-up, never echoing the value (as ENCRYPTION_KEY's check in shared.settings)."""
    try:
        Fernet(key.encode())
    except (ValueError, TypeError):
        raise ValueError(f"{name} must be a Fernet key: 44 characters, urlsafe base64 of 32 random bytes") from None


class IntakeSettings(UpstreamSettings):  # CommonSettings, and the upstream platforms' (upstream_settings.py)
    # WeChat official account (公众号) server settings, used by the WeChat channel
    # (/api/v1/channels/wechat; off while WECHAT_TOKEN is unset). Safe mode (安全模式) needs the
    # EncodingAESKey and the AppID as well; the AppID and AppSecret call WeChat's APIs (template messages).
    wechat_token: SecretStr | None = None
    wechat_app_id: str | None = None
    wechat_encoding_aes_key: SecretStr | None = None
    wechat_app_secret: SecretStr | None = None
    # Template messages (模板消息) to citizens who reported through the official account, as JSON
    # {"receipt": "<template id>", "reply": ..., "callback": ..., "reopened": ...}: a kind left out is not
    # sent by WeChat; empty (the default): no template messages. The fields of our message (tracking code,
    # status, time, note) go to the template's keywords named in WECHAT_TEMPLATE_FIELDS. The API's address
    # is WeChat's own unless an egress proxy (or the fake, services/fakes/wechat.py) stands in for it.
    wechat_template_ids: dict[str, str] = Field(default_factory=dict)
    wechat_template_fields: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_TEMPLATE_FIELDS))
    wechat_api_base_url: str = "https://api.weixin.qq.com/cgi-bin/"
    # Where citizens open links (https://complaints.example.gov.cn): the WeChat reply's private link.
    # Unset, the link starts with the address the request came to.
    public_base_url: str | None = None
    # Photos and short videos citizens attach to a complaint (where they are kept: CommonSettings'
    # ATTACHMENT_STORE): limits per file and per complaint.
    attachment_image_max_bytes: int = 10 * 1024 * 1024  # JPEG, PNG, WebP
    attachment_video_max_bytes: int = 30 * 1024 * 1024  # MP4
    attachment_max_per_complaint: int = 6

    # SMS to citizens (受理回执 with the private link, 办理回复): through the SMS gateway's JSON contract
    # (docs/notifications.md). Without SMS_GATEWAY_URL messages are kept, not sent (see `complaints
    # outbound list`). Never to anonymous reporters; none in the quiet hours (queued until they end).
    citizen_sms: bool = True
    sms_gateway_url: str | None = None
    sms_gateway_secret: SecretStr | None = None
    sms_quiet_hours: str = "22:00-08:00"

    # Sign-in: at most this many password hashes (argon2, 64 MiB each) at a time; more get 429 at once
    # rather than queueing a flood.
    password_hash_concurrency: int = Field(default=4, ge=1, le=64)
    # argon2id's cost for passwords set from now on (a stored hash keeps the cost it was made with): memory in
    # KiB and passes. The defaults are argon2-cffi's (64 MiB, 3 passes, ~0.2 s of CPU here); without DEMO_MODE
    # nothing below OWASP's floor (19 MiB and 2 passes) is accepted. The tests sign in thousands of times on
    # less: hashing strength is not what they check.
    password_hash_memory_kib: int = Field(default=65536, ge=64, le=4 * 1024 * 1024)
    password_hash_time_cost: int = Field(default=3, ge=1, le=20)

    # Personal data at rest (adapters/crypto.py, docs/personal-data.md). ENCRYPTION_KEY (CommonSettings)
    # encrypts; these keys, comma-separated, still decrypt (a rotation under way: `complaints rotate-key`
    # re-encrypts what they wrote, `--check` says when none is left). The phone/OpenID index key is derived
    # from ENCRYPTION_INDEX_KEY, else from ENCRYPTION_KEY: it must stay the key the stored hashes were made
    # with, so a rotation (old keys set) needs it set to the key used before the first rotation.
    encryption_keys_old: SecretStr | None = None
    encryption_index_key: SecretStr | None = None
    # Retention (`complaints anonymise`): personal data of complaints closed more than this many days ago
    # is removed when no --closed-before date is given (3 years by default).
    retention_days: int = Field(default=1095, ge=30)

    @model_validator(mode="after")
    def _password_cost(self) -> IntakeSettings:
        if not self.demo_mode and (self.password_hash_memory_kib < MIN_HASH_MEMORY_KIB
                                   or self.password_hash_time_cost < MIN_HASH_TIME_COST):
            raise ValueError(f"PASSWORD_HASH_MEMORY_KIB must be at least {MIN_HASH_MEMORY_KIB} (19 MiB) and "
                             f"PASSWORD_HASH_TIME_COST at least {MIN_HASH_TIME_COST} when DEMO_MODE is off "
                             "(OWASP's floor for argon2id); the defaults are 65536 and 3")
        return self

    def password_hasher(self) -> PasswordHasher:
        """argon2id with the configured cost (verifying reads the cost from each stored hash)."""
        return PasswordHasher(time_cost=self.password_hash_time_cost, memory_cost=self.password_hash_memory_kib)

    @model_validator(mode="after")
    def _keys(self) -> IntakeSettings:
        olds = self.old_encryption_keys
        for key in olds:
            _fernet_key(key, "ENCRYPTION_KEYS_OLD (each of the comma-separated keys)")
        index = self.encryption_index_key.get_secret_value().strip() if self.encryption_index_key else ""
        self.encryption_index_key = SecretStr(index) if index else None
        if index:
            _fernet_key(index, "ENCRYPTION_INDEX_KEY")
        if olds and not index:
            raise ValueError("ENCRYPTION_KEYS_OLD needs ENCRYPTION_INDEX_KEY: set it to the key the phone index "
                             "was made with (the ENCRYPTION_KEY used before the first rotation), or callers' "
                             "earlier complaints are no longer found (docs/personal-data.md)")
        if not self.demo_mode and DEMO_ENCRYPTION_KEY in (*olds, index):
            raise ValueError("the demo secrets are refused when DEMO_MODE is off")
        return self

    @property
    def old_encryption_keys(self) -> list[str]:
        """ENCRYPTION_KEYS_OLD as a list (blanks ignored)."""
        text = self.encryption_keys_old.get_secret_value() if self.encryption_keys_old else ""
        return [key.strip() for key in text.split(",") if key.strip()]

    @property
    def index_key(self) -> str:
        """What the phone/OpenID index key is derived from: ENCRYPTION_INDEX_KEY, else ENCRYPTION_KEY."""
        if self.encryption_index_key is not None:
            return self.encryption_index_key.get_secret_value()
        assert self.encryption_key is not None  # CommonSettings refuses to load without one
        return self.encryption_key.get_secret_value()

    @model_validator(mode="after")
    def _wechat(self) -> IntakeSettings:
        token = self.wechat_token.get_secret_value() if self.wechat_token else None
        if token is not None and not re.fullmatch(r"[A-Za-z0-9]{3,32}", token):
            raise ValueError("WECHAT_TOKEN must be the 3 to 32 letters or digits entered in WeChat's server settings")
        key = self.wechat_encoding_aes_key.get_secret_value() if self.wechat_encoding_aes_key else None
        if key is not None:
            if not self.wechat_app_id:
                raise ValueError("WECHAT_ENCODING_AES_KEY needs WECHAT_APP_ID (safe mode checks the AppID)")
            try:
                ok = len(key) == 43 and len(base64.b64decode(key + "=", validate=True)) == 32
            except (binascii.Error, ValueError):
                ok = False
            if not ok:
                raise ValueError("WECHAT_ENCODING_AES_KEY must be the 43 characters WeChat shows (32 bytes, base64)")
        self._wechat_templates()
        if self.sms_gateway_url and not self.sms_gateway_secret:
            raise ValueError("SMS_GATEWAY_URL needs SMS_GATEWAY_SECRET (the messages are signed with it)")
        parse_quiet_hours(self.sms_quiet_hours)  # says what is wrong with it
        if self.public_base_url is not None:
            self.public_base_url = self.public_base_url.rstrip("/") or None
        return self

    def _wechat_templates(self) -> None:
        if not self.wechat_template_ids:
            return
        if unknown := sorted(set(self.wechat_template_ids) - set(KINDS)):
            raise ValueError(f"WECHAT_TEMPLATE_IDS: unknown kinds {unknown}; the kinds are {list(KINDS)}")
        if not all(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", t) for t in self.wechat_template_ids.values()):
            raise ValueError("WECHAT_TEMPLATE_IDS: a template id is the letters, digits, - and _ WeChat shows")
        if not self.wechat_app_id or not self.wechat_app_secret:
            raise ValueError("WECHAT_TEMPLATE_IDS needs WECHAT_APP_ID and WECHAT_APP_SECRET (to get an access token)")
        if unknown := sorted(set(self.wechat_template_fields) - set(CARD_FIELDS)):
            raise ValueError(f"WECHAT_TEMPLATE_FIELDS: unknown fields {unknown}; the fields are {list(CARD_FIELDS)}")
        keywords = self.wechat_template_fields.values()
        if not keywords or not all(_KEYWORD.fullmatch(keyword) for keyword in keywords):
            raise ValueError("WECHAT_TEMPLATE_FIELDS maps our fields to the template's keywords, e.g. "
                             '{"code": "character_string1"}')
        if not self.wechat_api_base_url.startswith(("https://", "http://")):
            raise ValueError("WECHAT_API_BASE_URL must be an http(s) address")
        self.wechat_api_base_url = self.wechat_api_base_url.rstrip("/") + "/"
