"""/metrics reads per-status counts the database keeps, never counts the payments table
(issue 16): a scrape stays as cheap at a million payments as at ten."""

from sqlalchemy import delete, event, func, select, update

from core.metrics import Metrics
from payments.invoices import demo_invoices
from storage.gauges import read_gauges
from storage.models import Payment, PaymentStatusCount
from tests.test_callbacks import post_callback, signed_body
from tests.test_flow import l10n, payment_url, walk_to_bill

CODES = [row.code for row in demo_invoices() if row.status == "unpaid"][:4]


async def open_payment(harness, user_id: int, code: str) -> Payment:
    client = harness.client(user_id=user_id)
    await walk_to_bill(client, "ru", code)
    await client.click(l10n["ru"].plain("button-pay"))
    order_id = payment_url(client.last_text()).rsplit("/", 1)[1]
    return await harness.app.payment_records.by_order(order_id)


async def actual_counts(sessions) -> dict[str, int]:
    async with sessions() as session:
        rows = await session.execute(select(Payment.status, func.count()).group_by(Payment.status))
        return {status: count for status, count in rows}


async def kept_counts(sessions) -> dict[str, int]:
    async with sessions() as session:
        rows = await session.execute(
            select(PaymentStatusCount.status, func.sum(PaymentStatusCount.count)).group_by(
                PaymentStatusCount.status
            )
        )
        return {status: int(count) for status, count in rows if count}


async def test_kept_counts_follow_every_change(harness):
    app = harness.app
    paid = await open_payment(harness, 6500, CODES[0])
    await post_callback(harness, signed_body(harness, paid))
    for user_id, code in zip((6501, 6502, 6503), CODES[1:], strict=True):
        await open_payment(harness, user_id, code)
    async with app.sessions() as session, session.begin():  # changes made outside the service
        await session.execute(
            update(Payment).where(Payment.chat_id == 6501).values(status="expired")
        )
        await session.execute(
            update(Payment).where(Payment.chat_id == 6502).values(status="created")
        )
        await session.execute(delete(Payment).where(Payment.chat_id == 6503))
    assert await actual_counts(app.sessions) == {"paid": 1, "expired": 1, "created": 1}
    assert await kept_counts(app.sessions) == await actual_counts(app.sessions)


async def test_a_scrape_does_not_read_the_payments_table(harness):
    payment = await open_payment(harness, 6510, CODES[0])
    await post_callback(harness, signed_body(harness, payment))
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    engine = harness.app.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        metrics = Metrics()
        body = metrics.render(await read_gauges(harness.app.sessions)).decode()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert 'payments{status="paid"} 1.0' in body
    # The outbox worker runs beside it (it reads one payment by id): no count over payments.
    counting = [s for s in statements if "FROM payments" in s and "count(" in s.lower()]
    assert any("payment_status_counts" in s for s in statements) and not counting, counting
