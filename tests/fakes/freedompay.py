"""A fake Freedom Pay merchant API for tests, served over real HTTP (aiohttp.web).

Written from the public documentation (see docs/freedompay.md), independently of
``payments.acquirers.freedompay``: it has its own copy of the signature algorithm, so a mistake
in the module's is not mirrored here.

    async with FakeFreedomPay("552233", "secret") as fake:
        acquirer = FreedomPayAcquirer(..., api_url=fake.base_url)
        checkout = await acquirer.create_checkout(request)  # fake.payments now holds it
        delivery = await fake.complete(payment_id, success=True)  # POSTs the result callback

Scripts: ``init_payment.php`` (checks the merchant, the signature and the documented limits of
the fields; answers signed XML with ``pg_redirect_url`` pointing at its own ``/pay/{id}`` page),
``get_status3.php`` (by ``pg_payment_id``, else ``pg_order_id``; signed XML; a payment it does
not have gets the documented "no such payment", a signed ``ok`` with ``pg_payment_id`` 0).
Error answers follow what Freedom Pay is reported to do: an unknown merchant or a bad request
signature gets an *unsigned* ``pg_error_code`` 9998; other refusals are signed, with the fake's
own code 400.

Fault injection: ``fail_init_next`` / ``fail_status_next`` (the next init / status request
answers a signed error with that description), ``forge_next_answer`` (the next answer of any
script carries a wrong ``pg_sig``), ``status_override`` (``get_status3.php`` reports this
``pg_payment_status`` for every payment).

``complete()`` decides a payment and POSTs the signed result callback to the ``pg_result_url``
given at init (url-encoded by default; ``callback_encoding="multipart"``, or ``pg_request_method``
XML for a ``pg_xml`` field), then reads the merchant's XML answer and checks its signature
(script name: the last path segment of the result URL). Every delivery is kept in
``deliveries``; ``redeliver()`` sends the same outcome again, as Freedom Pay's retries do.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

import aiohttp
from aiohttp import web

__all__ = ["CallbackDelivery", "FakeFreedomPay", "FakePayment", "php_signature"]

LANGUAGES = {"ru", "en", "kz", "kg", "uz"}
CURRENCIES = {"KZT", "KGS", "UZS", "USD", "EUR", "RUB"}
REQUEST_METHODS = {"GET", "POST", "XML"}


# --------------------------------------------------------------------------------------------
# The documented signature: PHP's makeFlatParamsArray, ksort, implode(';', ...), md5.


def _flat(params: dict[str, Any] | list[Any], parent: str = "") -> dict[str, str]:
    items = params.items() if isinstance(params, dict) else enumerate(params)
    result: dict[str, str] = {}
    for index, (key, value) in enumerate(items, start=1):
        name = f"{parent}{key}{index:03d}"
        if isinstance(value, dict | list):
            result.update(_flat(value, name))
        else:
            result.setdefault(name, str(value))
    return result


def php_signature(script: str, params: dict[str, Any], secret: str) -> str:
    flat = _flat({key: value for key, value in params.items() if key != "pg_sig"})
    parts = [script] + [flat[name] for name in sorted(flat)] + [secret]
    return hashlib.md5(";".join(parts).encode("utf-8")).hexdigest()  # noqa: S324


def _signed(script: str, params: dict[str, Any], secret: str) -> dict[str, Any]:
    message = dict(params, pg_salt=secrets.token_hex(8))
    message["pg_sig"] = php_signature(script, message, secret)
    return message


def _nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Bracketed form names as PHP nests them (``a[0][b]``)."""
    result: dict[str, Any] = {}
    for name, value in pairs:
        parts = re.findall(r"[^\[\]]+|\[\]", name)
        node = result
        for depth, part in enumerate(parts):
            key = str(len(node)) if part == "[]" else part
            if depth == len(parts) - 1:
                node[key] = value
            else:
                node = node.setdefault(key, {})
    return result


def _to_xml(params: dict[str, Any], root: str = "response") -> str:
    element = ElementTree.Element(root)

    def fill(parent: ElementTree.Element, values: dict[str, Any]) -> None:
        for key, value in values.items():
            for item in value if isinstance(value, list) else [value]:
                child = ElementTree.SubElement(parent, key)
                if isinstance(item, dict):
                    fill(child, item)
                else:
                    child.text = str(item)

    fill(element, params)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(
        element, encoding="unicode"
    )


def _from_xml(text: str) -> dict[str, Any]:
    def read(element: ElementTree.Element) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for child in element:
            value = read(child) if len(child) else (child.text or "")
            if child.tag in values:
                previous = values[child.tag]
                listed = previous if isinstance(previous, list) else [previous]
                values[child.tag] = [*listed, value]
            else:
                values[child.tag] = value
        return values

    return read(ElementTree.fromstring(text))  # noqa: S314 - our own test's answers


# --------------------------------------------------------------------------------------------
# State


@dataclass
class FakePayment:
    payment_id: str
    order_id: str
    amount: str
    currency: str
    description: str
    result_url: str | None
    request_method: str
    testing_mode: str
    language: str
    lifetime: str
    init_fields: dict[str, Any]
    status: str = "new"  # get_status3.php pg_payment_status
    card_pan: str | None = None
    failure_code: str | None = None
    failure_description: str | None = None
    refunds: list[dict[str, str]] = field(default_factory=list)
    last_callback: dict[str, Any] | None = None


@dataclass
class CallbackDelivery:
    payment_id: str
    fields: dict[str, Any]
    http_status: int | None
    body: str
    answer: dict[str, Any] | None
    answer_signature_ok: bool
    error: str | None = None

    @property
    def answer_status(self) -> str | None:
        return None if self.answer is None else self.answer.get("pg_status")


class FakeFreedomPay:
    def __init__(
        self,
        merchant_id: str,
        secret: str,
        *,
        host: str = "127.0.0.1",
        callback_encoding: str = "urlencoded",
    ) -> None:
        self.merchant_id = merchant_id
        self.secret = secret
        self.host = host
        self.callback_encoding = callback_encoding
        self.payments: dict[str, FakePayment] = {}
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.deliveries: list[CallbackDelivery] = []
        self.fail_init_next: str | None = None
        self.fail_status_next: str | None = None
        self.forge_next_answer = False
        self.status_override: str | None = None
        self._ids = itertools.count(470000001)
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self.base_url = ""

    async def __aenter__(self) -> FakeFreedomPay:
        app = web.Application()
        app.router.add_route("*", "/init_payment.php", self._init_payment)
        app.router.add_route("*", "/get_status3.php", self._get_status)
        app.router.add_get("/pay/{payment_id}", self._pay_page)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://{self.host}:{port}"
        self._client = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # ---- helpers for tests

    def payment_for_order(self, order_id: str) -> FakePayment:
        return next(p for p in self.payments.values() if p.order_id == order_id)

    def init_requests(self) -> list[dict[str, Any]]:
        return [fields for script, fields in self.requests if script == "init_payment.php"]

    def refund(self, payment_id: str, amount: str) -> None:
        refund_id = str(next(self._ids))
        self.payments[payment_id].refunds.append(
            {
                "pg_payment_id": refund_id,
                "pg_payment_status": "success",
                "pg_amount": f"-{amount}",
                "pg_payment_date": "2026-11-23 12:00:00",
            }
        )

    async def complete(
        self,
        payment_id: str,
        *,
        success: bool = True,
        card_pan: str = "440043******1234",
        can_reject: bool = True,
        failure_code: str = "10005",
        failure_description: str = "Insufficient funds",
        extra: dict[str, str] | None = None,
    ) -> CallbackDelivery:
        """The payer finished on the payment page: decide, then call the result URL."""
        payment = self.payments[payment_id]
        payment.status = "success" if success else "error"
        payment.card_pan = card_pan
        fields: dict[str, Any] = {
            "pg_order_id": payment.order_id,
            "pg_payment_id": payment.payment_id,
            "pg_amount": payment.amount,
            "pg_currency": payment.currency,
            "pg_net_amount": str(Decimal(payment.amount) * Decimal("0.975")),
            "pg_ps_amount": payment.amount,
            "pg_ps_full_amount": payment.amount,
            "pg_ps_currency": payment.currency,
            "pg_description": payment.description,
            "pg_result": "1" if success else "0",
            "pg_payment_date": "2026-11-23 12:00:00",
            "pg_can_reject": "1" if can_reject else "0",
            "pg_testing_mode": payment.testing_mode,
            "pg_captured": "1" if success else "0",
            "pg_payment_method": "bankcard",
            "pg_card_pan": card_pan,
            "pg_card_exp": "12/30",
            "pg_card_owner": "ASAN ASANOV",
            "pg_card_brand": "VI",
        }
        if success:
            fields["pg_auth_code"] = "123456"
        else:
            payment.failure_code, payment.failure_description = failure_code, failure_description
            fields["pg_failure_code"] = failure_code
            fields["pg_failure_description"] = failure_description
        fields.update(extra or {})
        payment.last_callback = fields
        return await self._deliver(payment, fields)

    async def redeliver(self, payment_id: str) -> CallbackDelivery:
        payment = self.payments[payment_id]
        assert payment.last_callback is not None, "complete() the payment first"
        return await self._deliver(payment, payment.last_callback)

    async def _deliver(self, payment: FakePayment, fields: dict[str, Any]) -> CallbackDelivery:
        assert payment.result_url, "the payment was created without pg_result_url"
        assert self._client is not None
        script = urlsplit(payment.result_url).path.rsplit("/", 1)[-1]
        message = _signed(script, fields, self.secret)
        if payment.request_method == "XML":
            data: Any = {"pg_xml": _to_xml(message, root="request")}
        elif self.callback_encoding == "multipart":
            data = aiohttp.FormData(default_to_multipart=True)
            for key, value in message.items():
                data.add_field(key, str(value))
        else:
            data = {key: str(value) for key, value in message.items()}
        try:
            async with self._client.post(payment.result_url, data=data) as response:
                text = await response.text()
                status = response.status
        except aiohttp.ClientError as error:
            delivery = CallbackDelivery(
                payment.payment_id, message, None, "", None, False, str(error)
            )
            self.deliveries.append(delivery)
            return delivery
        answer: dict[str, Any] | None
        try:
            answer = _from_xml(text)
        except ElementTree.ParseError:
            answer = None
        signature_ok = bool(
            answer
            and isinstance(answer.get("pg_sig"), str)
            and hmac.compare_digest(answer["pg_sig"], php_signature(script, answer, self.secret))
        )
        if (
            signature_ok
            and answer is not None
            and answer.get("pg_status") == "rejected"
            and fields.get("pg_can_reject") == "1"
            and fields.get("pg_result") == "1"
        ):
            payment.status = "revoked"  # the merchant refused the payment: money goes back
        delivery = CallbackDelivery(payment.payment_id, message, status, text, answer, signature_ok)
        self.deliveries.append(delivery)
        return delivery

    # ---- scripts

    async def _read(self, request: web.Request, script: str) -> dict[str, Any]:
        form = await request.post()
        pairs = [(key, str(value)) for key, value in form.items()]
        pairs += [(key, value) for key, value in request.query.items()]
        fields = _nest(pairs)
        self.requests.append((script, fields))
        return fields

    def _answer(self, script: str, params: dict[str, Any], *, sign: bool = True) -> web.Response:
        message = _signed(script, params, self.secret) if sign else params
        if sign and self.forge_next_answer:
            self.forge_next_answer = False
            message["pg_sig"] = "0" * 32
        return web.Response(text=_to_xml(message), content_type="application/xml")

    def _refusal(self, script: str, fields: dict[str, Any]) -> web.Response | None:
        """Unsigned 9998 when the merchant is unknown or the request's signature is wrong."""
        given = fields.get("pg_sig")
        if fields.get("pg_merchant_id") != self.merchant_id:
            description = "Неверный номер магазина"
        elif not isinstance(given, str) or not hmac.compare_digest(
            given, php_signature(script, fields, self.secret)
        ):
            description = "Некорректная подпись запроса"
        else:
            return None
        error = {"pg_status": "error", "pg_error_code": "9998", "pg_error_description": description}
        return self._answer(script, error, sign=False)

    def _error(self, script: str, description: str) -> web.Response:
        return self._answer(
            script,
            {"pg_status": "error", "pg_error_code": "400", "pg_error_description": description},
        )

    async def _init_payment(self, request: web.Request) -> web.Response:
        script = "init_payment.php"
        fields = await self._read(request, script)
        refusal = self._refusal(script, fields)
        if refusal is not None:
            return refusal
        problems = _init_problems(fields)
        if problems:
            return self._error(script, "; ".join(problems))
        if self.fail_init_next is not None:
            description, self.fail_init_next = self.fail_init_next, None
            return self._error(script, description)
        payment_id = str(next(self._ids))
        self.payments[payment_id] = FakePayment(
            payment_id=payment_id,
            order_id=fields["pg_order_id"],
            amount=fields["pg_amount"],
            currency=fields.get("pg_currency", "KZT"),
            description=fields["pg_description"],
            result_url=fields.get("pg_result_url"),
            request_method=fields.get("pg_request_method", "GET"),
            testing_mode=fields.get("pg_testing_mode", "0"),
            language=fields.get("pg_language", "ru"),
            lifetime=fields.get("pg_lifetime", "86400"),
            init_fields=fields,
        )
        return self._answer(
            script,
            {
                "pg_status": "ok",
                "pg_payment_id": payment_id,
                "pg_redirect_url": f"{self.base_url}/pay/{payment_id}?customer=x&lang=ru",
                "pg_redirect_url_type": "need data",
            },
        )

    async def _get_status(self, request: web.Request) -> web.Response:
        script = "get_status3.php"
        fields = await self._read(request, script)
        refusal = self._refusal(script, fields)
        if refusal is not None:
            return refusal
        if self.fail_status_next is not None:
            description, self.fail_status_next = self.fail_status_next, None
            return self._error(script, description)
        payment = self.payments.get(str(fields.get("pg_payment_id", "")))
        if payment is None and fields.get("pg_order_id"):
            payment = next(
                (p for p in self.payments.values() if p.order_id == fields["pg_order_id"]), None
            )
        if payment is None:
            order_id = fields.get("pg_order_id", "")
            return self._answer(
                script, {"pg_status": "ok", "pg_payment_id": "0", "pg_order_id": order_id}
            )
        answer: dict[str, Any] = {
            "pg_status": "ok",
            "pg_payment_id": payment.payment_id,
            "pg_order_id": payment.order_id,
            "pg_currency": payment.currency,
            "pg_amount": payment.amount,
            "pg_payment_status": self.status_override or payment.status,
            "pg_can_reject": "1",
            "pg_testing_mode": payment.testing_mode,
            "pg_payment_method": "bankcard",
            "pg_create_date": "2026-11-23 11:59:00",
        }
        if payment.card_pan:
            answer["pg_card_pan"] = payment.card_pan
        if payment.status == "success":
            answer["pg_captured"] = "1"
            answer["pg_payment_date"] = "2026-11-23 12:00:00"
        if payment.failure_code:
            answer["pg_failure_code"] = payment.failure_code
            answer["pg_failure_description"] = payment.failure_description
        if payment.refunds:
            answer["pg_refund_payments"] = {"pg_refund_payment": list(payment.refunds)}
        return self._answer(script, answer)

    async def _pay_page(self, request: web.Request) -> web.Response:
        payment = self.payments.get(request.match_info["payment_id"])
        if payment is None:
            raise web.HTTPNotFound()
        html = (
            f"<html><body><h1>{payment.description}</h1>"
            f"<p>{payment.amount} {payment.currency}</p></body></html>"
        )
        return web.Response(text=html, content_type="text/html")


def _init_problems(fields: dict[str, Any]) -> list[str]:
    """The documented limits of init_payment.php fields that the fake checks."""
    problems = [
        f"{name} is required"
        for name in ("pg_order_id", "pg_amount", "pg_description", "pg_salt")
        if not fields.get(name)
    ]
    if problems:
        return problems
    try:
        amount = Decimal(fields["pg_amount"])
    except InvalidOperation:
        amount = Decimal(0)
    if not amount.is_finite():
        amount = Decimal(0)
    if not (Decimal("0.01") <= amount <= Decimal(99999999)) or -amount.as_tuple().exponent > 2:
        problems.append("pg_amount is not an amount")
    if len(fields["pg_order_id"]) > 50:
        problems.append("pg_order_id longer than 50")
    if len(fields["pg_description"]) > 1024:
        problems.append("pg_description longer than 1024")
    checks = {
        "pg_currency": lambda v: v in CURRENCIES,
        "pg_language": lambda v: v in LANGUAGES,
        "pg_request_method": lambda v: v in REQUEST_METHODS,
        "pg_testing_mode": lambda v: v in ("0", "1"),
        "pg_lifetime": lambda v: v.isdigit() and 300 <= int(v) <= 604800,
        "pg_result_url": lambda v: len(v) <= 255,
        "pg_success_url": lambda v: len(v) <= 255,
        "pg_failure_url": lambda v: len(v) <= 255,
    }
    problems += [
        f"{name} is not valid"
        for name, valid in checks.items()
        if name in fields and not (isinstance(fields[name], str) and valid(fields[name]))
    ]
    return problems
