"""The receipts' PDF worker starts with the bot, so the first receipt's PDF does not wait for a
process to start, import fpdf2 and cut the fonts."""

import asyncio

from delivery import pdf_warmup
from delivery.pdf_warmup import SAMPLE
from tests.conftest import AppHarness
from ui import receipt_pdf


async def test_the_pdf_worker_is_ready_before_the_first_receipt(telegram, tmp_path, monkeypatch):
    if receipt_pdf._workers is not None:  # another test's: this one needs a cold start
        receipt_pdf._workers.shutdown(wait=False)
        receipt_pdf._workers = None
    monkeypatch.setattr(pdf_warmup, "_warmed", False)
    harness = AppHarness(telegram, f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    app = await harness.start()
    try:
        await asyncio.sleep(0.1)
        assert receipt_pdf._workers is not None and receipt_pdf._workers._processes
        await asyncio.wait_for(app._pdf_warm_up, 60)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await receipt_pdf.render_receipt_pdf("ky", SAMPLE, "https://pay.example.kg/receipt/1")
        assert loop.time() - started < 2.0  # a warm worker's time, not a start's
    finally:
        await harness.stop()
