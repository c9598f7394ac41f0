"""Commands for support staff: /find, /stats, /resend. Answered to ADMIN_IDS only.

For anybody else the router's filter does not match and the command falls through to the
fallback router like any unknown text: nobody learns these commands exist.
The dispatcher's workflow data must hold `support: SupportQueries` and `outbox: OutboxWorker`.
"""

import html
import re
from collections.abc import Iterable, Iterator
from datetime import datetime

import structlog
from aiogram import F, Router
from aiogram.filters import Command, CommandObject, MagicData
from aiogram.types import Message

from core.clock import BISHKEK, bishkek_time
from payments.outbox import OutboxWorker
from payments.support_queries import FIND_LIMIT, OUTBOX_STATUSES, PaymentHistory, SupportQueries
from ui.i18n import Translator
from ui.reply import Reply

log = structlog.get_logger(__name__)

MESSAGE_LIMIT = 4096  # Telegram's limit on a message text (UTF-16 code units after parsing)
NONE = "—"


def _units(text: str) -> int:
    """The length Telegram counts, measured on the HTML source: never less than the parsed one."""
    return len(text.encode("utf-16-le")) // 2


def _plain_line(line: str, limit: int) -> str:
    """A line too long to send, as escaped plain text cut to `limit` (no tag left open)."""
    text = html.unescape(re.sub(r"<[^>]+>", "", line))
    while _units(html.escape(text, quote=False)) > limit - 1:
        text = text[: -max(1, len(text) // 10)]
    return html.escape(text, quote=False) + "…"


def _pieces(block: str, limit: int) -> Iterator[str]:
    """A block cut at line ends into pieces within `limit` (each line's tags are closed)."""
    if _units(block) <= limit:
        yield block
        return
    current = ""
    for raw in block.split("\n"):
        line = raw if _units(raw) <= limit else _plain_line(raw, limit)
        candidate = f"{current}\n{line}" if current else line
        if current and _units(candidate) > limit:
            yield current
            current = line
        else:
            current = candidate
    if current:
        yield current


def split_messages(blocks: Iterable[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Blocks joined by blank lines into as few messages within `limit` as they fit."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _pieces(block, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if current and _units(candidate) > limit:
                messages.append(current)
                current = piece
            else:
                current = candidate
    if current:
        messages.append(current)
    return messages


def _short_time(moment: datetime) -> str:
    return f"{moment.astimezone(BISHKEK):%d.%m.%Y %H:%M:%S}"


def _or_none(value: object) -> object:
    return NONE if value is None or value == "" else value


def history_block(t: Translator, history: PaymentHistory) -> str:
    """One payment and its events, in HTML; every value escaped by the translator."""
    lines = [
        t(
            "admin-payment",
            order_id=history.order_id,
            payment_id=history.payment_id,
            code=history.payment_code,
            payer=_or_none(history.payer),
            service=t.plain(f"service-{history.service}"),
            amount=history.amount.display(),
            status=t.plain(f"payment-status-{history.status}"),
            acquirer=history.acquirer,
            transaction=_or_none(history.transaction_id),
            card=_or_none(history.card_mask),
            user=_or_none(history.user_id),
            created=bishkek_time(history.created_at),
            paid=bishkek_time(history.paid_at) if history.paid_at else NONE,
            receipt=_or_none(history.receipt_number),
        )
    ]
    if history.decline_reason:
        lines.append(t("admin-payment-declined", reason=history.decline_reason))
    lines.append(t("admin-events"))
    events: list[tuple[datetime, int, str]] = []
    for callback in history.callbacks:
        text = t(
            "admin-event-callback",
            at=_short_time(callback.received_at),
            status=t.plain(f"payment-status-{callback.status}"),
            outcome=callback.outcome,
        )
        events.append((callback.received_at, 0, text))
    for row in history.outbox:
        kind = f"{row.kind} ({row.detail})" if row.detail else row.kind
        args = {
            "at": _short_time(row.created_at),
            "kind": kind,
            "status": (
                t.plain(f"admin-outbox-status-{row.status}")
                if row.status in OUTBOX_STATUSES
                else row.status
            ),
            "attempts": row.attempts,
        }
        if row.last_error:
            text = t("admin-event-outbox-error", error=row.last_error, **args)
        else:
            text = t("admin-event-outbox", **args)
        events.append((row.created_at, 1, text))
    if not events:
        lines.append(t("admin-events-none"))
    lines.extend(text for _, _, text in sorted(events, key=lambda event: event[:2]))
    return "\n".join(lines)


def stats_text(t: Translator, stats: dict) -> str:
    amounts = ", ".join(money.display() for money in stats["paid_amounts"].values())
    lines = [
        t(
            "admin-stats",
            day=stats["day"],
            total=stats["total"],
            paid=stats["paid"],
            amounts=amounts or NONE,
        )
    ]
    if stats["by_status"]:
        lines.append(t("admin-stats-by-status"))
        lines.extend(
            t("admin-stats-line", name=t.plain(f"payment-status-{status}"), count=count)
            for status, count in stats["by_status"].items()
        )
    if stats["by_service"]:
        lines.append(t("admin-stats-by-service"))
        lines.extend(
            t("admin-stats-line", name=t.plain(f"service-{service}"), count=count)
            for service, count in stats["by_service"].items()
        )
    return "\n".join(lines)


async def _send_all(reply: Reply, texts: Iterable[str]) -> None:
    for text in texts:
        await reply.send(text)


async def find(
    message: Message,
    command: CommandObject,
    reply: Reply,
    user_id: int,
    support: SupportQueries,
) -> None:
    query = (command.args or "").strip()
    if not query:
        await reply.say("admin-find-usage")
        return
    found = await support.find(query)
    log.info("admin.find", admin_id=user_id, found=len(found))
    if not found:
        await reply.say("admin-find-nothing", query=query)
        return
    t = reply.t
    blocks = [history_block(t, history) for history in found]
    if len(found) >= FIND_LIMIT:
        blocks.append(t("admin-find-more", count=len(found)))
    await _send_all(reply, split_messages(blocks))


async def stats(message: Message, reply: Reply, user_id: int, support: SupportQueries) -> None:
    log.info("admin.stats", admin_id=user_id)
    text = stats_text(reply.t, await support.stats_today())
    await _send_all(reply, split_messages([text]))


async def resend(
    message: Message,
    command: CommandObject,
    reply: Reply,
    user_id: int,
    support: SupportQueries,
    outbox: OutboxWorker,
) -> None:
    query = (command.args or "").strip()
    if not query:
        await reply.say("admin-resend-usage")
        return
    payment_id = await support.receipt_payment_id(query)
    if payment_id is None:
        await reply.say("admin-resend-nothing", query=query)
        return
    number = await support.resend_receipt(payment_id)
    if number is None:
        await reply.say("admin-resend-no-chat", query=query)
        return
    outbox.wake()
    log.info("admin.resend", admin_id=user_id, payment_id=payment_id)
    await reply.say("admin-resend-queued", number=number)


def build_router(admin_ids: frozenset[int]) -> Router:
    """Include it before the fallback router; an empty `admin_ids` answers nobody."""
    router = Router(name="admin")
    router.message.filter(MagicData(F.event.from_user.id.in_(admin_ids)))
    router.message.register(find, Command("find"))
    router.message.register(stats, Command("stats"))
    router.message.register(resend, Command("resend"))
    return router
