"""Delivers what a transaction queued (receipts, notices, billing confirmations) after commit.

Rows are claimed with a lease: the claim moves `available_at` past the lease and commits, so
the slow part (Telegram, the billing API) runs outside any transaction, and a process that
dies mid-delivery leaves the row to be taken again when the lease ends. A delivery that runs
long (a PDF, the pacer's wait, a slow Telegram) renews its lease as it goes, and its outcome
is written only while the row is still on the claim that took it (same `attempts`), so a
stale attempt never overwrites a newer one's. Delivery is at least once; a duplicate can
happen only when a process dies between sending and recording, or when a delivery outlives a
lease it could not renew (logged as `outbox.lease_lost`).
"""

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import timedelta

import structlog

from core.clock import utcnow
from core.statuses import OutboxStatus
from payments.background import BackgroundTask
from storage.db import SessionFactory
from storage.models import OutboxMessage
from storage.outbox import Outbox

log = structlog.get_logger(__name__)

MAX_BACKOFF_SECONDS = 600.0

# Set while a handler delivers: what it calls (Telegram's session) leaves retries to the outbox.
delivering: contextvars.ContextVar[bool] = contextvars.ContextVar("delivering", default=False)

Handler = Callable[[OutboxMessage], Awaitable[None]]


class RetryLater(Exception):
    """A handler's way to ask for another try after `delay` seconds (e.g. Telegram's 429)."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.delay = delay


class GiveUp(Exception):
    """A handler's way to say the message can never be delivered as it stands."""


class Hold(Exception):
    """A handler's way to say the recipient cannot be reached now (the user blocked the bot):
    the message is kept, not retried, until `release_held` is called for its chat or a later
    message to it gets through."""


class OutboxWorker:
    """`until_delivered`: kinds retried on every error but `GiveUp` for as long as it takes
    (billing confirmations: the money was taken). `on_failed` is told of a message given up,
    and of one of those kinds still failing after `max_attempts` tries, on each failed try
    from then on (the hook raises one alert per message). `is_reachable`: whether a chat's user
    is known and not marked unreachable, read from the database (see `_release_if_back`)."""

    def __init__(
        self,
        sessions: SessionFactory,
        *,
        poll_seconds: float = 1.0,
        lease_seconds: float = 60.0,
        batch: int = 20,
        max_attempts: int = 30,
        until_delivered: Iterable[str] = (),
        on_failed: Callable[[OutboxMessage, str], Awaitable[None]] | None = None,
        is_reachable: Callable[[int], Awaitable[bool]] | None = None,
        stop_grace_seconds: float = 5.0,
    ) -> None:
        self._outbox = Outbox(sessions)
        self._stop_grace = stop_grace_seconds
        self._handlers: dict[str, Handler] = {}
        self._poll = poll_seconds
        self._lease = timedelta(seconds=lease_seconds)
        self._renew_every = lease_seconds / 3
        self._batch = batch
        self._max_attempts = max_attempts
        self._until_delivered = frozenset(until_delivered)
        self._failed_hook = on_failed
        self._is_reachable = is_reachable
        self._wake = asyncio.Event()
        self._loop = BackgroundTask("outbox-worker", self._run)

    def register(self, handlers: dict[str, Handler]) -> None:
        """Who delivers each kind of message (receipts, notices, alerts ...)."""
        self._handlers.update(handlers)

    def wake(self) -> None:
        """Something was queued in this process: deliver now rather than at the next poll."""
        self._wake.set()

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _run(self) -> None:
        """Deliveries run side by side, and a free place is filled as soon as it frees up.
        What people wait for (receipts, notices) has places of its own, so it never queues
        behind PDFs and billing confirmations."""
        busy: dict[bool, set[asyncio.Task[None]]] = {True: set(), False: set()}

        def finished(task: asyncio.Task[None], urgent: bool) -> None:
            busy[urgent].discard(task)
            self._wake.set()

        try:
            while True:
                for urgent in (True, False):
                    try:
                        claimed = await self._claim(self._batch - len(busy[urgent]), urgent)
                    except Exception:
                        log.exception("outbox.loop_failed")
                        claimed = []
                    for message in claimed:
                        task = asyncio.create_task(self._deliver_logged(message))
                        busy[urgent].add(task)
                        task.add_done_callback(lambda task, urgent=urgent: finished(task, urgent))
                await _set_within(self._wake, self._poll)
                self._wake.clear()
        finally:
            # Stopping: what is under way may finish (cut off after Telegram took it, a
            # receipt would go twice); the rest is cancelled, its lease brings it back.
            unfinished = busy[True] | busy[False]
            if unfinished:
                _, unfinished = await asyncio.wait(unfinished, timeout=self._stop_grace)
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)

    async def run_once(self) -> int:
        """Claim what is due, deliver it, record the outcome; the number handled."""
        messages = [*await self._claim(self._batch, True), *await self._claim(self._batch, False)]
        await asyncio.gather(*(self._deliver_logged(message) for message in messages))
        return len(messages)

    async def _deliver_logged(self, message: OutboxMessage) -> None:
        try:
            await self._deliver(message)
        except Exception:  # the database went away while recording: the lease brings it back
            log.exception("outbox.delivery_failed", outbox_id=message.id)

    async def _claim(self, limit: int, urgent: bool) -> list[OutboxMessage]:
        """Due rows of one lane, leased, in one statement. A chat's messages go in the order
        they were queued (a receipt before its PDF): only a chat's oldest unsent message can
        be taken."""
        if limit <= 0:
            return []
        now = utcnow()
        return await self._outbox.claim(
            urgent=urgent, limit=limit, now=now, leased_until=now + self._lease
        )

    async def _deliver(self, message: OutboxMessage) -> None:
        handler = self._handlers.get(message.kind)
        ids = {"outbox_id": message.id, "kind": message.kind, "payment_id": message.payment_id}
        try:
            if handler is None:
                raise GiveUp(f"no handler for {message.kind}")
            async with self._leased(message):
                token = delivering.set(True)
                try:
                    await handler(message)
                finally:
                    delivering.reset(token)
        except GiveUp as error:
            log.error("outbox.given_up", reason=str(error), **ids)
            await self._give_up(message, str(error))
        except Hold as error:
            log.warning("outbox.held", reason=str(error), **ids)
            if await self._record(message, status=OutboxStatus.HELD, last_error=str(error)[:300]):
                await self._release_if_back(message)
        except Exception as error:
            delay = error.delay if isinstance(error, RetryLater) else None
            await self._retry(message, str(error) or type(error).__name__, delay, ids)
        else:
            await self._record(
                message,
                status=OutboxStatus.SENT,
                sent_at=utcnow(),
                last_error=None,
                release_chat=True,
            )
            log.info("outbox.delivered", attempts=message.attempts, **ids)

    @contextlib.asynccontextmanager
    async def _leased(self, message: OutboxMessage) -> AsyncIterator[None]:
        """Renews the claim every third of the lease while the handler runs. A delivery done
        before the first renewal (a receipt takes milliseconds) writes nothing more."""
        finished = asyncio.Event()
        renewal = asyncio.create_task(self._keep_claim(message, finished))
        try:
            yield
        finally:
            finished.set()
            await renewal  # a renewal under way lands before the outcome is recorded

    async def _keep_claim(self, message: OutboxMessage, finished: asyncio.Event) -> None:
        while not await _set_within(finished, self._renew_every):
            try:
                renewed = await self._outbox.renew(message, self._lease)
            except Exception as error:  # tried again at the next renewal; never the delivery's
                log.warning(
                    "outbox.lease_not_renewed", outbox_id=message.id, error=type(error).__name__
                )
                continue
            if not renewed:
                log.warning("outbox.lease_lost", outbox_id=message.id, attempts=message.attempts)
                return

    async def _retry(
        self, message: OutboxMessage, reason: str, delay: float | None, ids: dict[str, object]
    ) -> None:
        exhausted = message.attempts >= self._max_attempts
        if exhausted and message.kind not in self._until_delivered:
            log.error("outbox.given_up", reason=reason, attempts=message.attempts, **ids)
            await self._give_up(message, reason)
            return
        backoff = delay if delay is not None else _backoff(message.attempts)
        log.warning("outbox.retry", reason=reason, attempts=message.attempts, delay=backoff, **ids)
        recorded = await self._record(
            message, available_at=utcnow() + timedelta(seconds=backoff), last_error=reason[:300]
        )
        if recorded and exhausted:
            await self._on_failed(message, reason)

    async def _give_up(self, message: OutboxMessage, reason: str) -> None:
        if await self._record(message, status=OutboxStatus.FAILED, last_error=reason[:300]):
            await self._on_failed(message, reason)

    async def _on_failed(self, message: OutboxMessage, reason: str) -> None:
        if self._failed_hook is not None:
            await self._failed_hook(message, reason)

    async def _release_if_back(self, message: OutboxMessage) -> None:
        """The user may have written to the bot between the handler's marking them
        unreachable and the record of the hold: their release then found nothing held, and
        nothing else would release the row. Asked after that record, so it or the release
        sees the other's write. A chat whose user is not known (they asked to be forgotten)
        stays held: released, its message would be refused and held again, round and round."""
        chat_id = message.chat_id
        if chat_id is None or self._is_reachable is None:
            return
        if await self._is_reachable(chat_id):
            await self.release_held(chat_id)

    async def release_held(self, chat_id: int) -> int:
        """The user is back: deliver what was kept for their chat."""
        count = await self._outbox.release_held(chat_id)
        self._released(chat_id, count)
        return count

    def _released(self, chat_id: int, count: int) -> None:
        if count:
            log.info("outbox.released", chat_id=chat_id, count=count)
            self.wake()

    async def _record(
        self, message: OutboxMessage, *, release_chat: bool = False, **values: object
    ) -> bool:
        """Writes an attempt's outcome unless a newer claim has taken the row (its lease ran
        out): then that claim's outcome is the one that counts. Whether it was written.
        `release_chat`: the message got through, so its chat is open again: what was held for
        it goes too, in the same transaction."""
        recorded = await self._outbox.record(message, release_chat=release_chat, **values)
        if message.chat_id is not None:
            self._released(message.chat_id, recorded.released)
        if not recorded.written:
            log.warning(
                "outbox.lease_lost",
                outbox_id=message.id,
                attempts=message.attempts,
                outcome=values.get("status", "retry"),
            )
        return recorded.written


def _backoff(attempts: int) -> float:
    """2, 4, 8 … seconds up to ten minutes. The exponent is capped too: a kind retried until
    delivered passes 1023 tries in a week, and 2.0 ** 1024 overflows."""
    return min(2.0 ** min(attempts, 10), MAX_BACKOFF_SECONDS)


async def _set_within(event: asyncio.Event, seconds: float) -> bool:
    """Whether `event` is set within `seconds`. Not asyncio.wait_for: on Python 3.11 it can
    swallow a cancellation that lands as the event is set, and a stop would never end."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
    return event.is_set()
