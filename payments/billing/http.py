"""Client of the operator's billing REST API; the contract is in docs/billing-api.md."""

import asyncio
import json
from typing import Any
from urllib.parse import quote

import aiohttp
import structlog

from core.clock import parse_utc
from core.codes import is_code
from core.money import Money, MoneyError
from core.services import Service
from core.statuses import BillStatus
from payments.billing.base import MAX_PAYER_NAME, Bill, BillingUnavailable, PaidConfirmation

log = structlog.get_logger(__name__)

MAX_ANSWER_BYTES = 64 * 1024  # a bill is a few hundred bytes


class AnswerTooLarge(ValueError):
    pass


class HttpBilling:
    sees_our_payments = False

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.3,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._retries = retries
        self._backoff = backoff
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def lookup(self, code: str) -> Bill | None:
        if not is_code(code):  # not a code: nothing the billing could know
            return None
        status, body = await self._request("GET", _code_path(code))
        if status == 404:
            return None
        if status != 200 or not isinstance(body, dict):
            raise BillingUnavailable(f"look-up answered {status}")
        try:
            bill = _bill(body)
        except (KeyError, ValueError, MoneyError) as error:
            raise BillingUnavailable(f"look-up answered a malformed bill: {error}") from error
        if bill.code != code:
            log.warning("billing.other_code", asked_length=len(code), got_length=len(bill.code))
            raise BillingUnavailable("look-up answered the bill of another code")
        return bill

    async def confirm_paid(self, confirmation: PaidConfirmation) -> None:
        payload = {
            "order_id": confirmation.order_id,
            "transaction_id": confirmation.transaction_id,
            "amount": confirmation.amount.plain(),
            "currency": confirmation.amount.currency,
            "paid_at": confirmation.paid_at.isoformat(),
        }
        path = _code_path(confirmation.code) + "/payments"
        status, _ = await self._request("POST", path, json=payload)
        if status not in (200, 201, 409):
            raise BillingUnavailable(f"confirmation answered {status}")

    async def _request(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(headers=self._headers, timeout=self._timeout)
        attempt = 0
        while True:
            try:
                async with self._session.request(method, self._base + path, **kwargs) as resp:
                    if resp.status < 500:
                        body = await _json(resp) if resp.status < 300 else None
                        return resp.status, body
                    reason = f"status {resp.status}"
            except AnswerTooLarge as error:
                log.warning("billing.answer_too_large", method=method)
                raise BillingUnavailable("answer too large") from error
            except (aiohttp.ClientError, TimeoutError, ValueError) as error:
                reason = type(error).__name__
            if attempt >= self._retries:
                log.warning("billing.unavailable", method=method, reason=reason)
                raise BillingUnavailable(reason)
            attempt += 1
            await asyncio.sleep(self._backoff * 2 ** (attempt - 1))


def _code_path(code: str) -> str:
    """The resource of a payment code: one path segment, whatever the code holds."""
    return "/payment-codes/" + quote(code, safe="")


async def _json(response: aiohttp.ClientResponse) -> Any:
    body = bytearray()
    async for chunk in response.content.iter_chunked(16 * 1024):
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            raise AnswerTooLarge()
    return json.loads(body) if body else None


def _payer_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_PAYER_NAME:
        raise ValueError("payer_name is not a name")
    return value


def _bill(body: dict[str, Any]) -> Bill:
    expires = body.get("expires_at")
    return Bill(
        code=str(body["code"]),
        payer_name=_payer_name(body["payer_name"]),
        service=Service(body["service"]),
        amount=Money.parse(str(body["amount"]), str(body["currency"])),
        status=BillStatus(body["status"]),
        expires_at=parse_utc(expires) if expires else None,
    )
