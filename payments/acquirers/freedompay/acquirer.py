"""The Freedom Pay acquirer: the payment page (init_payment.php), the order's status
(get_status3.php) and the result callback with its signed answer."""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import aiohttp
import structlog

from core.clock import utcnow
from core.money import MoneyError
from core.statuses import PaymentStatus
from payments.acquirers.base import (
    AcquirerError,
    CallbackAnswer,
    CallbackNotice,
    CallbackRejected,
    Checkout,
    CheckoutRequest,
    HttpAnswer,
    OrderStatus,
    UnknownOrder,
)
from payments.acquirers.freedompay.messages import (
    build_xml,
    callback_params,
    form_fields,
    parse_xml,
)
from payments.acquirers.freedompay.notices import (
    CALLBACK_OPTIONAL,
    CALLBACK_REQUIRED,
    STATUS_SCRIPT,
    FreedomPayNotice,
    StatusAnswer,
    callback_notice,
    field_text,
    required_field,
    status_answer,
)
from payments.acquirers.freedompay.signature import script_name, signed, verify

log = structlog.get_logger(__name__)

DEFAULT_API_URL = "https://api.freedompay.kg"
INIT_SCRIPT = "init_payment.php"

# pg_lifetime bounds from the init_payment.php parameter table.
MIN_LIFETIME = 300
MAX_LIFETIME = 604800
MAX_DESCRIPTION = 1024
MAX_ANSWER_BYTES = 64 * 1024

# pg_language accepts ru, en, kz, kg, uz: Freedom Pay's own codes, not ISO 639-1 (Kyrgyz is "kg").
LANGUAGES = {"ru": "ru", "en": "en", "ky": "kg"}
DEFAULT_LANGUAGE = "ru"

# Shown to the payer by Freedom Pay when we answer "rejected" (the payment is then revoked).
REJECT_DESCRIPTION = "Платёж не может быть принят, деньги будут возвращены"
ACCEPT_DESCRIPTION = "Платёж принят"
ERROR_DESCRIPTION = "Уведомление не принято"
RETRY_DESCRIPTION = "Временная ошибка, повторите позже"


class FreedomPayAcquirer:
    name = "freedompay"

    def __init__(
        self,
        merchant_id: str,
        secret_key: str,
        *,
        public_base: str,
        session: aiohttp.ClientSession,
        api_url: str = DEFAULT_API_URL,
        testing_mode: bool = False,
        timeout: float = 10.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if not merchant_id or not secret_key:
            raise ValueError("Freedom Pay needs a merchant id and a secret key")
        self._merchant_id = merchant_id
        self._secret = secret_key
        self._public_base = public_base.rstrip("/")
        self._session = session
        self._api_url = api_url.rstrip("/")
        self._testing_mode = testing_mode
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._clock = clock

    def __repr__(self) -> str:
        return f"FreedomPayAcquirer(merchant_id={self._merchant_id!r}, api_url={self._api_url!r})"

    @property
    def callback_url(self) -> str:
        return f"{self._public_base}/acquirer/{self.name}/callback"

    @property
    def return_url(self) -> str:
        return f"{self._public_base}/acquirer/{self.name}/return"

    @property
    def callback_script(self) -> str:
        return script_name(self.callback_url)

    # ---- payment page

    def init_params(self, request: CheckoutRequest) -> dict[str, Any]:
        """The signed fields of the init_payment.php request for this order."""
        lifetime = int((request.expires_at - self._clock()).total_seconds())
        params = {
            "pg_merchant_id": self._merchant_id,
            "pg_order_id": request.order_id,
            "pg_amount": request.amount.plain(),
            "pg_currency": request.amount.currency,
            "pg_description": request.description[:MAX_DESCRIPTION],
            "pg_lifetime": str(min(max(lifetime, MIN_LIFETIME), MAX_LIFETIME)),
            "pg_language": LANGUAGES.get(request.language, DEFAULT_LANGUAGE),
            "pg_result_url": self.callback_url,
            "pg_request_method": "POST",
            "pg_success_url": self.return_url,
            "pg_failure_url": self.return_url,
            "pg_testing_mode": "1" if self._testing_mode else "0",
        }
        return signed(INIT_SCRIPT, params, self._secret)

    async def create_checkout(self, request: CheckoutRequest) -> Checkout:
        try:
            answer = await self._call(INIT_SCRIPT, self.init_params(request))
            url = required_field(answer, "pg_redirect_url")
        except AcquirerError as error:
            log.warning("freedompay.init_failed", order_id=request.order_id, reason=str(error))
            raise
        except ValueError as error:
            log.warning("freedompay.init_failed", order_id=request.order_id, reason=str(error))
            raise AcquirerError(f"init_payment.php: {error}") from error
        log.info(
            "freedompay.init_ok",
            order_id=request.order_id,
            payment_id=field_text(answer, "pg_payment_id"),
        )
        return Checkout(url=url)

    # ---- status

    async def status(self, order_id: str, payment_id: str | None = None) -> StatusAnswer:
        params: dict[str, Any] = {"pg_merchant_id": self._merchant_id, "pg_order_id": order_id}
        if payment_id:
            params["pg_payment_id"] = payment_id
        try:
            answer = await self._call(STATUS_SCRIPT, signed(STATUS_SCRIPT, params, self._secret))
            result = status_answer(order_id, answer)
        except UnknownOrder:
            log.info("freedompay.unknown_order", order_id=order_id)
            raise
        except AcquirerError as error:
            log.warning("freedompay.status_failed", order_id=order_id, reason=str(error))
            raise
        except (ValueError, MoneyError) as error:
            log.warning("freedompay.status_failed", order_id=order_id, reason=str(error))
            raise AcquirerError(f"get_status3.php: {error}") from error
        return result

    async def get_status(self, order_id: str) -> OrderStatus:
        """For reconciliation: paid or declined as an outcome; an incomplete payment has none
        (it is left to expire by its lifetime on our side)."""
        answer = await self.status(order_id)
        if answer.status not in (PaymentStatus.PAID, PaymentStatus.DECLINED):
            return OrderStatus(in_progress=answer.in_progress)
        try:
            return OrderStatus(outcome=answer.as_notice())
        except ValueError as error:  # an outcome without its amount or payment id
            log.warning("freedompay.status_failed", order_id=order_id, reason=str(error))
            raise AcquirerError(f"{STATUS_SCRIPT}: {error}") from error

    async def _call(self, script: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """POST a signed request; the verified fields of an ``ok`` answer, else AcquirerError."""
        url = f"{self._api_url}/{script}"
        try:
            async with self._session.post(
                url, data=form_fields(params), timeout=self._timeout
            ) as response:
                status = response.status
                body = await _read_limited(response, MAX_ANSWER_BYTES)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise AcquirerError(f"{script}: {type(error).__name__}") from error
        if status != 200:
            raise AcquirerError(f"{script}: HTTP {status}")
        if body is None:
            raise AcquirerError(f"{script}: answer too large")
        try:
            _, answer = parse_xml(body)
        except ValueError as error:
            raise AcquirerError(f"{script}: unreadable answer") from error
        # Error answers may come unsigned (when Freedom Pay cannot tell the merchant, or the
        # request's signature was wrong); they are reported, never acted upon.
        if field_text(answer, "pg_status") != "ok":
            code = field_text(answer, "pg_error_code") or "?"
            description = field_text(answer, "pg_error_description") or "no description"
            raise AcquirerError(f"{script}: error {code}: {description}")
        if not verify(script, answer, self._secret):
            raise AcquirerError(f"{script}: answer with a bad signature")
        return answer

    # ---- result callback

    def parse_callback(self, body: bytes, headers: Mapping[str, str]) -> CallbackNotice:
        try:
            params = callback_params(body, headers)
        except (ValueError, TypeError) as error:
            raise CallbackRejected("malformed") from error
        if not params:
            raise CallbackRejected("malformed")
        if not verify(self.callback_script, params, self._secret):
            raise CallbackRejected("bad_signature")
        order_id = field_text(params, "pg_order_id")
        if not CALLBACK_REQUIRED <= params.keys() <= CALLBACK_REQUIRED | CALLBACK_OPTIONAL:
            raise CallbackRejected("unexpected_fields", order_id)
        merchant = field_text(params, "pg_merchant_id")
        if merchant is not None and merchant != self._merchant_id:
            raise CallbackRejected("wrong_merchant", order_id)
        if field_text(params, "pg_testing_mode") == "1" and not self._testing_mode:
            raise CallbackRejected("testing_mode", order_id)
        try:
            return callback_notice(params)
        except (ValueError, MoneyError) as error:
            raise CallbackRejected("malformed", order_id) from error

    def answer(self, answer: CallbackAnswer, notice: CallbackNotice | None) -> HttpAnswer:
        """Signed XML. ``rejected`` makes Freedom Pay revoke a paid payment, so it is only said
        when the callback allowed it (pg_can_reject=1); otherwise a refusal is ``error``.
        Freedom Pay calls again (every 30 minutes for 2 hours) only when the HTTP status is not
        200, so RETRY is the one answer with another status."""
        if answer is CallbackAnswer.ACCEPTED:
            status, description, http_status = "ok", ACCEPT_DESCRIPTION, 200
        elif answer is CallbackAnswer.REJECTED and _can_reject(notice):
            status, description, http_status = "rejected", REJECT_DESCRIPTION, 200
        elif answer is CallbackAnswer.REJECTED:
            status, description, http_status = "error", ERROR_DESCRIPTION, 200
        else:
            status, description, http_status = "error", RETRY_DESCRIPTION, 503
        params = {"pg_status": status, "pg_description": description}
        body = build_xml(signed(self.callback_script, params, self._secret))
        return HttpAnswer(http_status, body, "application/xml")


async def _read_limited(response: aiohttp.ClientResponse, limit: int) -> bytes | None:
    """The whole body, or None when it is longer than ``limit`` bytes."""
    body = bytearray()
    async for chunk in response.content.iter_chunked(16 * 1024):
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _can_reject(notice: CallbackNotice | None) -> bool:
    return (
        isinstance(notice, FreedomPayNotice)
        and notice.can_reject
        and notice.status is PaymentStatus.PAID
    )
