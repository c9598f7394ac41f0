"""The one checked path from a code given from outside to its bill, without Telegram
(payments.lookup), and the answers its refusals get (handlers.lookup)."""

from datetime import UTC, datetime

import pytest

from core.money import Money
from core.services import Service
from core.statuses import BillStatus
from handlers.lookup import refusal_message
from payments.acquirers import AcquirerError
from payments.billing import Bill, BillingUnavailable
from payments.limits import Limit, LookupLimiter, LookupPolicy, MemoryWindows
from payments.lookup import Admitted, Found, Limited, NotACode, admit, look_up
from payments.outcomes import PaymentInProgressElsewhere, PaymentStillProcessing
from storage.models import Payment
from tests.test_locales import messages

CODE = "112026117919"


def bill(status: BillStatus = BillStatus.UNPAID) -> Bill:
    return Bill(CODE, "ASANOV ASAN", Service.ID_CARD_2017, Money(125_000, "KGS"), status)


class Billing:
    def __init__(self, known: dict[str, Bill], *, down: bool = False) -> None:
        self.known = known
        self.down = down
        self.asked: list[str] = []

    async def lookup(self, code: str) -> Bill | None:
        self.asked.append(code)
        if self.down:
            raise BillingUnavailable
        return self.known.get(code)


def limiter(**policy: int) -> LookupLimiter:
    return LookupLimiter(MemoryWindows(), LookupPolicy(**policy))


async def test_a_typed_code_is_normalised_and_looked_up_once():
    billing = Billing({CODE: bill()})
    found = await look_up(billing, limiter(), 1, "1120 2611-7919")
    assert found == Found(CODE, bill()) and found.payable
    assert billing.asked == [CODE]


async def test_no_code_is_refused_before_the_limits_and_the_billing():
    billing = Billing({})
    limits = limiter(lookups_per_user=1)
    for text in (None, "", "hello", "12345", "1" * 33):
        assert await look_up(billing, limits, 1, text) == NotACode()
    assert billing.asked == []
    admitted = await admit(limits, 1, CODE)  # nothing was counted
    assert isinstance(admitted, Admitted) and admitted.code == CODE


async def test_unknown_codes_count_towards_their_own_limit():
    billing = Billing({CODE: bill()})
    limits = limiter(unknown_per_user=1)
    found = await look_up(billing, limits, 1, "132026149595")
    assert found == Found("132026149595", None) and not found.payable
    refused = await look_up(billing, limits, 1, CODE)
    assert isinstance(refused, Limited) and refused.limit is Limit.UNKNOWN_CODES
    assert refused.wait_seconds > 0
    assert billing.asked == ["132026149595"]
    assert isinstance(await look_up(billing, limits, 2, CODE), Found)  # another user's own


async def test_every_look_up_counts_known_codes_too():
    limits = limiter(lookups_per_user=2)
    billing = Billing({CODE: bill(BillStatus.PAID)})
    for _ in range(2):
        found = await look_up(billing, limits, 1, CODE)
        assert isinstance(found, Found) and not found.payable
    refused = await look_up(billing, limits, 1, CODE)
    assert isinstance(refused, Limited) and refused.limit is Limit.USER_LOOKUPS


async def test_a_billing_away_is_raised_and_not_counted():
    limits = limiter(lookups_per_user=1)
    with pytest.raises(BillingUnavailable):
        await look_up(Billing({}, down=True), limits, 1, CODE)
    assert isinstance(await admit(limits, 1, CODE), Admitted)


@pytest.mark.parametrize(
    ("reason", "message_id", "args"),
    [
        (NotACode(), "code-invalid", {}),
        (Limited(Limit.UNKNOWN_CODES, 61), "lookup-wait", {"minutes": 2}),
        (Limited(Limit.USER_LOOKUPS, 1), "lookup-too-often", {"minutes": 1}),
        (Limited(Limit.OVERALL, 60), "lookup-busy", {"minutes": 1}),
        (BillingUnavailable(), "billing-unavailable", {}),
        (PaymentStillProcessing(), "payment-still-processing", {}),
        (AcquirerError("refused"), "payment-page-unavailable", {}),
    ],
)
def test_each_refusal_has_its_answer(reason, message_id, args):
    assert refusal_message(reason) == (message_id, args)
    for language in ("ky", "ru", "en"):
        variables, _ = messages(language)[message_id]
        assert variables == set(args)


def test_a_page_paid_elsewhere_says_until_when():
    expires = datetime(2026, 12, 3, 12, tzinfo=UTC)
    payment = Payment(expires_at=expires)
    reason = PaymentInProgressElsewhere(payment)
    assert refusal_message(reason) == ("payment-in-progress-elsewhere", {"expires": expires})
