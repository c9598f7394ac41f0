"""What the bot holds about a Telegram user: given to them (/mydata), erased on request (/forget).

Erasing keeps what the operator must keep: payments and receipts stay (financial records), but
lose their link to the Telegram account; consent records stay too, closed by a withdrawal, as
the proof of what was agreed and when.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from core.clock import utcnow
from core.privacy import mask_name
from core.statuses import WAITING, OutboxStatus, PaymentStatus
from storage.db import SessionFactory, reading, transaction
from storage.models import Consent, OutboxMessage, Payment, Receipt, User
from storage.support_data import export_support_data, forget_support_data


class PaymentStillOpen(Exception):
    """The user has a payment page open: erased now, its receipt could reach nobody."""

    def __init__(self, expires_at: datetime) -> None:
        super().__init__(f"a payment page is open until {expires_at.isoformat()}")
        self.expires_at = expires_at


async def export_user(sessions: SessionFactory, user_id: int) -> dict[str, Any]:
    async with reading(sessions) as session:
        user = await session.get(User, user_id)
        consents = await session.scalars(
            select(Consent).where(Consent.user_id == user_id).order_by(Consent.id)
        )
        payments = await session.execute(
            select(Payment, Receipt)
            .outerjoin(Receipt, Receipt.payment_id == Payment.id)
            .where(Payment.user_id == user_id)
            .order_by(Payment.id)
        )
        return {
            "telegram_user_id": user_id,
            "language": user.language if user else None,
            "consents": [
                {
                    "document": c.document,
                    "version": c.version,
                    "sha256": c.sha256,
                    "language": c.language,
                    "action": c.action,
                    "at_utc": c.created_at.isoformat(),
                }
                for c in consents
            ],
            "payments": [_payment(payment, receipt) for payment, receipt in payments],
            **await export_support_data(session, user_id),
        }


def _payment(payment: Payment, receipt: Receipt | None) -> dict[str, Any]:
    return {
        "order_id": payment.order_id,
        "payment_code": payment.payment_code,
        "service": payment.service,
        "payer": mask_name(payment.payer_name),
        "amount": payment.money.plain(),
        "currency": payment.currency,
        "status": payment.status,
        "card": payment.card_mask,
        "created_at_utc": payment.created_at.isoformat(),
        "paid_at_utc": payment.paid_at.isoformat() if payment.paid_at else None,
        "receipt_number": receipt.number if receipt else None,
    }


async def forget_user(sessions: SessionFactory, user_id: int, update_id: int | None) -> None:
    """Raises PaymentStillOpen, erasing nothing, while a payment page of theirs is open."""
    now = utcnow()
    async with transaction(sessions) as session:
        user = await session.get(User, user_id, with_for_update=True)
        open_until = await session.scalar(
            select(func.max(Payment.expires_at)).where(
                Payment.user_id == user_id,
                Payment.status == PaymentStatus.CREATED,
                Payment.expires_at > now,
            )
        )
        if open_until is not None:
            raise PaymentStillOpen(open_until)
        chat_id = user.chat_id if user else user_id
        agreed = await session.execute(
            select(Consent.document, Consent.version, Consent.sha256, Consent.language)
            .where(Consent.user_id == user_id, Consent.action == "agree")
            .distinct()
        )
        for document, version, sha256, language in agreed:
            session.add(
                Consent(
                    user_id=user_id,
                    document=document,
                    version=version,
                    sha256=sha256,
                    language=language,
                    action="withdraw",
                    update_id=update_id,
                    created_at=now,
                )
            )
        await session.execute(
            update(Payment)
            .where(Payment.user_id == user_id)
            .values(user_id=None, chat_id=None, updated_at=now)
        )
        await forget_support_data(session, user_id, chat_id)
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.status.in_(WAITING))
            .values(
                chat_id=None,
                status=OutboxStatus.FAILED,
                last_error="the user asked to be forgotten",
            )
        )
        if user is not None:
            await session.delete(user)


class PersonalData:
    """What the bot holds about a user, given to them (/mydata); see `export_user`."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def export(self, user_id: int) -> dict[str, Any]:
        return await export_user(self._sessions, user_id)
