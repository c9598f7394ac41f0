"""The sandbox acquirer's hosted payment page, served by the bot's own web server.

What is typed into the form is checked and turned into a masked card number in memory; it is
never stored, logged or echoed back into the page.
"""

import html
import secrets
from datetime import date

import aiohttp
import structlog
from aiohttp import web

from core.clock import utcnow
from core.statuses import PaymentStatus
from payments.acquirers.sandbox import (
    APPROVE_CARD,
    DECLINE_CARD,
    TEST_CARDS,
    CardForm,
    SandboxAcquirer,
)
from storage.models import Payment
from storage.payments import Payments
from ui.formats import format_amount
from ui.i18n import L10n, Translator
from web.limits import within_body_timeout
from web.pages import html_page

log = structlog.get_logger(__name__)

# Double-submit: the form carries the token of a SameSite=Strict cookie set with the page, so a
# form another site makes a browser send (it has no such cookie) is refused.
CSRF_FIELD = "csrf"
CSRF_COOKIE = "sandbox_csrf"


def _page(t: Translator, body: str, status: int = 200) -> web.Response:
    return html_page(t, "sandbox-title", body, status)


def _message(t: Translator, message_id: str, status: int = 200) -> web.Response:
    return html_page(t, "sandbox-title", f"<p>{t(message_id)}</p>", status)


def _form(t: Translator, payment: Payment, errors: list[str], csrf: str) -> str:
    amount = format_amount(payment.money, t.language)
    problems = "".join(f'<p class="err">{t(error)}</p>' for error in errors)
    return f"""<p class="warn">{t("sandbox-warning")}</p>
<p>{t("sandbox-order")}: <code>{html.escape(payment.order_id)}</code><br>
{t("sandbox-amount")}: <b>{html.escape(amount)}</b></p>{problems}
<form method="post" autocomplete="off">
<input type="hidden" name="{CSRF_FIELD}" value="{html.escape(csrf)}">
<label for="card_number">{t("sandbox-card-number")}</label>
<input id="card_number" name="card_number" inputmode="numeric" autocomplete="off" required>
<label for="expiry">{t("sandbox-expiry")}</label>
<input id="expiry" name="expiry" placeholder="MM/YY" inputmode="numeric" required>
<label for="cvc">{t("sandbox-cvc")}</label>
<input id="cvc" name="cvc" type="password" inputmode="numeric" autocomplete="off" required>
<label for="holder">{t("sandbox-holder")}</label>
<input id="holder" name="holder" autocomplete="off" required>
<button type="submit">{t("sandbox-submit", amount=amount)}</button>
</form>
<p>{t("sandbox-test-cards", approve=APPROVE_CARD, decline=DECLINE_CARD)}</p>"""


class SandboxPage:
    def __init__(
        self,
        payments: Payments,
        acquirer: SandboxAcquirer,
        l10n: L10n,
        http: aiohttp.ClientSession,
    ) -> None:
        self._payments = payments
        self._acquirer = acquirer
        self._l10n = l10n
        self._http = http

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/sandbox/pay/{order_id}", self.show),
            web.post("/sandbox/pay/{order_id}", self.submit),
        ]

    async def _open_payment(
        self, request: web.Request
    ) -> tuple[Translator, Payment | web.Response]:
        payment = await self._payments.by_order(request.match_info["order_id"])
        if payment is None:
            t = self._l10n["en"]
            return t, _message(t, "sandbox-not-found", 404)
        t = self._l10n[payment.language]
        if payment.status == PaymentStatus.CREATED and payment.expires_at <= utcnow():
            return t, _message(t, "sandbox-expired", 410)
        closed = {
            PaymentStatus.EXPIRED: "sandbox-expired",
            PaymentStatus.DECLINED: "sandbox-declined",
        }
        if payment.status != PaymentStatus.CREATED:
            return t, _message(t, closed.get(PaymentStatus(payment.status), "sandbox-closed"), 410)
        return t, payment

    def _with_form(
        self, t: Translator, payment: Payment, errors: list[str], status: int = 200
    ) -> web.Response:
        csrf = secrets.token_urlsafe(16)
        response = _page(t, _form(t, payment, errors, csrf), status)
        response.set_cookie(
            CSRF_COOKIE,
            csrf,
            path=f"/sandbox/pay/{payment.order_id}",
            httponly=True,
            samesite="Strict",
            secure=self._acquirer.callback_url.startswith("https://"),
        )
        return response

    async def show(self, request: web.Request) -> web.Response:
        t, payment = await self._open_payment(request)
        if isinstance(payment, web.Response):
            return payment
        return self._with_form(t, payment, [])

    async def submit(self, request: web.Request) -> web.Response:
        t, payment = await self._open_payment(request)
        if isinstance(payment, web.Response):
            return payment
        form = await within_body_timeout(request.post)
        cookie = request.cookies.get(CSRF_COOKIE, "").encode(errors="replace")
        sent = str(form.get(CSRF_FIELD, "")).encode(errors="replace")
        if not cookie or not secrets.compare_digest(cookie, sent):
            log.warning("sandbox.stale_form", order_id=payment.order_id)
            return _message(t, "sandbox-stale-form", 403)
        card, errors = CardForm.parse({k: str(v) for k, v in form.items()}, date.today())
        if card is None:
            return self._with_form(t, payment, errors, 422)
        amount = payment.money
        body = self._acquirer.callback_body(payment.order_id, amount, card)
        try:
            status = await self._acquirer.send_callback(body, self._http)
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning(
                "sandbox.callback_failed", order_id=payment.order_id, reason=type(error).__name__
            )
            status = 0
        if status != 200:
            return _message(t, "sandbox-unavailable", 502)
        declined = TEST_CARDS[card.number] is not None
        return _message(t, "sandbox-declined" if declined else "sandbox-approved")
