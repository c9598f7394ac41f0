"""The online receipt as a PDF a citizen can show at a consulate without internet: the same
fields as the message, an embedded font for Cyrillic and Kyrgyz letters, and a QR code that
opens the verification page."""

import asyncio
import hashlib
import html
import io
import multiprocessing
import os
import re
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache
from pathlib import Path

import segno
from fontTools import subset
from fpdf import FPDF

from bot.i18n import L10n, Translator
from bot.render import receipt as receipt_text
from payments.receipts import ReceiptView

FONTS = Path(__file__).resolve().parent / "fonts"
# Latin with its extensions (foreign names), Cyrillic with Kyrgyz ң ө ү, punctuation, №, ₸ ...
RECEIPT_LETTERS = "U+0020-024F,U+0400-052F,U+2010-205E,U+20A0-20CF,U+2100-214F"


@cache
def receipt_font(name: str) -> str:
    """The font cut down to the letters a receipt can hold, made once per process: parsing
    the whole DejaVu for every receipt was 60% of the time a PDF took (see bench/)."""
    source = FONTS / name
    options = [f"--unicodes={RECEIPT_LETTERS}", "--no-hinting", "--layout-features="]
    digest = hashlib.sha256(source.read_bytes() + repr(options).encode()).hexdigest()[:12]
    target = Path(tempfile.gettempdir()) / "payment-bot-fonts" / f"{digest}-{name}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}.part")
        subset.main([str(source), *options, f"--output-file={partial}"])
        partial.replace(target)  # atomic: another process may be making the same file
    return str(target)


def receipt_pdf(t: Translator, view: ReceiptView, verify_url: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(t.plain("pdf-title", number=view.number))
    pdf.set_author(t.plain("pdf-operator"))
    pdf.add_font("DejaVu", "", receipt_font("DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", receipt_font("DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=10)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(0, 6, t.plain("pdf-operator"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    lines = _plain(receipt_text(t, view)).splitlines()
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(0, 7, lines[0], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font("DejaVu", "", 10)
    for line in lines[1:]:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    qr = io.BytesIO()
    segno.make(verify_url, error="m").save(qr, kind="png", scale=6, border=2)
    qr.seek(0)
    pdf.image(qr, w=40)
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(0, 5, t.plain("pdf-verify", url=verify_url), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _plain(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


_workers: ProcessPoolExecutor | None = None


async def render_receipt_pdf(language: str, view: ReceiptView, verify_url: str) -> bytes:
    """The PDF, made in a worker process shared by the whole process. fpdf2 is pure Python:
    in a thread it holds the GIL the event loop needs, and at 50 receipts a second every
    callback and every receipt message waited behind it (see bench/)."""
    global _workers
    if _workers is None:
        _workers = ProcessPoolExecutor(
            1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_end_with,
            initargs=(os.getpid(),),
        )
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(_workers, _render, language, view, verify_url)
    except BrokenProcessPool:
        _workers = None  # the worker died (killed, out of memory): a new one next time
        raise


def _end_with(bot_pid: int) -> None:
    """In the worker: end when the bot process does. A bot that was SIGKILLed (a crash, the
    OOM killer) cannot shut its pool down, and the worker would wait for work forever."""

    def watch() -> None:
        while os.getppid() == bot_pid:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="bot-watch", daemon=True).start()


@cache
def _l10n() -> L10n:
    return L10n()


def _render(language: str, view: ReceiptView, verify_url: str) -> bytes:
    return receipt_pdf(_l10n()[language], view, verify_url)
