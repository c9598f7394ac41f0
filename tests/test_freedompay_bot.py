"""The bot with ACQUIRER=freedompay against the fake Freedom Pay server, end to end."""

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import func, select

from storage.models import AcquirerCallback, Payment, Receipt
from tests.conftest import AppHarness
from tests.fakes.freedompay import FakeFreedomPay
from tests.test_flow import CODE, l10n, walk_to_bill

MERCHANT, SECRET = "552211", "freedompay-test-secret"


@pytest.fixture
async def freedompay() -> AsyncIterator[FakeFreedomPay]:
    async with FakeFreedomPay(MERCHANT, SECRET) as fake:
        yield fake


@pytest.fixture
async def bot(telegram, database_url, freedompay) -> AsyncIterator[AppHarness]:
    harness = AppHarness(telegram, database_url)
    await harness.start(
        acquirer="freedompay",
        freedompay_merchant_id=MERCHANT,
        freedompay_secret_key=SECRET,
        freedompay_api_url=freedompay.base_url,
        freedompay_testing_mode=True,
        reconcile_after_minutes=0.001,
        reconcile_interval_seconds=3600,
    )
    yield harness
    await harness.stop()


async def open_page(bot: AppHarness, freedompay: FakeFreedomPay, user_id: int):
    client = bot.client(user_id=user_id)
    await walk_to_bill(client, "ru")
    await client.click(l10n["ru"].plain("button-pay"))
    link = client.last_text()  # the fake's host is a bare IP: sent as text, not a button
    assert freedompay.base_url + "/pay/" in link
    payment_id = link.rsplit("/pay/", 1)[1].split()[0].split("?")[0]
    return client, freedompay.payments[payment_id]


async def counts(bot: AppHarness) -> tuple[int, int, str]:
    async with bot.app.sessions() as session:
        receipts = await session.scalar(select(func.count()).select_from(Receipt))
        callbacks = await session.scalar(select(func.count()).select_from(AcquirerCallback))
        status = await session.scalar(select(Payment.status))
    return receipts, callbacks, status


def receipts_in_chat(client) -> int:
    return sum("440043******1234" in text for text in client.texts())


async def test_paid_through_freedompay_gives_one_receipt_even_when_replayed(bot, freedompay):
    client, payment = await open_page(bot, freedompay, 9501)
    init = freedompay.init_requests()[-1]
    assert (init["pg_amount"], init["pg_currency"]) == ("1250.00", "KGS")
    assert init["pg_result_url"] == f"http://127.0.0.1:{bot.port}/acquirer/freedompay/callback"

    delivery = await freedompay.complete(payment.payment_id)
    assert delivery.http_status == 200 and delivery.answer_status == "ok"
    assert delivery.answer_signature_ok
    receipt = await client.wait_for(lambda text: "440043******1234" in text)
    assert payment.payment_id in receipt  # the acquirer's transaction id

    again = await freedompay.redeliver(payment.payment_id)  # Freedom Pay retries
    assert again.answer_status == "ok"
    await asyncio.sleep(0.3)
    assert receipts_in_chat(client) == 1
    assert await counts(bot) == (1, 1, "paid")


async def test_declined_through_freedompay(bot, freedompay):
    client, payment = await open_page(bot, freedompay, 9502)
    delivery = await freedompay.complete(payment.payment_id, success=False)
    assert delivery.answer_status == "ok"
    await client.wait_for(lambda text: CODE in text and "отклонена" in text)
    assert (await counts(bot))[2] == "declined"


@pytest.mark.parametrize(
    "tampering", [{"pg_amount": "1.00"}, {"pg_currency": "USD"}, {"pg_order_id": "TGNOPE"}]
)
async def test_signed_but_wrong_callbacks_change_nothing(bot, freedompay, tampering):
    client, payment = await open_page(bot, freedompay, 9503)
    delivery = await freedompay.complete(payment.payment_id, extra=tampering)
    assert delivery.answer_status in ("rejected", "error")
    await asyncio.sleep(0.3)
    assert await counts(bot) == (0, 0, "created")
    assert receipts_in_chat(client) == 0


async def test_forged_callback_is_refused(bot, freedompay):
    _, payment = await open_page(bot, freedompay, 9504)
    forged = {
        "pg_order_id": payment.order_id,
        "pg_payment_id": "1",
        "pg_amount": "1250.00",
        "pg_currency": "KGS",
        "pg_result": "1",
        "pg_salt": "x",
        "pg_sig": "0" * 32,
    }
    url = f"http://127.0.0.1:{bot.port}/acquirer/freedompay/callback"
    async with aiohttp.ClientSession() as http, http.post(url, data=forged) as response:
        body = await response.text()
    assert "<pg_status>error</pg_status>" in body or "<pg_status>rejected</pg_status>" in body
    assert await counts(bot) == (0, 0, "created")


async def test_lost_callback_is_recovered_from_get_status3(bot, freedompay):
    client, payment = await open_page(bot, freedompay, 9505)
    payment.status, payment.card_pan = "success", "440043******1234"  # paid, callback lost
    await asyncio.sleep(0.1)
    assert await bot.app.reconciler.run_once() == 1
    await client.wait_for(lambda text: "440043******1234" in text)
    assert await counts(bot) == (1, 1, "paid")
