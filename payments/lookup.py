"""The one way from a code given from outside (typed, in a link or a command, on a button) to
its bill: normalised and validated, within the look-up limits, looked up, the look-up counted.
Every entry goes through here; handlers.lookup turns each result into the user's answer."""

from dataclasses import dataclass
from typing import Protocol

import structlog

from core.codes import normalise_code
from core.statuses import BillStatus
from payments.billing import Bill, BillingUnavailable
from payments.limits import Limited, LookupLimiter, Ticket

log = structlog.get_logger(__name__)


class Bills(Protocol):
    async def lookup(self, code: str) -> Bill | None: ...


@dataclass(frozen=True, slots=True)
class NotACode:
    """What was given is no payment code: refused before any limit or look-up."""


@dataclass(frozen=True, slots=True)
class Admitted:
    """A code the user may look up now, the look-up already counted (`ticket`)."""

    code: str
    ticket: Ticket


@dataclass(frozen=True, slots=True)
class Found:
    """A look-up made and counted: `bill` is None for a code the billing does not know."""

    code: str
    bill: Bill | None

    @property
    def payable(self) -> bool:
        return self.bill is not None and self.bill.status is BillStatus.UNPAID


Refused = NotACode | Limited


async def admit(limiter: LookupLimiter, user_id: int, text: str | None) -> Admitted | Refused:
    """The normalised code, if it is one and the user may look one up now, the look-up
    counted. The caller counts an unknown code (`limiter.unknown_code`) and takes back a
    look-up it did not make or the billing did not answer (`limiter.withdraw`)."""
    code = normalise_code(text)
    if code is None:
        return NotACode()
    admitted = await limiter.admit(user_id)
    if isinstance(admitted, Limited):
        log.warning("lookup.limited", limit=admitted.limit.value)
        return admitted
    return Admitted(code, admitted)


async def look_up(
    bills: Bills, limiter: LookupLimiter, user_id: int, text: str | None
) -> Found | Refused:
    """The bill of an admitted code, its look-up counted. BillingUnavailable is raised as it
    comes (nothing is counted: no answer was given)."""
    admitted = await admit(limiter, user_id, text)
    if not isinstance(admitted, Admitted):
        return admitted
    try:
        bill = await bills.lookup(admitted.code)
    except BillingUnavailable:
        await limiter.withdraw(admitted.ticket)
        raise
    if bill is None:
        await limiter.unknown_code(admitted.ticket)
    return Found(admitted.code, bill)
