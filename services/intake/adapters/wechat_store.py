"""The WeChat conversation's rows: unfinished reports (`intake_wechat_sessions`), who reported what, and
whom to send a complaint's template messages (`intake_wechat_recipients`).

Rows are keyed by `user_key(openid)` (a digest) or hold the OpenID encrypted by intake's cipher (with
its keyed hash): intake never stores a WeChat OpenID in clear.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlmodel import col

from services.intake.adapters.tables import ChannelRefRow, WechatRecipientRow, WechatSessionRow
from services.intake.domain.wechat import Draft
from shared.contracts.codes import Channel


class WechatSessionRepository:
    """A draft per user, replaced by each message that changes it; written once per message, no aggregate."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user: str, *, for_update: bool = False) -> tuple[Draft, datetime] | None:
        """The user's draft and when it last changed (locked: one user's messages apply one at a time)."""
        query = select(WechatSessionRow).where(col(WechatSessionRow.openid) == user)
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).one_or_none()
        if row is None:
            return None
        try:
            return Draft.from_json(row.draft), row.updated_at
        except (ValueError, TypeError):  # a draft an older release wrote differently: start again
            return None

    def save(self, user: str, draft: Draft, at: datetime) -> None:
        row = self.session.get(WechatSessionRow, user)
        if row is None:
            self.session.add(WechatSessionRow(openid=user, draft=draft.to_json(), updated_at=at))
        else:
            row.draft, row.updated_at = draft.to_json(), at

    def discard(self, user: str) -> None:
        self.session.execute(delete(WechatSessionRow).where(col(WechatSessionRow.openid) == user))

    def purge(self, before: datetime) -> None:
        """Forget every draft untouched since `before` (they are expired: nobody will finish them)."""
        self.session.execute(delete(WechatSessionRow).where(col(WechatSessionRow.updated_at) < before))

    def refs_of(self, complaint_id: str) -> list[str]:
        """The WeChat channel references of a complaint (each names the user who reported it)."""
        return list(self.session.scalars(
            select(col(ChannelRefRow.ref)).where(col(ChannelRefRow.channel) == Channel.wechat.value,
                                                 col(ChannelRefRow.complaint_id) == complaint_id)))

    # --- whom a complaint's template messages go to (the OpenID sealed by the caller: ciphertext and hash)

    def add_recipient(self, complaint_id: str, openid_enc: str, openid_hmac: str, at: datetime) -> None:
        self.session.add(WechatRecipientRow(complaint_id=complaint_id, openid_enc=openid_enc,
                                            openid_hmac=openid_hmac, created_at=at))

    def recipient(self, complaint_id: str) -> str | None:
        """The encrypted OpenID of the user who reported the complaint through the official account."""
        return self.session.scalars(select(col(WechatRecipientRow.openid_enc))
                                    .where(col(WechatRecipientRow.complaint_id) == complaint_id)).one_or_none()

    def forget_recipient(self, openid_hmac: str) -> int:
        """The user unfollowed the account: no more template messages about any of their complaints."""
        done = self.session.execute(delete(WechatRecipientRow)
                                    .where(col(WechatRecipientRow.openid_hmac) == openid_hmac))
        return int(getattr(done, "rowcount", 0) or 0)
