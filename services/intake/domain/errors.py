"""Intake's domain errors: each is one of the kinds in `shared.errors`, so the HTTP edge knows its status.

The messages are what a citizen or an administrator reads (Chinese first, then English); the codes
are part of the API contract.
"""

from __future__ import annotations

from shared.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TooLarge,
    TooManyRequests,
    Unauthorized,
    UnsupportedMedia,
)

# --- complaints ---------------------------------------------------------------------------------


class ComplaintNotFound(NotFound):
    """No complaint with that code, or the phone check failed (absence and refusal look alike)."""

    def __init__(self) -> None:
        super().__init__("未找到该投诉，请核对查询码和手机号后四位 / no complaint with that code and phone")


class ReportedByMismatch(InvalidInput):
    """Only a patrol finding (channel grid) names the grid worker who reported it, and it must."""

    def __init__(self) -> None:
        super().__init__("网格巡查须记录上报的网格员，其他渠道不记录 / a grid report names its grid worker; "
                         "no other channel does")


class NotAGridWorker(Forbidden):
    def __init__(self) -> None:
        super().__init__("只有网格员可以上报巡查发现 / only grid workers report patrol findings")


class RatingRefused(NotFound):
    """No complaint with that code, or the private token is not its own (absence and refusal look alike)."""

    def __init__(self) -> None:
        super().__init__("未找到该投诉或评价凭证不符，请使用受理时给您的专属链接 / "
                         "no complaint with that code and token: use the private link you were given")


class PrivateLinkNotFound(NotFound):
    """No complaint has this private token."""

    def __init__(self) -> None:
        super().__init__("链接无效，请核对受理时给您的专属链接 / this private link is not valid")


class TooManyGuesses(TooManyRequests):
    """Too many wrong codes, phone digits or tokens from this client or for this code: wait, then retry."""

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(f"尝试次数过多，请约 {minutes} 分钟后再试 / too many failed tries: retry in about "
                         f"{minutes} minute{'s' if minutes > 1 else ''}", retry_after=retry_after)


class HistoryNeedsAQuestion(InvalidInput):
    def __init__(self) -> None:
        super().__init__("请提供来电号码或至少 4 个字的地址 / "
                         "give a caller number or an address of 4 characters or more")


class UnknownComplaint(NotFound):
    """A lifecycle event names a complaint intake never received (retried, then parked: never lost)."""

    def __init__(self, complaint_id: str) -> None:
        super().__init__(f"complaint {complaint_id} not in intake")


class NotRatable(Conflict):
    code = "not_ratable"

    def __init__(self) -> None:
        super().__init__("该投诉尚未回复，暂不能评价 / there is no reply to rate yet")


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__("Idempotency-Key 已用于另一条投诉 / this Idempotency-Key was used for another request")


class OccurredInFuture(InvalidInput):
    def __init__(self) -> None:
        super().__init__("发生时间不能晚于现在 / occurred_at is in the future")


class OccurredTooLongAgo(InvalidInput):
    def __init__(self, earliest_year: int) -> None:
        super().__init__(f"发生时间不能早于 {earliest_year} 年 / occurred_at is before {earliest_year}: check the date")


# --- client systems (API keys) ---------------------------------------------------------------------


class ApiKeyMissing(Unauthorized):
    def __init__(self, channel: str | None = None) -> None:
        zh, en = (f"{channel} 渠道须", f"the {channel} channel needs") if channel else ("须", "send")
        super().__init__(f"{zh}在 X-API-Key 请求头中提供客户端密钥 / {en} a client key in the X-API-Key header")


class ApiKeyRefused(Unauthorized):
    def __init__(self) -> None:
        super().__init__("客户端密钥无效或已停用 / the X-API-Key is not valid or has been revoked")


class ApiKeyNotFound(NotFound):
    def __init__(self, key_id: int) -> None:
        super().__init__(f"没有编号为 {key_id} 的客户端密钥 / no API key with id {key_id}")


# --- accounts ------------------------------------------------------------------------------------


class WrongCredentials(Unauthorized):
    def __init__(self) -> None:
        super().__init__("用户名或密码错误 / wrong username or password")


class TooManySignIns(TooManyRequests):
    """Too many wrong passwords for this username or from this client: locked for a while (锁定)."""

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(f"密码错误次数过多，请约 {minutes} 分钟后再试 / too many wrong passwords: retry in about "
                         f"{minutes} minute{'s' if minutes > 1 else ''}", retry_after=retry_after)


class SessionEnded(Unauthorized):
    def __init__(self) -> None:
        super().__init__("登录已失效，请重新登录 / this session has ended: sign in again")


class UnknownRole(InvalidInput):
    def __init__(self, role: str, roles: list[str]) -> None:
        super().__init__(f"unknown role {role!r}; one of {', '.join(roles)}")


class DepartmentMismatch(InvalidInput):
    def __init__(self) -> None:
        super().__init__("a dispatcher needs --department, and only a dispatcher has one")


class TownMismatch(InvalidInput):
    def __init__(self) -> None:
        super().__init__("a grid_worker needs --town, and only a grid worker has one")


class UnknownTown(InvalidInput):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown town {code!r}: one of Hechuan's 30 town codes, e.g. taihe")


class UnknownDepartment(InvalidInput):
    def __init__(self, code: str, *, inactive: bool = False) -> None:
        why = "is no longer active" if inactive else "is not in routing's department directory"
        super().__init__(f"unknown department {code!r}: it {why}")


class WeakPassword(InvalidInput):
    def __init__(self, minimum: int) -> None:
        super().__init__(f"the password must have at least {minimum} characters")


class UserExists(Conflict):
    def __init__(self, username: str) -> None:
        super().__init__(f"user {username!r} exists already")


class UserNotFound(NotFound):
    def __init__(self, username: str) -> None:
        super().__init__(f"no user {username!r}")


class InvalidName(InvalidInput):
    def __init__(self, maximum: int) -> None:
        super().__init__(f"the name must have 1 to {maximum} characters")


# --- attachments ---------------------------------------------------------------------------------


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


class UnsupportedAttachment(UnsupportedMedia):
    code = "unsupported_attachment"

    def __init__(self) -> None:
        super().__init__("只能上传 JPEG、PNG、WebP 图片或 MP4 视频 / "
                         "only JPEG, PNG or WebP photos and MP4 videos can be attached")


class AttachmentTooLarge(TooLarge):
    code = "attachment_too_large"

    def __init__(self, content_type: str, limit: int) -> None:
        zh, en = ("视频", "a video") if content_type.startswith("video/") else ("图片", "a photo")
        super().__init__(f"{zh}不能超过 {_mib(limit)} / {en} may be at most {_mib(limit)}")


class TooManyAttachments(Conflict):
    code = "too_many_attachments"

    def __init__(self, limit: int) -> None:
        super().__init__(f"每条投诉最多上传 {limit} 个文件 / at most {limit} files per complaint")


class ComplaintClosedForAttachments(Conflict):
    code = "complaint_closed"

    def __init__(self) -> None:
        super().__init__("投诉已办结，不能再上传文件 / the complaint is closed: no more files can be added")


class AttachmentNotFound(NotFound):
    """No such attachment, or not one the caller may see (absence and refusal look alike)."""

    def __init__(self) -> None:
        super().__init__("未找到该附件 / no such attachment")


class AttachmentNeedsCredentials(Unauthorized):
    def __init__(self) -> None:
        super().__init__("请登录，或使用受理时给您的专属链接 / sign in, or use the private link you were given")


# --- historical import ----------------------------------------------------------------------------


class InvalidMapping(InvalidInput):
    """The import's column mapping cannot be used as written; the message says what to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(f"导入映射有误 / the import mapping: {message}")


class DirectoryNotSynced(Conflict):
    """Intake has not yet heard routing's department directory, so no department name can be checked."""

    def __init__(self) -> None:
        super().__init__("部门目录尚未从分拨服务同步：请先启动一次系统（complaints serve）再导入 / intake has not "
                         "received routing's department directory yet: start the system once, then import")


class CaseNotVisible(NotFound):
    """Staff asked for a complaint that does not exist or is not theirs to see (absence and refusal look alike)."""

    def __init__(self, complaint_id: str) -> None:
        super().__init__(f"没有这件投诉，或不在本部门 / no such complaint in your reach: {complaint_id}")


class NoContact(NotFound):
    """An anonymous report, a patrol finding, or no number given: nobody to call back."""

    def __init__(self) -> None:
        super().__init__("该投诉为匿名或未留联系电话，无法电话回访 / anonymous or no number: nobody to call back")
