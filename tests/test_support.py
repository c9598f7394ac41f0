"""Support staff: /find, /stats, /resend for admins only; alerts for the support chat."""

import asyncio
import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from structlog.testing import capture_logs

from bot.app import App
from core.clock import BISHKEK, utcnow
from core.privacy import mask_name
from delivery.alerts import SupportAlerts
from handlers.admin import MESSAGE_LIMIT, split_messages
from payments.alerts import ALERT_FIELDS, rejected_callback_alerts, undelivered_alerts
from payments.outbox import GiveUp, OutboxWorker, RetryLater, delivering
from payments.support_queries import SupportQueries
from storage.alerts import Alerts, queue_alert
from storage.db import create_engine, create_session_factory, transaction
from storage.models import OutboxMessage, Payment, Receipt
from tests.conftest import outbox_settled
from tests.test_flow import CODE, l10n, pay_code
from ui.i18n import LANGUAGES

ADMIN = 9001
PAYER = 9100
STRANGER = 9200
SUPPORT_CHAT = -100123
ru = l10n["ru"]


def plain(t, message_id, **args) -> str:
    """A Fluent message as the reader sees it: tags gone, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", t(message_id, **args)))


async def start_with_support(harness, **overrides) -> App:
    await harness.stop()
    settings = {"admin_ids": frozenset({ADMIN}), "support_chat_id": SUPPORT_CHAT} | overrides
    return await harness.start(**settings)


async def pay_demo_code(harness, user_id: int = PAYER) -> tuple[Payment, Receipt]:
    await pay_code(harness.client(user_id=user_id), "ru")
    async with harness.app.sessions() as session:
        payment, receipt = (
            await session.execute(
                select(Payment, Receipt).join(Receipt, Receipt.payment_id == Payment.id)
            )
        ).one()
    return payment, receipt


def shown(call) -> str:
    """A sent message's text as Telegram parsed it (tags gone, entities decoded)."""
    assert call.ok, call.error
    return call.response["text"]


async def ask(client, text: str) -> list[str]:
    """What the bot answered to one message, as the user reads it."""
    return [shown(c) for c in await client.send(text) if c.method == "sendMessage"]


def receipts_sent(harness, user_id: int) -> int:
    return sum("SBX-" in (c.text or "") for c in harness.telegram.sent_messages(user_id))


async def wait_until(condition, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


def test_mask_name_keeps_the_first_word_and_initials():
    assert mask_name("ASANOV ASAN") == "ASANOV A****"
    assert mask_name("  IVANOV  SERGEI PETROVICH ") == "IVANOV S**** P****"
    assert mask_name("TOKTOGULOV") == "TOKTOGULOV"
    assert mask_name("") == ""


async def test_find_by_code_order_id_and_receipt_number(harness):
    await start_with_support(harness)
    payment, receipt = await pay_demo_code(harness)
    await wait_until(lambda: receipts_sent(harness, PAYER) == 1)
    client = harness.client(user_id=ADMIN)

    for query in ("1120 2611 7919", payment.order_id, payment.order_id.lower(), receipt.number):
        answer = "\n".join(await ask(client, f"/find {query}"))
        assert "ASANOV A****" in answer, query
        assert "ASANOV ASAN" not in answer, query
        for expected in (
            payment.order_id,
            CODE,
            receipt.number,
            "424242******4242",
            payment.acquirer_transaction_id,
            "1\u00a0250.00\u00a0KGS",
            ru.plain("service-id_card_2017"),
            # the acquirer callback recorded for the order, and the receipt's delivery
            f"{ru.plain('payment-status-paid')} → paid",
            f"receipt: {ru.plain('admin-outbox-status-sent')}",
        ):
            assert expected in answer, (query, expected)
    sent_to_admin = " ".join(c.text or "" for c in harness.telegram.sent_messages(ADMIN))
    assert "ASANOV A****" in sent_to_admin and "ASANOV ASAN" not in sent_to_admin


async def test_find_and_resend_explain_themselves(harness):
    await start_with_support(harness)
    client = harness.client(user_id=ADMIN)
    assert await ask(client, "/find") == [plain(ru, "admin-find-usage")]
    assert await ask(client, "/find   ") == [plain(ru, "admin-find-usage")]
    assert await ask(client, "/find 110000000000") == [
        plain(ru, "admin-find-nothing", query="110000000000")
    ]
    assert await ask(client, "/find <b>&") == [plain(ru, "admin-find-nothing", query="<b>&")]
    assert await ask(client, "/resend") == [plain(ru, "admin-resend-usage")]
    assert await ask(client, "/resend TGNOSUCHORDER") == [
        plain(ru, "admin-resend-nothing", query="TGNOSUCHORDER")
    ]
    today = utcnow().astimezone(BISHKEK).date().isoformat()
    assert await ask(client, "/stats") == [
        plain(ru, "admin-stats", day=today, total=0, paid=0, amounts="—")
    ]


async def test_a_staff_command_at_the_code_step_is_the_command_not_a_code(harness):
    """The code step takes any text but a command: a command goes on to its own router,
    however far down the dispatcher's routers it is (the staff's are after the payment's)."""
    await start_with_support(harness)
    client = harness.client(user_id=ADMIN)
    await client.send("/start")
    await client.click("Русский")  # the code step: a code is asked for
    assert await ask(client, "/find") == [plain(ru, "admin-find-usage")]


@pytest.mark.parametrize(
    "command", ["/find {code}", "/find {receipt}", "/stats", "/resend {receipt}"]
)
async def test_others_get_the_fallback_answer(harness, command):
    await start_with_support(harness)
    _, receipt = await pay_demo_code(harness)
    for user_id in (PAYER, STRANGER):
        client = harness.client(user_id=user_id)
        answer = await ask(client, command.format(code=CODE, receipt=receipt.number))
        assert answer == [plain(ru, "unknown-input")], user_id
    await asyncio.sleep(0.3)
    assert receipts_sent(harness, PAYER) == 1
    async with harness.app.sessions() as session:
        # The receipt, its PDF and the billing confirmation; nothing from /find or /resend.
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 3


async def test_no_admins_answers_nobody(harness):
    await start_with_support(harness, admin_ids=frozenset())
    client = harness.client(user_id=ADMIN)
    assert await ask(client, "/find 112026117919") == [plain(ru, "unknown-input")]


async def test_stats_counts_todays_payments(harness):
    app = await start_with_support(harness)
    await pay_demo_code(harness)
    other = harness.client(user_id=STRANGER)
    await other.send("132026149595")  # Meken-card, consent already given by nobody here
    await other.click(ru.plain("button-agree"))
    await other.click(ru.plain("button-pay"))

    stats = await SupportQueries(app.sessions).stats_today(utcnow())
    assert stats["total"] == 2
    assert stats["by_status"] == {"created": 1, "paid": 1}
    assert stats["by_service"] == {"id_card_2017": 1, "meken_card": 1}
    assert stats["paid"] == 1
    assert [money.display() for money in stats["paid_amounts"].values()] == [
        "1\u00a0250.00\u00a0KGS"
    ]
    tomorrow = await SupportQueries(app.sessions).stats_today(utcnow() + timedelta(days=1))
    assert (tomorrow["total"], tomorrow["paid"], tomorrow["by_status"]) == (0, 0, {})

    answer = "\n".join(await ask(harness.client(user_id=ADMIN), "/stats"))
    assert "Создано: 2" in answer
    assert "Оплачено сегодня: 1 (1\u00a0250.00\u00a0KGS)" in answer
    assert f"• {ru.plain('payment-status-paid')}: 1" in answer
    assert f"• {ru.plain('payment-status-created')}: 1" in answer
    assert f"• {ru.plain('service-meken_card')}: 1" in answer


async def test_resend_sends_the_receipt_again_to_the_payer(harness):
    await start_with_support(harness)
    payment, receipt = await pay_demo_code(harness)
    await wait_until(lambda: receipts_sent(harness, PAYER) == 1)
    client = harness.client(user_id=ADMIN)

    answer = await ask(client, f"/resend {receipt.number}")
    assert answer == [plain(ru, "admin-resend-queued", number=receipt.number)]
    await wait_until(lambda: receipts_sent(harness, PAYER) == 2)
    await ask(client, f"/resend {payment.order_id}")
    await wait_until(lambda: receipts_sent(harness, PAYER) == 3)
    await asyncio.sleep(0.4)
    assert receipts_sent(harness, PAYER) == 3
    assert receipts_sent(harness, ADMIN) == 0
    receipts = [c.text for c in harness.telegram.sent_messages(PAYER) if "SBX-" in (c.text or "")]
    assert receipt.number in receipts[0]
    assert receipts == [receipts[0]] * 3  # the very same receipt, again
    async with harness.app.sessions() as session:
        keys = list(
            await session.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "receipt")
            )
        )
    assert len(keys) == 3
    assert sum(key.startswith(f"resend:{payment.id}:") for key in keys) == 2


async def test_long_history_is_split_into_valid_messages(harness):
    app = await start_with_support(harness)
    payment, _ = await pay_demo_code(harness)
    async with transaction(app.sessions) as session:
        for number in range(40):
            session.add(
                OutboxMessage(
                    kind="payment_declined",
                    dedupe_key=f"test:{number}",
                    payment_id=payment.id,
                    chat_id=None,
                    status="failed",
                    last_error=f"<&> error {number} " + "x" * 280,
                )
            )
    before = len(harness.telegram.sent_messages(ADMIN))
    answer = await ask(harness.client(user_id=ADMIN), f"/find {payment.order_id}")
    sent = harness.telegram.sent_messages(ADMIN)[before:]
    assert len(answer) == len(sent) >= 3
    assert all(call.ok for call in sent)
    assert not harness.telegram.violations
    joined = "\n".join(answer)
    assert all(f"<&> error {number} " in joined for number in range(40))
    assert joined.count("ASANOV A****") == 1


def test_split_messages_respects_the_limit():
    blocks = ["<b>head</b>\n" + "\n".join(f"line {i} " + "я" * 300 for i in range(30))] * 3
    parts = split_messages(blocks)
    assert len(parts) > 3
    assert all(len(part.encode("utf-16-le")) // 2 <= MESSAGE_LIMIT for part in parts)
    assert "\n".join(parts).count("line 29 ") == 3
    assert split_messages(["a", "b"]) == ["a\n\nb"]
    huge = split_messages(["<b>" + "&amp;" * 5000 + "</b>"])
    assert len(huge) == 1 and len(huge[0]) <= MESSAGE_LIMIT and "<" not in huge[0]


async def test_queue_alert_once_per_key(harness):
    app = harness.app
    payment, _ = await pay_demo_code(harness)
    async with transaction(app.sessions) as session:
        for _ in range(2):
            await queue_alert(
                session,
                "amount_mismatch",
                payment.order_id,
                order_id=payment.order_id,
                payment_id=payment.id,
                expected="1250.00 KGS",
                got="1.00 KGS",
            )
    await Alerts(app.sessions).raise_alert(
        "amount_mismatch", payment.order_id, order_id=payment.order_id
    )
    await Alerts(app.sessions).raise_alert("callback_rejected", "bad_signature:1", reason="bad")
    await Alerts(app.sessions).raise_alert("callback_rejected", "bad_signature:1", reason="bad")
    await asyncio.gather(
        *(Alerts(app.sessions).raise_alert("payment_stuck", "race", minutes=5) for _ in range(5))
    )
    async with app.sessions() as session:
        alerts = list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "alert")
                .order_by(OutboxMessage.id)
            )
        )
    assert [a.dedupe_key for a in alerts] == [
        f"alert:amount_mismatch:{payment.order_id}",
        "alert:callback_rejected:bad_signature:1",
        "alert:payment_stuck:race",
    ]
    first = alerts[0]
    assert first.payment_id == payment.id and first.chat_id is None
    assert first.payload == {
        "alert": "amount_mismatch",
        "order_id": payment.order_id,
        "payment_id": payment.id,
        "expected": "1250.00 KGS",
        "got": "1.00 KGS",
    }
    assert alerts[1].payment_id is None


async def test_queue_alert_survives_a_concurrent_twin(harness):
    """The twin's check runs before the first commits: the unique key decides, quietly."""
    sessions = harness.app.sessions
    async with transaction(sessions) as first:
        await queue_alert(first, "payment_stuck", "twin", minutes=1)
        twin = asyncio.create_task(Alerts(sessions).raise_alert("payment_stuck", "twin", minutes=2))
        await asyncio.sleep(0.5)
        assert not twin.done()  # waiting for the first transaction (row or write lock)
    await asyncio.wait_for(twin, 10)  # no IntegrityError: the caller's transaction survives
    async with sessions() as session:
        rows = list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "alert"))
        )
    assert [row.payload["minutes"] for row in rows] == [1]


async def test_alerts_reach_the_support_chat_through_the_outbox(harness):
    app = await start_with_support(harness)
    await Alerts(app.sessions).raise_alert(
        "callback_rejected",
        "unknown_order:TG<1>",
        reason="unknown_order",
        order_id="TG<1>&",
        acquirer="sandbox",
    )
    app.outbox.wake()
    await wait_until(lambda: harness.telegram.sent_messages(SUPPORT_CHAT))
    await asyncio.sleep(0.3)
    sent = harness.telegram.sent_messages(SUPPORT_CHAT)
    assert len(sent) == 1
    assert shown(sent[0]) == plain(
        ru,
        "alert-callback_rejected",
        reason="unknown_order",
        order_id="TG<1>&",
        acquirer="sandbox",
    )
    async with app.sessions() as session:
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "alert"))
    assert row.status == "sent"


async def test_without_a_support_chat_alerts_are_only_logged(harness):
    app = harness.app
    payment, _ = await pay_demo_code(harness)
    await Alerts(app.sessions).raise_alert(
        "receipt_undelivered",
        str(payment.id),
        payment_id=payment.id,
        reason="TelegramForbiddenError",
        payer_name="ASANOV ASAN",
    )
    async with app.sessions() as session:
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "alert"))
    before = len(harness.telegram.calls)
    alerts = SupportAlerts(app.bot, None, app.l10n["ru"])
    with capture_logs() as logs:
        await alerts.deliver(row)
    assert harness.telegram.calls[before:] == []
    [entry] = [e for e in logs if e["event"] == "support.alert"]
    assert entry["alert"] == "receipt_undelivered"
    assert entry["payment_id"] == payment.id and entry["reason"] == "TelegramForbiddenError"
    assert "ASANOV" not in repr(logs)

    await SupportAlerts(app.bot, SUPPORT_CHAT, app.l10n["en"]).deliver(row)
    [call] = harness.telegram.sent_messages(SUPPORT_CHAT)
    assert f"Payment no. {payment.id}" in call.text and "ASANOV" not in call.text


async def test_a_receipt_given_up_raises_an_alert(harness):
    app = await start_with_support(harness)
    payment, receipt = await pay_demo_code(harness)
    await wait_until(lambda: receipts_sent(harness, PAYER) == 1)
    await outbox_settled(app.sessions, timeout=10)  # and its PDF and the billing's notice
    await app.outbox.stop()  # this test's worker alone delivers from here on

    async def blocked(message: OutboxMessage) -> None:
        raise GiveUp("TelegramForbiddenError: bot was blocked by the user")

    alerts = SupportAlerts(app.bot, SUPPORT_CHAT, app.l10n["ru"])
    worker = OutboxWorker(app.sessions, on_failed=undelivered_alerts(app.sessions))
    worker.register({"receipt": blocked, "payment_declined": blocked, **alerts.handlers()})
    assert await SupportQueries(app.sessions).resend_receipt(payment.id) == receipt.number
    async with transaction(app.sessions) as session:  # another kind failing: no alert
        session.add(OutboxMessage(kind="payment_declined", dedupe_key="x", payment_id=payment.id))

    assert await worker.run_once() == 2  # the receipt and the notice fail for good
    assert await worker.run_once() == 1  # the one alert goes to the support chat
    assert await worker.run_once() == 0
    [call] = harness.telegram.sent_messages(SUPPORT_CHAT)
    expected = plain(
        ru,
        "alert-receipt_undelivered",
        payment_id=payment.id,
        reason="TelegramForbiddenError: bot was blocked by the user",
    )
    assert shown(call) == expected
    assert "ASANOV" not in call.text


async def test_rejected_callbacks_raise_one_alert_per_reason_and_hour(harness, tmp_path):
    app = harness.app
    on_rejected = rejected_callback_alerts(app.sessions, "sandbox")
    for number in range(5):  # forged: any order id, as often as the sender likes
        await on_rejected("bad_signature", f"TG{number}")
    await on_rejected("malformed", None)
    async with app.sessions() as session:
        payloads = list(
            await session.scalars(
                select(OutboxMessage.payload)
                .where(OutboxMessage.kind == "alert")
                .order_by(OutboxMessage.id)
            )
        )
    assert payloads == [
        {
            "alert": "callback_rejected",
            "reason": "bad_signature",
            "order_id": "TG0",
            "acquirer": "sandbox",
        },
        {
            "alert": "callback_rejected",
            "reason": "malformed",
            "order_id": None,
            "acquirer": "sandbox",
        },
    ]
    # A database that cannot take the alert does not turn the answer into an error.
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'no-tables.sqlite3'}")
    try:
        with capture_logs() as logs:
            await rejected_callback_alerts(create_session_factory(engine), "sandbox")("x", None)
    finally:
        await engine.dispose()
    assert [e["event"] for e in logs] == ["support.alert_not_queued"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [(429, RetryLater), (500, RetryLater), (0, RetryLater), (400, GiveUp), (403, GiveUp)],
)
async def test_alert_delivery_maps_telegram_errors(harness, status, expected):
    alerts = SupportAlerts(harness.app.bot, SUPPORT_CHAT, l10n["ru"])
    message = OutboxMessage(id=1, kind="alert", payload={"alert": "payment_stuck", "minutes": 9})
    retry_after = 7 if status == 429 else None
    harness.telegram.fail_next("sendMessage", status=status, retry_after=retry_after)
    delivering.set(True)  # as the outbox calls it: Telegram's errors come back at once
    with pytest.raises(expected) as raised:
        await alerts.deliver(message)
    if status == 429:
        assert raised.value.delay == 7
        with pytest.raises(RetryLater):  # still within its retry_after: Telegram is not asked
            await alerts.deliver(message)
        assert len(harness.telegram.calls_to("sendMessage", SUPPORT_CHAT)) == 1
        return
    await alerts.deliver(message)  # the next try gets through
    assert len(harness.telegram.sent_messages(SUPPORT_CHAT)) == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_alert_kind_has_a_text(language):
    alerts = SupportAlerts(None, SUPPORT_CHAT, l10n[language])  # type: ignore[arg-type]
    for kind, fields in ALERT_FIELDS.items():
        payload = {"alert": kind} | {name: f"<{name}>" for name in fields}
        text = alerts.text(payload)
        assert not text.startswith("alert-"), (language, kind)
        for name in fields:
            assert f"&lt;{name}&gt;" in text, (language, kind, name)
    other = alerts.text({"alert": "new_kind", "order_id": "TG1", "payer_name": "ASANOV ASAN"})
    assert "new_kind" in other and "TG1" in other and "ASANOV" not in other
