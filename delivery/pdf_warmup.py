"""The receipts' PDF worker, started with the bot: the first receipt of a run would otherwise
wait for its process to start, import fpdf2 and cut the fonts (seconds, more on a busy
machine), and its PDF would come long after the receipt's message."""

from datetime import UTC, datetime

import structlog

from core.money import Money
from core.services import Service
from core.statuses import PaymentStatus
from payments.receipts import ReceiptView
from ui.receipt_pdf import render_receipt_pdf

log = structlog.get_logger(__name__)

SAMPLE = ReceiptView(
    number="00000000-0000000",
    issued_at=datetime(2026, 1, 1, tzinfo=UTC),
    payer="—",
    service=next(iter(Service)),
    payment_code="0",
    amount=Money(0, "KGS"),
    card_mask="—",
    transaction_id="—",
    status=PaymentStatus.PAID,
    public_id="0",
)


_warmed = False


async def warm_up_pdf_worker() -> None:
    """One receipt made and thrown away, once a process (the worker is the process's). A
    failure is only logged: the first real receipt starts the worker again."""
    global _warmed
    if _warmed:
        return
    try:
        await render_receipt_pdf("ru", SAMPLE, "https://example.invalid/")
    except Exception as error:
        log.warning("pdf.warm_up_failed", error=type(error).__name__)
    else:
        _warmed = True
        log.info("pdf.worker_ready")
