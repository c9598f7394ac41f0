from enum import StrEnum


class PaymentStatus(StrEnum):
    CREATED = "created"
    PAID = "paid"
    DECLINED = "declined"
    EXPIRED = "expired"


class BillStatus(StrEnum):
    UNPAID = "unpaid"
    PAID = "paid"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


# Forward only. `paid` is final and wins over everything: if the acquirer says the money was
# taken, a declined attempt or an expired link does not undo it.
TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.CREATED: frozenset(
        {PaymentStatus.PAID, PaymentStatus.DECLINED, PaymentStatus.EXPIRED}
    ),
    PaymentStatus.DECLINED: frozenset({PaymentStatus.PAID}),
    PaymentStatus.EXPIRED: frozenset({PaymentStatus.PAID}),
    PaymentStatus.PAID: frozenset(),
}


def can_move(current: PaymentStatus, target: PaymentStatus) -> bool:
    return target in TRANSITIONS[current]


class OutboxKind(StrEnum):
    """What an outbox row asks to be delivered."""

    RECEIPT = "receipt"
    RECEIPT_PDF = "receipt_pdf"
    PAYMENT_DECLINED = "payment_declined"
    PAYMENT_EXPIRED = "payment_expired"
    BILLING_CONFIRM = "billing_confirm"
    ALERT = "alert"
    SUPPORT_QUESTION = "support_question"
    SUPPORT_ANSWER = "support_answer"
    PAGE_REMINDER = "page_reminder"
    DEADLINE_REMINDER = "deadline_reminder"


# What a person is waiting for in their chat; delivered in lanes of their own, never behind
# receipts' PDFs, billing confirmations or alerts.
URGENT_KINDS = frozenset(
    {OutboxKind.RECEIPT, OutboxKind.PAYMENT_DECLINED, OutboxKind.PAYMENT_EXPIRED}
)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    HELD = "held"  # the chat blocks the bot; released by the chat's next message
    SENT = "sent"
    FAILED = "failed"


WAITING = (OutboxStatus.PENDING, OutboxStatus.HELD)


class ReminderStatus(StrEnum):
    """A payer's deadline reminder: waiting for its time, then queued, or cancelled."""

    WAITING = "waiting"
    QUEUED = "queued"
    CANCELLED = "cancelled"


class AlertKind(StrEnum):
    """What an alert for the support chat reports."""

    CALLBACK_REJECTED = "callback_rejected"
    AMOUNT_MISMATCH = "amount_mismatch"
    PAYMENT_STUCK = "payment_stuck"
    RECEIPT_UNDELIVERED = "receipt_undelivered"
    BILLING_UNCONFIRMED = "billing_unconfirmed"
    DOUBLE_PAYMENT = "double_payment"
