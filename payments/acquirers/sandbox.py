"""A stand-in acquirer for development and demos: its card page is served by the bot itself.

The page never stores or logs what was typed; only a masked card number leaves it, inside a
signed callback sent over HTTP to the same endpoint a real acquirer calls.
"""

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

import aiohttp

from core.cards import luhn_valid
from core.money import Money, MoneyError
from core.statuses import PaymentStatus
from payments.acquirers.base import (
    CallbackAnswer,
    CallbackNotice,
    CallbackRejected,
    Checkout,
    CheckoutRequest,
    HttpAnswer,
    OrderStatus,
)

SIGNATURE_HEADER = "X-Sandbox-Signature"
APPROVE_CARD = "4242424242424242"
DECLINE_CARD = "4000000000000002"
TEST_CARDS = {APPROVE_CARD: None, DECLINE_CARD: "insufficient_funds"}


def mask_card(number: str) -> str:
    return f"{number[:6]}{'*' * (len(number) - 10)}{number[-4:]}"


@dataclass(frozen=True, slots=True)
class CardForm:
    """What the card page received; `errors` are message ids of the page's locale."""

    number: str
    expiry_month: int
    expiry_year: int
    cvc: str
    holder: str

    @classmethod
    def parse(cls, form: Mapping[str, str], today: date) -> tuple["CardForm | None", list[str]]:
        number = "".join(ch for ch in form.get("card_number", "") if ch.isdigit())
        expiry = form.get("expiry", "").replace(" ", "")
        cvc = form.get("cvc", "").strip()
        holder = form.get("holder", "").strip()
        errors = []
        if not 12 <= len(number) <= 19 or not luhn_valid(number):
            errors.append("sandbox-error-card-number")
        month, year = _expiry(expiry)
        if month is None or year is None or (year, month) < (today.year, today.month):
            errors.append("sandbox-error-expiry")
        if not (cvc.isdigit() and len(cvc) in (3, 4)):
            errors.append("sandbox-error-cvc")
        if not holder or not all(ch.isascii() and (ch.isalpha() or ch in " -.'") for ch in holder):
            errors.append("sandbox-error-holder")
        if errors or month is None or year is None:
            return None, errors
        if number not in TEST_CARDS:
            return None, ["sandbox-error-not-test-card"]
        return cls(number, month, year, cvc, holder), []


def _expiry(text: str) -> tuple[int | None, int | None]:
    month, _, year = text.partition("/")
    if not (month.isdigit() and year.isdigit() and len(year) in (2, 4)):
        return None, None
    if not 1 <= int(month) <= 12:
        return None, None
    return int(month), int(year) + (2000 if len(year) == 2 else 0)


class SandboxAcquirer:
    name = "sandbox"

    def __init__(self, public_base: str, secret: str) -> None:
        self._public_base = public_base.rstrip("/")
        self._secret = secret.encode()
        # The card page's own records, for status requests: what it decided per order.
        self._decided: dict[str, bytes] = {}

    @property
    def callback_url(self) -> str:
        return f"{self._public_base}/acquirer/{self.name}/callback"

    async def create_checkout(self, request: CheckoutRequest) -> Checkout:
        return Checkout(url=f"{self._public_base}/sandbox/pay/{request.order_id}")

    def sign(self, body: bytes) -> str:
        return hmac.new(self._secret, body, hashlib.sha256).hexdigest()

    def callback_body(self, order_id: str, amount: Money, card: CardForm) -> bytes:
        declined = TEST_CARDS[card.number]
        payload = {
            "order_id": order_id,
            "status": "declined" if declined else "approved",
            "amount": amount.plain(),
            "currency": amount.currency,
            "transaction_id": f"SBX-{secrets.token_hex(8).upper()}",
            "card_mask": mask_card(card.number),
            "reason": declined,
        }
        body = json.dumps(payload, sort_keys=True).encode()
        self._decided[order_id] = body
        return body

    async def send_callback(self, body: bytes, session: aiohttp.ClientSession) -> int:
        """The card page's server side tells the bot the outcome, as a real acquirer would."""
        headers = {SIGNATURE_HEADER: self.sign(body), "Content-Type": "application/json"}
        async with session.post(self.callback_url, data=body, headers=headers) as response:
            return response.status

    def parse_callback(self, body: bytes, headers: Mapping[str, str]) -> CallbackNotice:
        # As bytes: a header with other than ASCII in it is a bad signature, not an error 500.
        signature = headers.get(SIGNATURE_HEADER, "").encode(errors="replace")
        if not hmac.compare_digest(signature, self.sign(body).encode()):
            raise CallbackRejected("bad_signature")
        try:
            data = json.loads(body)
            status = {"approved": PaymentStatus.PAID, "declined": PaymentStatus.DECLINED}
            return CallbackNotice(
                order_id=str(data["order_id"]),
                status=status[data["status"]],
                amount=Money.parse(str(data["amount"]), str(data["currency"])),
                transaction_id=str(data["transaction_id"]),
                dedupe_key=hashlib.sha256(body).hexdigest(),
                card_mask=data.get("card_mask"),
                reason=data.get("reason"),
            )
        except (ValueError, KeyError, TypeError, MoneyError) as error:
            raise CallbackRejected("malformed") from error

    async def get_status(self, order_id: str) -> OrderStatus:
        """What the card page decided. It decides at once, so nothing is ever in progress;
        it forgets its decisions on restart, so it never says it does not know an order."""
        body = self._decided.get(order_id)
        if body is None:
            return OrderStatus()
        notice = self.parse_callback(body, {SIGNATURE_HEADER: self.sign(body)})
        return OrderStatus(
            outcome=replace(notice, dedupe_key=hashlib.sha256(b"status:" + body).hexdigest())
        )

    def answer(self, answer: CallbackAnswer, notice: CallbackNotice | None) -> HttpAnswer:
        status = {CallbackAnswer.ACCEPTED: 200, CallbackAnswer.REJECTED: 400}.get(answer, 503)
        return HttpAnswer(status, json.dumps({"result": answer.value}), "application/json")
