"""Intake's settings of the upstream platforms (docs/upstream.md): one group per platform, off while unset."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import Field, SecretStr, model_validator

from services.intake.domain.upstream import PLATFORMS
from shared.settings import CommonSettings


@dataclass(frozen=True)
class PlatformConfig:
    platform: str  # 12345 | national
    url: str  # the contract's base address (the platform's gateway, or the bridge to it)
    app_id: str  # the bureau's account at the platform
    secret: str = field(repr=False)  # signs every request (HMAC-SHA256)
    poll_seconds: float


class UpstreamSettings(CommonSettings):
    # The city's 12345 platform (重庆市12345政务服务便民热线平台) and the national ecology-environment complaint
    # platform (全国生态环境信访投诉举报管理平台): where the contract's API is, the bureau's account there, the
    # signing secret, and how often transferred cases are pulled. A platform without a URL is off.
    upstream_12345_url: str | None = None
    upstream_12345_app_id: str | None = None
    upstream_12345_secret: SecretStr | None = None
    upstream_12345_poll_seconds: float = Field(default=60.0, gt=0)
    upstream_national_url: str | None = None
    upstream_national_app_id: str | None = None
    upstream_national_secret: SecretStr | None = None
    upstream_national_poll_seconds: float = Field(default=60.0, gt=0)
    # Cases asked for per request; one replica pulls each platform at a time, holding a lease it renews
    # with every page (another takes over once it has run out: at least twice the poll interval).
    upstream_page_size: int = Field(default=50, ge=1, le=500)
    upstream_lease_seconds: float = Field(default=180.0, gt=0)
    # The name the bureau signs its actions with (the `unit` of every action).
    upstream_unit: str = Field(default="重庆市合川区生态环境局", min_length=1, max_length=100)

    def upstream_platforms(self) -> list[PlatformConfig]:
        """The platforms configured (a URL given), in a fixed order."""
        found = []
        for platform in PLATFORMS:
            url = getattr(self, f"upstream_{platform}_url")
            if not url:
                continue
            secret: SecretStr = getattr(self, f"upstream_{platform}_secret")
            found.append(PlatformConfig(platform, url, getattr(self, f"upstream_{platform}_app_id"),
                                        secret.get_secret_value(), getattr(self, f"upstream_{platform}_poll_seconds")))
        return found

    @model_validator(mode="after")
    def _upstream(self) -> UpstreamSettings:
        for platform in PLATFORMS:
            prefix = f"upstream_{platform}"
            url = getattr(self, f"{prefix}_url")
            if url is None:
                continue
            name = prefix.upper()
            if not url.startswith(("https://", "http://")):
                raise ValueError(f"{name}_URL must be an http(s) address")
            setattr(self, f"{prefix}_url", url.rstrip("/"))
            if not getattr(self, f"{prefix}_app_id") or not getattr(self, f"{prefix}_secret"):
                raise ValueError(f"{name}_URL needs {name}_APP_ID and {name}_SECRET (every request is signed)")
            if self.upstream_lease_seconds < 2 * getattr(self, f"{prefix}_poll_seconds"):
                raise ValueError(f"UPSTREAM_LEASE_SECONDS must be at least twice {name}_POLL_SECONDS, or the "
                                 "pulling replica loses its lease between two pulls")
        return self
