"""Prometheus metrics at /metrics: counters kept in memory, gauges read from the database
(payments by status from the counts its triggers keep, never by counting the table)."""

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from sqlalchemy import func, select

from payments.clock import utcnow
from storage.db import SessionFactory, reading
from storage.models import OutboxMessage, PaymentStatusCount


class Metrics:
    def __init__(self) -> None:
        # A registry per application, so two apps in one process (tests) do not collide.
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "bot_updates", "Telegram updates handled", ["kind"], registry=self.registry
        )
        self.callbacks = Counter(
            "acquirer_callbacks",
            "Acquirer callbacks by answer",
            ["acquirer", "answer"],
            registry=self.registry,
        )
        self.telegram_errors = Counter(
            "telegram_errors",
            "Telegram API errors while delivering",
            ["kind"],
            registry=self.registry,
        )
        self.payments = Gauge("payments", "Payments by status", ["status"], registry=self.registry)
        self.outbox_depth = Gauge(
            "outbox_depth", "Outbox messages waiting to be delivered", registry=self.registry
        )
        self.outbox_age = Gauge(
            "outbox_oldest_age_seconds",
            "Age of the oldest waiting outbox message",
            registry=self.registry,
        )

    async def render(self, sessions: SessionFactory) -> bytes:
        async with reading(sessions) as session:
            by_status = await session.execute(
                select(PaymentStatusCount.status, func.sum(PaymentStatusCount.count)).group_by(
                    PaymentStatusCount.status
                )
            )
            for status, count in by_status:
                self.payments.labels(status=status).set(count)
            depth, oldest = (
                await session.execute(
                    select(func.count(), func.min(OutboxMessage.created_at)).where(
                        OutboxMessage.status.in_(("pending", "held"))
                    )
                )
            ).one()
        self.outbox_depth.set(depth)
        self.outbox_age.set((utcnow() - oldest).total_seconds() if oldest else 0)
        return generate_latest(self.registry)
