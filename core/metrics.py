"""Prometheus metrics at /metrics: counters kept in memory, gauges set from what the database
says when scraped (storage.gauges)."""

from dataclasses import dataclass
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, ProcessCollector, generate_latest


@dataclass(frozen=True, slots=True)
class GaugeReadings:
    payments_by_status: dict[str, int]
    outbox_depth: int
    oldest_waiting: datetime | None
    now: datetime


class Metrics:
    def __init__(self) -> None:
        # A registry per application, so two apps in one process (tests) do not collide.
        self.registry = CollectorRegistry()
        # The process's descriptors (open against the limit), memory and CPU, from /proc: a
        # server out of descriptors refuses Telegram and the acquirer alike.
        ProcessCollector(registry=self.registry)
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
        self._updates_of: dict[str, Counter] = {}

    def count_update(self, kind: str) -> None:
        """One update more of this kind. Each kind's counter is looked up once: `labels`
        checks the names and takes a lock on every call, and every update is counted."""
        counter = self._updates_of.get(kind)
        if counter is None:
            counter = self._updates_of[kind] = self.updates.labels(kind=kind)
        counter.inc()

    def render(self, readings: GaugeReadings) -> bytes:
        for status, count in readings.payments_by_status.items():
            self.payments.labels(status=status).set(count)
        self.outbox_depth.set(readings.outbox_depth)
        oldest = readings.oldest_waiting
        self.outbox_age.set((readings.now - oldest).total_seconds() if oldest else 0)
        return generate_latest(self.registry)
