"""What /metrics reads from the database: payments by status from the counts its triggers keep
(never by counting the table), and the outbox's waiting rows."""

from sqlalchemy import func, select

from core.clock import utcnow
from core.metrics import GaugeReadings
from core.statuses import WAITING
from storage.db import SessionFactory, reading
from storage.models import OutboxMessage, PaymentStatusCount


async def read_gauges(sessions: SessionFactory) -> GaugeReadings:
    async with reading(sessions) as session:
        by_status = await session.execute(
            select(PaymentStatusCount.status, func.sum(PaymentStatusCount.count)).group_by(
                PaymentStatusCount.status
            )
        )
        payments = {status: int(count) for status, count in by_status}
        depth, oldest = (
            await session.execute(
                select(func.count(), func.min(OutboxMessage.created_at)).where(
                    OutboxMessage.status.in_(WAITING)
                )
            )
        ).one()
    return GaugeReadings(payments, depth, oldest, utcnow())
