"""Benchmarks 3 and 4: signed acquirer callbacks to receipts at a steady rate, and a burst of
receipts queued at once against Telegram's pace."""

import base64
from collections.abc import Callable, Sequence
from typing import Any

from bench.harness import Harness
from bench.serving import add_invoices, start_app
from bot.app import App
from bot.settings import Settings
from core.clock import utcnow
from payments.acquirers.sandbox import APPROVE_CARD, SIGNATURE_HEADER, CardForm
from storage.models import Payment


async def open_payments(app: App, count: int, first_user: int) -> list[Payment]:
    """Payments opened as "Pay" would, each for its own chat and code."""
    codes = await add_invoices(app, count, first_user)
    payments = []
    for i, code in enumerate(codes):
        started = await app.payments.start_payment(
            code=code,
            user_id=first_user + i,
            chat_id=first_user + i,
            language="ru",
            description="bench",
        )
        payments.append(started.payment)
    return payments


def signed(app: App, payment: Payment) -> tuple[bytes, dict[str, str]]:
    card, _ = CardForm.parse(
        {"card_number": APPROVE_CARD, "expiry": "12/30", "cvc": "123", "holder": "A B"},
        utcnow().date(),
    )
    body = app.acquirer.callback_body(payment.order_id, payment.money, card)
    return body, {SIGNATURE_HEADER: app.acquirer.sign(body)}


async def callbacks_to_receipts(
    harness: Harness, settings: Settings, rate: int, seconds: float
) -> dict[str, Any]:
    app = await start_app(settings)
    try:
        payments = await open_payments(app, int(rate * seconds), 3_000_000)
        items = []
        for payment in payments:
            body, headers = signed(app, payment)
            items.append(
                {
                    "chat_id": payment.chat_id,
                    "body": base64.b64encode(body).decode(),
                    "headers": headers,
                }
            )
        url = f"http://127.0.0.1:{settings.http_port}/acquirer/sandbox/callback"
        return await harness.job("callbacks", url=url, rate=rate, items=items, wait=30)
    finally:
        await app.stop()


KNEE_P99_MS = 250.0


async def callback_knee(
    harness: Harness, settings: Callable[[], Settings], rates: Sequence[int], seconds: float
) -> dict[str, Any]:
    """Callbacks at each rate in turn, each on a fresh bot and database (`settings()` gives
    one), until a rate leaves a receipt undelivered or its p99 at or above 250 ms: the knee
    is the highest rate before that."""
    steps, knee = [], 0
    for rate in rates:
        r = await callbacks_to_receipts(harness, settings(), rate, seconds)
        steps.append({"rate": rate} | r)
        if r["receipts"] < r["callbacks"] or not r["p99_ms"] < KNEE_P99_MS:
            break
        knee = rate
    return {"seconds_each": seconds, "rates": steps, "knee_per_second": knee}


async def burst(harness: Harness, settings: Settings, chats: int) -> dict[str, Any]:
    """Receipts queued for `chats` chats at once; the fake answers 429 beyond Telegram's pace."""
    app = await start_app(settings)
    try:
        await app.outbox.stop()  # queue everything first, then let the worker go
        payments = await open_payments(app, chats, 4_000_000)
        for payment in payments:
            body, headers = signed(app, payment)
            notice = app.acquirer.parse_callback(body, headers)
            await app.payments.handle_callback(notice)
        await harness.job("burst_start")
        app.outbox.start()
        return await harness.job(
            "burst_finish", chats=[p.chat_id for p in payments], wait=chats / 10 + 60
        )
    finally:
        await app.stop()
