"""Freedom Pay (formerly PayBox) merchant API: hosted payment page, result callback, status.

What was taken from which page of the documentation, and every assumption, is in
docs/freedompay.md. In short: every message both ways carries ``pg_salt`` and ``pg_sig``, the
MD5 of ``script;value;value;...;secret_key`` with the values in the order of their (flattened)
parameter names; ``init_payment.php`` answers XML with the URL of the payment page; Freedom Pay
POSTs the outcome to our result URL and reads a signed XML answer; ``get_status3.php`` tells the
state of a payment when a callback went missing.
"""

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.etree import ElementTree

import aiohttp
import structlog
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from core.clock import utcnow
from core.money import Money, MoneyError
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

log = structlog.get_logger(__name__)

DEFAULT_API_URL = "https://api.freedompay.kg"
INIT_SCRIPT = "init_payment.php"
STATUS_SCRIPT = "get_status3.php"

# pg_lifetime bounds from the init_payment.php parameter table.
MIN_LIFETIME = 300
MAX_LIFETIME = 604800
MAX_DESCRIPTION = 1024
MAX_ANSWER_BYTES = 64 * 1024
MAX_FORM_FIELDS = 200
MAX_XML_DEPTH = 8  # the deepest documented message (a status answer's refunds) has 3 levels
# Column sizes of the payments table this module's notices end up in.
MAX_TRANSACTION_ID = 64
MAX_CARD_MASK = 24
MAX_REASON = 200

# pg_language accepts ru, en, kz, kg, uz: Freedom Pay's own codes, not ISO 639-1 (Kyrgyz is "kg").
LANGUAGES = {"ru": "ru", "en": "en", "ky": "kg"}
DEFAULT_LANGUAGE = "ru"

# The get_status3.php pg_payment_status values (and the older pg_transaction_status values of
# get_status2.php) that are outcomes.
PAYMENT_OUTCOMES: dict[str, PaymentStatus] = {
    "success": PaymentStatus.PAID,
    "ok": PaymentStatus.PAID,
    "error": PaymentStatus.DECLINED,
    "failed": PaymentStatus.DECLINED,
    "incomplete": PaymentStatus.EXPIRED,  # its lifetime ran out unpaid
}
NOT_STARTED = frozenset({"new"})  # created; nobody has started to pay
# Anything else - pending, process, waiting, partial, a refund or revocation, a value not seen
# before - is in progress: the money may be, or have been, taken, so it is never expired on it.

# Shown to the payer by Freedom Pay when we answer "rejected" (the payment is then revoked).
REJECT_DESCRIPTION = "Платёж не может быть принят, деньги будут возвращены"
ACCEPT_DESCRIPTION = "Платёж принят"
ERROR_DESCRIPTION = "Уведомление не принято"
RETRY_DESCRIPTION = "Временная ошибка, повторите позже"

# The fields of a result callback. ``pg_sig`` signs the values only, in the order of their
# names: a captured callback with its fields renamed keeps a valid signature, so the names are
# checked too. We send no fields of our own, so nothing else may come.
CALLBACK_REQUIRED = frozenset(
    {"pg_order_id", "pg_payment_id", "pg_amount", "pg_currency", "pg_result", "pg_salt", "pg_sig"}
)
CALLBACK_OPTIONAL = frozenset(
    {
        "pg_merchant_id",
        "pg_net_amount",
        "pg_ps_amount",
        "pg_ps_full_amount",
        "pg_ps_currency",
        "pg_description",
        "pg_payment_date",
        "pg_can_reject",
        "pg_user_phone",
        "pg_user_contact_email",
        "pg_testing_mode",
        "pg_captured",
        "pg_card_id",
        "pg_card_token",
        "pg_card_pan",
        "pg_card_exp",
        "pg_card_owner",
        "pg_card_brand",
        "pg_payment_method",
        "pg_discount_percent",
        "pg_discount_amount",
        "pg_auth_code",
        "pg_failure_code",
        "pg_failure_description",
    }
)

_BRACKETED = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_FORBIDDEN_XML = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_UNMASKED_PAN = re.compile(r"[\d -]{12,23}")


# --------------------------------------------------------------------------------------------
# Signature


def flatten(params: Mapping[str, Any] | Sequence[Any], parent: str = "") -> dict[str, str]:
    """Nested parameters as one flat mapping, exactly as the documentation's PHP example does.

    Its ``makeFlatParamsArray`` names every value ``{parent}{key}{position:03d}`` (position
    counted from 1 within its level, in the given order) and recurses into arrays, so that
    after sorting by name nested values stay grouped under their parent:
    ``{"a": "1", "b": [{"x": "2"}]}`` becomes ``{"a001": "1", "b0020001x001": "2"}``.
    """
    items = params.items() if isinstance(params, Mapping) else enumerate(params)
    flat: dict[str, str] = {}
    for position, (key, value) in enumerate(items, start=1):
        name = f"{parent}{key}{position:03d}"
        nested = (
            flatten(value, name)
            if isinstance(value, Mapping | list | tuple)
            else {name: _php_string(value)}
        )
        for nested_name, nested_value in nested.items():
            if nested_name in flat:
                raise ValueError(f"parameter names collide after flattening: {nested_name!r}")
            flat[nested_name] = nested_value
    return flat


def _php_string(value: Any) -> str:
    """PHP's ``(string)`` of the scalars a request may hold; floats are refused (use strings)."""
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, str | int):
        return str(value)
    raise TypeError(f"parameter values must be strings or integers, not {type(value).__name__}")


def _signature_base(script: str, params: Mapping[str, Any], secret: str) -> str:
    """``script;values sorted by flattened name;secret``: what is hashed (it holds the secret)."""
    unsigned = {key: value for key, value in params.items() if key != "pg_sig"}
    flat = flatten(unsigned)
    return ";".join([script, *(flat[name] for name in sorted(flat)), secret])


def sign(script: str, params: Mapping[str, Any], secret: str) -> str:
    """``pg_sig`` of a message to or from ``script`` (top-level ``pg_sig`` is left out)."""
    return hashlib.md5(_signature_base(script, params, secret).encode()).hexdigest()  # noqa: S324


def verify(script: str, params: Mapping[str, Any], secret: str) -> bool:
    """Whether ``params["pg_sig"]`` is the signature of the rest, compared in constant time."""
    given = params.get("pg_sig")
    if not isinstance(given, str) or not given:
        return False
    try:
        expected = sign(script, params, secret)
    except (TypeError, ValueError):
        return False
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())


def script_name(url: str) -> str:
    """The part of a URL's path after its last ``/``: what signatures start with."""
    return urlsplit(url).path.rsplit("/", 1)[-1]


def new_salt() -> str:
    return secrets.token_hex(16)


# --------------------------------------------------------------------------------------------
# Message formats


def parse_form(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Form fields as PHP reads them: ``a[0][name]=x`` becomes ``{"a": {"0": {"name": "x"}}}``.

    A repeated name is refused (PHP would keep the last one, but then the signature and our
    reading could see different values).
    """
    result: dict[str, Any] = {}
    for raw_key, value in pairs:
        match = _BRACKETED.match(raw_key)
        path = [raw_key] if match is None else [match[1], *re.findall(r"\[([^\[\]]*)\]", match[2])]
        if len(path) > MAX_XML_DEPTH:
            raise ValueError(f"form field nested deeper than {MAX_XML_DEPTH}")
        node = result
        for depth, part in enumerate(path):
            last = depth == len(path) - 1
            if part == "":
                part = str(sum(1 for key in node if key.isdigit()))
            if last:
                if part in node:
                    raise ValueError(f"repeated form field {raw_key!r}")
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise ValueError(f"form field {raw_key!r} is both a value and an array")
                node = child
    return result


def form_fields(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The inverse of :func:`parse_form`: nested parameters as bracketed form fields."""
    fields: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping | list | tuple):
            items = value.items() if isinstance(value, Mapping) else enumerate(value)
            for key, child in items:
                walk(f"{prefix}[{key}]", child)
        else:
            fields.append((prefix, _php_string(value)))

    for key, value in params.items():
        walk(key, value)
    return fields


def parse_xml(body: bytes | str) -> tuple[str, dict[str, Any]]:
    """Root tag and fields of an XML message; a DOCTYPE, an ENTITY declaration or nesting
    deeper than MAX_XML_DEPTH is refused (ValueError), as the parser meets it.

    Repeated tags become a list in the order they appear; an element with children becomes a
    mapping, so :func:`sign` applies the documented rule recursively to nested tags.
    """
    text = body.decode() if isinstance(body, bytes) else body
    if _FORBIDDEN_XML.search(text):
        raise ValueError("XML with a DOCTYPE or ENTITY declaration")
    parser = ElementTree.XMLPullParser(events=("start", "end"), _parser=_defused_parser())
    depth = 0
    try:
        parser.feed(text)
        root = None
        for event, element in parser.read_events():
            depth += 1 if event == "start" else -1
            if depth > MAX_XML_DEPTH:
                raise ValueError(f"XML nested deeper than {MAX_XML_DEPTH}")
            root = element
        parser.close()
    except (ElementTree.ParseError, DefusedXmlException) as error:
        raise ValueError(f"not XML: {type(error).__name__}") from error
    if root is None:
        raise ValueError("not XML: no element")
    return root.tag, _element_fields(root)


def _defused_parser() -> DefusedXMLParser:
    return DefusedXMLParser(
        target=ElementTree.TreeBuilder(),
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
    )


def _element_fields(element: ElementTree.Element) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for child in element:
        value: Any = _element_fields(child) if len(child) else (child.text or "")
        if child.tag not in fields:
            fields[child.tag] = value
        elif isinstance(fields[child.tag], _Repeated):
            fields[child.tag].append(value)
        else:
            fields[child.tag] = _Repeated([fields[child.tag], value])
    return fields


class _Repeated(list):
    """Values of a tag that appeared more than once (a plain list could be a real value)."""


def build_xml(params: Mapping[str, Any], root: str = "response") -> str:
    element = ElementTree.Element(root)

    def fill(parent: ElementTree.Element, values: Mapping[str, Any]) -> None:
        for key, value in values.items():
            for item in value if isinstance(value, list) else [value]:
                child = ElementTree.SubElement(parent, key)
                if isinstance(item, Mapping):
                    fill(child, item)
                else:
                    child.text = _php_string(item)

    fill(element, params)
    body = ElementTree.tostring(element, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}'


def signed(script: str, params: Mapping[str, Any], secret: str) -> dict[str, Any]:
    """``params`` with a fresh ``pg_salt`` (unless given) and their ``pg_sig``."""
    message = dict(params)
    message.setdefault("pg_salt", new_salt())
    message["pg_sig"] = sign(script, message, secret)
    return message


def _header(headers: Mapping[str, str], name: str) -> str:
    lowered = name.lower()
    return next((value for key, value in headers.items() if key.lower() == lowered), "")


def _multipart_pairs(body: bytes, content_type: str) -> list[tuple[str, str]]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ValueError("multipart body without parts")
    pairs = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            raise ValueError("multipart part without a name or a value")
        pairs.append((name, payload.decode()))
    if len(pairs) > MAX_FORM_FIELDS:
        raise ValueError("too many form fields")
    return pairs


def callback_params(body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    """The fields of a result callback: url-encoded, multipart, or XML (raw, or in ``pg_xml``)."""
    content_type = _header(headers, "Content-Type")
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime in ("application/xml", "text/xml"):
        return parse_xml(body)[1]
    if mime == "multipart/form-data":
        pairs = _multipart_pairs(body, content_type)
    else:
        pairs = parse_qsl(
            body.decode(),
            keep_blank_values=True,
            strict_parsing=True,
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    params = parse_form(pairs)
    if "pg_xml" in params:
        xml = params["pg_xml"]
        if not isinstance(xml, str) or len(params) != 1:
            raise ValueError("pg_xml must come alone")
        return parse_xml(xml)[1]
    return params


# --------------------------------------------------------------------------------------------
# The acquirer


@dataclass(frozen=True, slots=True)
class FreedomPayNotice(CallbackNotice):
    """A CallbackNotice that remembers whether Freedom Pay lets us refuse the payment."""

    can_reject: bool = False


@dataclass(frozen=True, slots=True)
class StatusAnswer:
    """What get_status3.php said of an order; ``status`` None: no outcome yet, and then
    ``in_progress`` unless nobody has started to pay."""

    order_id: str
    status: PaymentStatus | None
    amount: Money | None
    transaction_id: str | None
    card_mask: str | None = None
    reason: str | None = None
    provider_status: str | None = None
    in_progress: bool = False

    def as_notice(self) -> CallbackNotice:
        """The same statement as a callback would make, for a missed callback."""
        if self.status is None or self.amount is None or not self.transaction_id:
            raise ValueError(f"status {self.provider_status!r} is not a final outcome")
        return CallbackNotice(
            order_id=self.order_id,
            status=self.status,
            amount=self.amount,
            transaction_id=self.transaction_id,
            dedupe_key=_dedupe_key(self.transaction_id, self.status.value),
            card_mask=self.card_mask,
            reason=self.reason,
        )


def _dedupe_key(payment_id: str, outcome: str) -> str:
    return hashlib.sha256(f"{payment_id}:{outcome}".encode()).hexdigest()


def _text(params: Mapping[str, Any], key: str) -> str | None:
    value = params.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _required(params: Mapping[str, Any], key: str) -> str:
    value = _text(params, key)
    if value is None:
        raise ValueError(f"{key} is missing")
    return value


def _card_mask(pan: str | None) -> str | None:
    """Freedom Pay masks the card number; should a full one ever arrive, mask it here."""
    if pan is None:
        return None
    if _UNMASKED_PAN.fullmatch(pan):
        digits = re.sub(r"\D", "", pan)
        pan = f"{digits[:6]}{'*' * (len(digits) - 10)}{digits[-4:]}"
    return pan[:MAX_CARD_MASK]


def _reason(params: Mapping[str, Any]) -> str | None:
    reason = _text(params, "pg_failure_description") or _text(params, "pg_failure_code")
    return reason[:MAX_REASON] if reason else None


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
            url = _required(answer, "pg_redirect_url")
        except AcquirerError as error:
            log.warning("freedompay.init_failed", order_id=request.order_id, reason=str(error))
            raise
        except ValueError as error:
            log.warning("freedompay.init_failed", order_id=request.order_id, reason=str(error))
            raise AcquirerError(f"init_payment.php: {error}") from error
        log.info(
            "freedompay.init_ok",
            order_id=request.order_id,
            payment_id=_text(answer, "pg_payment_id"),
        )
        return Checkout(url=url)

    # ---- status

    async def status(self, order_id: str, payment_id: str | None = None) -> StatusAnswer:
        params: dict[str, Any] = {"pg_merchant_id": self._merchant_id, "pg_order_id": order_id}
        if payment_id:
            params["pg_payment_id"] = payment_id
        try:
            answer = await self._call(STATUS_SCRIPT, signed(STATUS_SCRIPT, params, self._secret))
            result = self._status_answer(order_id, answer)
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

    def _status_answer(self, order_id: str, answer: Mapping[str, Any]) -> StatusAnswer:
        answered_order = _text(answer, "pg_order_id")
        if answered_order is not None and answered_order != order_id:
            raise ValueError(f"answer is about order {answered_order!r}")
        if _text(answer, "pg_payment_id") == "0":  # the documented "no such payment"
            raise UnknownOrder(f"{STATUS_SCRIPT}: no such payment")
        raw = _text(answer, "pg_payment_status") or _text(answer, "pg_transaction_status")
        reported = raw.lower() if raw else ""
        status = PAYMENT_OUTCOMES.get(reported)
        amount_text, currency = _text(answer, "pg_amount"), _text(answer, "pg_currency")
        amount = Money.parse(amount_text, currency) if amount_text and currency else None
        declined = status in (PaymentStatus.DECLINED, PaymentStatus.EXPIRED)
        return StatusAnswer(
            order_id=order_id,
            status=status,
            amount=amount,
            transaction_id=_text(answer, "pg_payment_id"),
            card_mask=_card_mask(_text(answer, "pg_card_pan")),
            reason=(_reason(answer) or raw) if declined else None,
            provider_status=raw,
            in_progress=status is None and reported not in NOT_STARTED,
        )

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
        if _text(answer, "pg_status") != "ok":
            code = _text(answer, "pg_error_code") or "?"
            description = _text(answer, "pg_error_description") or "no description"
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
        order_id = _text(params, "pg_order_id")
        if not CALLBACK_REQUIRED <= params.keys() <= CALLBACK_REQUIRED | CALLBACK_OPTIONAL:
            raise CallbackRejected("unexpected_fields", order_id)
        merchant = _text(params, "pg_merchant_id")
        if merchant is not None and merchant != self._merchant_id:
            raise CallbackRejected("wrong_merchant", order_id)
        if _text(params, "pg_testing_mode") == "1" and not self._testing_mode:
            raise CallbackRejected("testing_mode", order_id)
        try:
            return self._notice(params)
        except (ValueError, MoneyError) as error:
            raise CallbackRejected("malformed", order_id) from error

    def _notice(self, params: Mapping[str, Any]) -> FreedomPayNotice:
        payment_id = _required(params, "pg_payment_id")
        if len(payment_id) > MAX_TRANSACTION_ID:
            raise ValueError("pg_payment_id too long")
        result = _required(params, "pg_result")
        statuses = {"1": PaymentStatus.PAID, "0": PaymentStatus.DECLINED}
        if result not in statuses:
            raise ValueError(f"pg_result {result!r} is not an outcome")
        status = statuses[result]
        return FreedomPayNotice(
            order_id=_required(params, "pg_order_id"),
            status=status,
            amount=Money.parse(_required(params, "pg_amount"), _required(params, "pg_currency")),
            transaction_id=payment_id,
            dedupe_key=_dedupe_key(payment_id, result),
            card_mask=_card_mask(_text(params, "pg_card_pan")),
            reason=_reason(params) if status is PaymentStatus.DECLINED else None,
            can_reject=_text(params, "pg_can_reject") == "1",
        )

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
