"""The online receipt as a PDF a citizen can show at a consulate without internet: the same
fields as the message, an embedded font for Cyrillic and Kyrgyz letters, and a QR code that
opens the verification page."""

import html
import io
import re
from pathlib import Path

import segno
from fpdf import FPDF

from bot.i18n import Translator
from bot.render import receipt as receipt_text
from payments.receipts import ReceiptView

FONTS = Path(__file__).resolve().parent / "fonts"


def receipt_pdf(t: Translator, view: ReceiptView, verify_url: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(t.plain("pdf-title", number=view.number))
    pdf.set_author(t.plain("pdf-operator"))
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
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
