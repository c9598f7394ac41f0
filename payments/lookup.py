"""The one way from a code given from outside (typed, in a link or a command, on a button) to
its bill: normalised and validated, within the look-up limits, looked up, the look-up counted.
Every entry goes through here; handlers.lookup turns each result into the user's answer."""

from dataclasses import dataclass
from typing import Protocol

import structlog

from core.codes import normalise_code
from core.statuses import BillStatus
from payments.billing import Bill
from payments.limits import Limit, LookupLimiter

log = structlog.get_logger(__name__)


class Bills(Protocol):
    async def lookup(self, code: str) -> Bill | None: ...


@dataclass(frozen=True, slots=True)
class NotACode:
    """What was given is no payment code: refused before any limit or look-up."""


@dataclass(frozen=True, slots=True)
class Limited:
    """The user waits `wait_seconds` for `limit` before the next look-up."""

    limit: Limit
    wait_seconds: float


@dataclass(frozen=True, slots=True)
class Found:
    """A look-up made and counted: `bill` is None for a code the billing does not know."""

    code: str
    bill: Bill | None

    @property
    def payable(self) -> bool:
        return self.bill is not None and self.bill.status is BillStatus.UNPAID


Refused = NotACode | Limited


async def admit(limiter: LookupLimiter, user_id: int, text: str | None) -> str | Refused:
    """The normalised code, if it is one and the user may look one up now. The caller counts
    the look-up it makes (`limiter.looked_up`)."""
    code = normalise_code(text)
    if code is None:
        return NotACode()
    wait, limit = await limiter.wait_for(user_id)
    if limit is not None:
        log.warning("lookup.limited", limit=limit.value)
        return Limited(limit, wait)
    return code


async def look_up(
    bills: Bills, limiter: LookupLimiter, user_id: int, text: str | None
) -> Found | Refused:
    """The bill of an admitted code, its look-up counted. BillingUnavailable is raised as it
    comes (nothing is counted: no answer was given)."""
    code = await admit(limiter, user_id, text)
    if not isinstance(code, str):
        return code
    bill = await bills.lookup(code)
    await limiter.looked_up(user_id, known=bill is not None)
    return Found(code, bill)
