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
