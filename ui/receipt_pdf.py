"""The online receipt as a PDF a citizen can show at a consulate without internet: the
operator's header, the same fields as the message in a table, an embedded font for Cyrillic
and Kyrgyz letters, and a QR code that opens the verification page."""

import asyncio
import hashlib
import io
import multiprocessing
import os
import tempfile
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache
from pathlib import Path

import segno
from fontTools import subset
from fpdf import FPDF
from fpdf.fonts import FontFace

from payments.receipts import ReceiptView
from ui.i18n import L10n, Translator
from ui.receipt_fields import WORDED, label, receipt_fields, support_line

FONTS = Path(__file__).resolve().parent / "fonts"
# Latin with its extensions (foreign names), Cyrillic with Kyrgyz ң ө ү, punctuation, №, ₸ ...
RECEIPT_LETTERS = "U+0020-024F,U+0400-052F,U+2010-205E,U+20A0-20CF,U+2100-214F"


@cache
def receipt_font(name: str) -> str:
    """The font cut down to the letters a receipt can hold, made once per process, so that
    no receipt parses the whole DejaVu."""
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


# Kyrgyz, the state language, then Russian, the official one: what a consulate or a service
# centre reads; English is added for an English reader.
_PAGE_LANGUAGES = ("ky", "ru")
_INK = (20, 40, 90)
_GREY = (90, 90, 90)
_RULE = (160, 170, 190)
# The white margin ISO/IEC 18004 asks around a QR code, in modules, for any scanner to find it.
QR_QUIET_ZONE = 4


def receipt_pdf(t: Translator, view: ReceiptView, verify_url: str) -> bytes:
    """An A4 PDF/A-2U: the operator and its contacts, the receipt's fields in a two-column
    table labelled in Kyrgyz and Russian (and English for an English reader), the amount and
    the date in the reader's own formats, and the QR code of the verification page."""
    page = [_l10n()[language] for language in _PAGE_LANGUAGES]
    if t.language not in _PAGE_LANGUAGES:
        page.append(t)
    pdf = FPDF(format="A4", enforce_compliance="PDF/A-2U")
    pdf.set_lang(t.language)
    pdf.set_title(t.plain("pdf-title", number=view.number))
    pdf.set_author(t.plain("pdf-operator"))
    pdf.add_font("DejaVu", "", receipt_font("DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", receipt_font("DejaVuSans-Bold.ttf"))
    pdf.set_margins(18, 15, 18)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    _header(pdf, page)
    _heading(pdf, page, view)
    _table(pdf, t, page, view)
    _verification(pdf, page, verify_url)
    return bytes(pdf.output())


def _header(pdf: FPDF, page: list[Translator]) -> None:
    pdf.set_text_color(*_INK)
    pdf.set_font("DejaVu", "B", 10)
    for reader in page:
        pdf.multi_cell(0, 5, reader.plain("pdf-operator"), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_text_color(*_GREY)
    pdf.set_font("DejaVu", "", 8)
    for line in _distinct(reader.plain("receipt-operator-address") for reader in page):
        pdf.multi_cell(0, 4, line, align="L", new_x="LMARGIN", new_y="NEXT")
    for reader in page:
        pdf.multi_cell(0, 4, support_line(reader), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_draw_color(*_INK)
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(5)


def _heading(pdf: FPDF, page: list[Translator], view: ReceiptView) -> None:
    heading = " / ".join(_distinct(reader.plain("receipt-heading") for reader in page))
    pdf.set_text_color(*_INK)
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 8, f"{heading} № {view.number}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _table(pdf: FPDF, t: Translator, page: list[Translator], view: ReceiptView) -> None:
    """Labels in every language of the page; the values in the reader's, and the values that
    are words (the service, the status) in every language of the page as well."""
    worded = [dict(receipt_fields(reader, view)) for reader in page]
    labels = FontFace(family="DejaVu", emphasis="", size_pt=7.5, color=_GREY)
    values = FontFace(family="DejaVu", emphasis="BOLD", size_pt=10, color=(0, 0, 0))
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.2)
    with pdf.table(
        col_widths=(0.38, 0.62),
        first_row_as_headings=False,
        borders_layout="HORIZONTAL_LINES",
        text_align=("LEFT", "LEFT"),
        v_align="MIDDLE",
        line_height=4,
        padding=(1.4, 2),
    ) as table:
        for field, value in receipt_fields(t, view):
            if field in WORDED:
                value = "\n".join(_distinct(words[field] for words in worded))
            row = table.row()
            row.cell("\n".join(_distinct(label(reader, field) for reader in page)), style=labels)
            row.cell(value, style=values)
    pdf.ln(6)


def _verification(pdf: FPDF, page: list[Translator], verify_url: str) -> None:
    """The QR code with its quiet zone drawn white in the image, and beside it how to check."""
    qr = io.BytesIO()
    segno.make(verify_url, error="m").save(qr, kind="png", scale=8, border=QR_QUIET_ZONE)
    qr.seek(0)
    top, size = pdf.get_y(), 38
    if top + size > pdf.h - pdf.b_margin:
        pdf.add_page()
        top = pdf.get_y()
    pdf.image(qr, x=pdf.l_margin, y=top, w=size)
    pdf.set_text_color(*_GREY)
    pdf.set_font("DejaVu", "", 8)
    pdf.set_xy(pdf.l_margin + size + 4, top + 5)
    for reader in page:
        pdf.multi_cell(0, 4, reader.plain("pdf-verify"), align="L")
        pdf.set_xy(pdf.l_margin + size + 4, pdf.get_y() + 1)
    pdf.set_xy(pdf.l_margin + size + 4, pdf.get_y() + 2)
    pdf.set_text_color(*_INK)
    pdf.set_font("DejaVu", "B", 8.5)
    pdf.multi_cell(0, 4.5, verify_url, align="L")


def _distinct(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(texts))


_workers: ProcessPoolExecutor | None = None


async def render_receipt_pdf(language: str, view: ReceiptView, verify_url: str) -> bytes:
    """The PDF, made in a worker process shared by the whole process. fpdf2 is pure Python:
    in a thread it would hold the GIL the event loop needs, and every callback and every
    receipt message would wait behind it."""
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
