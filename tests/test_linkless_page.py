"""A payment left `created` with no link (the process was killed while the acquirer answered)
does not block the code: the next Pay asks the acquirer about it and opens a new page."""

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from core.clock import utcnow
from storage.models import Payment
from tests.test_callbacks import open_payment
from tests.test_flow import l10n, pay_on_page, payment_url


async def test_pay_after_a_page_left_without_a_link_opens_a_new_one(harness):
    app = harness.app
    first = await open_payment(harness, 7600)
    async with app.sessions() as session, session.begin():
        await session.execute(
            update(Payment)
            .where(Payment.id == first.id)
            .values(payment_url="", created_at=utcnow() - timedelta(minutes=1))
        )
    asked: list[str] = []
    get_status = app.acquirer.get_status

    async def recorded(order_id: str):
        asked.append(order_id)
        return await get_status(order_id)

    app.acquirer.get_status = recorded
    client = harness.client(7600)
    await client.click(l10n["ru"].plain("button-pay"))
    link = payment_url(client.last_text())
    assert link.rsplit("/", 1)[1] != first.order_id
    assert asked == [first.order_id]
    async with app.sessions() as session:
        statuses = dict((await session.execute(select(Payment.order_id, Payment.status))).all())
    assert statuses[first.order_id] == "expired"
    await pay_on_page(link)
    await client.wait_for(lambda text: "SBX-" in text)


async def test_a_page_being_opened_is_not_replaced(harness):
    """A page whose link is a moment away (another press of Pay is opening it) is waited for
    and given, not asked about or replaced."""
    app = harness.app
    first = await open_payment(harness, 7700)
    url = first.payment_url
    await _set_url(app, first.id, "")

    async def link_arrives() -> None:
        await asyncio.sleep(0.3)
        await _set_url(app, first.id, url)

    arriving = asyncio.create_task(link_arrives())
    client = harness.client(7700)
    await client.click(l10n["ru"].plain("button-pay"))
    await arriving
    assert payment_url(client.last_text()).rsplit("/", 1)[1] == first.order_id
    async with app.sessions() as session:
        assert (await session.get(Payment, first.id)).status == "created"


async def _set_url(app, payment_id: int, url: str) -> None:
    async with app.sessions() as session, session.begin():
        await session.execute(
            update(Payment).where(Payment.id == payment_id).values(payment_url=url)
        )
