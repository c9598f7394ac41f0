from payments.acquirers.base import (
    Acquirer,
    AcquirerError,
    CallbackAnswer,
    CallbackNotice,
    CallbackRejected,
    Checkout,
    CheckoutRequest,
    OrderStatus,
    UnknownOrder,
)

__all__ = [
    "Acquirer",
    "AcquirerError",
    "CallbackAnswer",
    "CallbackNotice",
    "CallbackRejected",
    "Checkout",
    "CheckoutRequest",
    "OrderStatus",
    "UnknownOrder",
]
