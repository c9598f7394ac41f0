"""Receipts people keep: the PDF with its QR code, the verification page, /history."""

import asyncio
import html
import io
import re
import shutil
import subprocess
from datetime import timedelta

import aiohttp
import pypdf
import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from core.clock import utcnow
from storage.models import Receipt
from tests.card_digits import shows_test_card
from tests.test_flow import (
    CODE,
    pay_code,
    pay_on_page,
    payment_url,
    plain,
    walk_to_bill,
)
from ui.formats import format_moment
from ui.i18n import L10n

l10n = L10n()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


async def paid(harness, user_id: int, language: str, code: str = CODE):
    client = harness.client(user_id=user_id, language_code=language)
    await pay_code(client, language, code)
    for _ in range(100):
        pdfs = harness.telegram.calls_to("sendDocument", chat_id=user_id)
        if pdfs and pdfs[-1].params["document"].filename.endswith(".pdf"):
            break
        await asyncio.sleep(0.05)
    async with harness.app.sessions() as session:
        receipt = await session.scalar(select(Receipt).order_by(Receipt.id.desc()))
    return client, receipt, pdfs[-1]


OPERATOR = [
    "Санариптик өнүктүрүү министрлигине караштуу “Инфоком” мамлекеттик ишканасы",
    "Государственное предприятие «Инфоком» при Министерстве цифрового развития",
    "720000",
    "+996 312 98-61-90",
    "+996 312 98-61-91",
    "119",
    "support@infocom.kg",
]
KY_RU = ["Төлөм статусу", "Статус оплаты", "Пайдалануучунун аты-жөнү", "ФИО Пользователя"]
ENGLISH = ["Payment status", "Payer", "State enterprise “Infocom”", "from abroad"]
PDFTOPPM = shutil.which("pdftoppm")


@pytest.mark.parametrize(
    ("language", "words", "amount", "issued"),
    [
        ("ky", KY_RU, "1 250,00 сом", "Бишкек убактысы (UTC+6)"),
        ("ru", KY_RU, "1 250,00 сом", "время Бишкека (UTC+6)"),
        ("en", [*KY_RU, *ENGLISH], "1,250.00 KGS", "Bishkek time (UTC+6)"),
    ],
)
async def test_pdf_is_an_official_receipt_with_a_qr_code_of_its_page(
    harness, tmp_path, language, words, amount, issued
):
    client, receipt, call = await paid(harness, 9600 + len(language), language)
    pdf_bytes = call.params["document"].content
    assert pdf_bytes.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    assert len(reader.pages) == 1
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for field in (
        receipt.number,
        "ASANOV ASAN",
        CODE,
        amount,
        "424242******4242",
        issued,
        *OPERATOR,
        *words,
    ):
        assert field in text, field
    if language != "en":
        assert "Payment status" not in text and "KGS" not in text
    # PDF/A-2U: declared in the XMP metadata, with the sRGB output intent it requires.
    assert "/OutputIntents" in reader.trailer["/Root"]
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"<pdfaid:part>2</pdfaid:part>" in xmp
    assert b"<pdfaid:conformance>U</pdfaid:conformance>" in xmp

    url = f"http://127.0.0.1:{harness.port}/r/{receipt.public_id}"
    image = next(iter(reader.pages[0].images)).image
    assert [result.text for result in zxingcpp.read_barcodes(image)] == [url]
    assert text.count(url) == 1  # beside the QR code, for a reader without a scanner
    assert quiet_zone(image.convert("L"), [0, 0, *image.size]) >= 4
    assert len(receipt.public_id) == 32  # 128 random bits, hex
    assert url in client.texts()[-1] or any(url in text for text in client.texts())

    if PDFTOPPM is None:
        pytest.skip("pdftoppm (Debian's poppler-utils) is not installed: the page is not drawn")
    png = render_png(pdf_bytes, tmp_path / f"receipt-{language}")
    page = Image.open(png).convert("L")
    (found,) = zxingcpp.read_barcodes(page)
    assert found.text == url
    corners = [found.position.top_left, found.position.bottom_right]
    assert (
        quiet_zone(
            page,
            [
                min(p.x for p in corners),
                min(p.y for p in corners),
                max(p.x for p in corners),
                max(p.y for p in corners),
            ],
        )
        >= 4
    )


def render_png(pdf: bytes, stem) -> str:
    """The first page drawn by poppler at 150 dpi, kept beside the test to be looked at."""
    stem.with_suffix(".pdf").write_bytes(pdf)
    subprocess.run(  # noqa: S603 (a fixed binary, files of this test)
        [PDFTOPPM, "-png", "-r", "150", "-singlefile", str(stem.with_suffix(".pdf")), str(stem)],
        check=True,
        timeout=60,
    )
    return str(stem.with_suffix(".png"))


def quiet_zone(gray: Image.Image, near: list[int]) -> float:
    """The white around the QR code found about `near` (left, top, right, bottom), in modules,
    up to the image's edge: the symbol is the box of its dark pixels, and a module is a seventh
    of the finder pattern in its top-left corner."""
    pixels = gray.load()
    width, height = gray.size

    def dark(x: int, y: int) -> bool:
        return not (0 <= x < width and 0 <= y < height) or pixels[x, y] < 128

    left, top, right, bottom = near
    box = [
        (x, y)
        for x in range(max(left - 3, 0), min(right + 4, width))
        for y in range(max(top - 3, 0), min(bottom + 4, height))
        if dark(x, y)
    ]
    left, right = min(x for x, _ in box), max(x for x, _ in box)
    top, bottom = min(y for _, y in box), max(y for _, y in box)
    finder_row = top + 1
    run = next(x for x in range(left, right + 2) if not dark(x, finder_row)) - left
    module = run / 7
    reach = int(module * 10)
    clear = reach
    for step in range(1, reach):
        if any(
            dark(left - step, y) or dark(right + step, y) for y in range(top, bottom + 1)
        ) or any(dark(x, top - step) or dark(x, bottom + step) for x in range(left, right + 1)):
            clear = step - 1
            break
    return clear / module


async def fetch(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


def checked_now(t) -> set[str]:
    """The "checked at" line as the page may say it, a minute's turn either side."""
    now = utcnow()
    return {
        plain(
            t, "verify-checked-at", time=format_moment(now + timedelta(minutes=shift), t.language)
        )
        for shift in (-1, 0, 1)
    }


NOT_FOUND = ["verify-no-such-receipt", "verify-may-be-forged"]
SUPPORT = ["+996 312 98-61-90", "+996 312 98-61-91", "119", "support@infocom.kg"]


async def test_verification_page_and_a_wrong_id(harness):
    _, receipt, _ = await paid(harness, 9700, "ru")
    t = l10n["ru"]
    base = f"http://127.0.0.1:{harness.port}/r/"
    status, page = await fetch(base + receipt.public_id)
    assert status == 200
    assert plain(t, "verify-confirmed") in page
    assert "ASANOV A****" in page and "ASANOV ASAN" not in page
    assert "424242******4242" not in page
    # Rows without a value are left out: the card and the transaction are not the public's.
    assert "—" not in page
    assert t.plain("receipt-field-card") not in page
    assert t.plain("receipt-field-transaction") not in page
    assert "<td>1\u00a0250,00\u00a0сом</td>" in page
    assert any(line in html.unescape(page) for line in checked_now(t))
    assert plain(t, "pdf-operator") in html.unescape(page)
    async with aiohttp.ClientSession() as http, http.get(base + receipt.public_id) as response:
        headers = response.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, page = await fetch(base + "../../etc/passwd")
    assert status == 404 and "ASANOV" not in page
    for wrong in ("0" * 32, receipt.public_id[:-1] + "x", "1"):
        status, page = await fetch(base + wrong)
        assert status == 404
        assert receipt.number not in page and "ASANOV" not in page
        for message_id in NOT_FOUND:
            assert plain(l10n["en"], message_id) in page, message_id
        for contact in SUPPORT:
            assert contact in page
    # What a forger types into the address goes back escaped, in the language links too.
    status, page = await fetch(base + "%3Cb%3Ex%22%20onclick=%22a?lang=ky")
    assert status == 404
    assert plain(l10n["ky"], "verify-no-such-receipt") in page
    assert "<b>x" not in page and '" onclick' not in page


def chromium(url: str, profile, *options: str) -> str:
    result = subprocess.run(  # noqa: S603 (a fixed browser binary, a URL on this machine)
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            *options,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def screenshot(url: str, profile, png) -> None:
    """The page as a phone shows it, kept beside the test to be looked at."""
    chromium(url, profile, f"--screenshot={png}", "--window-size=430,1000")
    image = Image.open(png).convert("L")
    assert image.getextrema()[0] < 100  # something was drawn


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
async def test_verification_page_in_headless_chromium(harness, tmp_path):
    _, receipt, _ = await paid(harness, 9800, "ky")
    base = f"http://127.0.0.1:{harness.port}/r/"
    profile = tmp_path / "chromium"
    for language in ("ky", "ru", "en"):
        t = l10n[language]
        url = f"{base}{receipt.public_id}?lang={language}"
        dom = html.unescape(await asyncio.to_thread(chromium, url, profile, "--dump-dom"))
        assert f'<html lang="{language}">' in dom
        assert t.plain("verify-confirmed") in dom
        assert receipt.number in dom and "ASANOV A****" in dom
        assert "—" not in dom and not shows_test_card(dom)
        assert t.plain("pdf-operator") in dom
        assert any(line in dom for line in checked_now(t))
        await asyncio.to_thread(screenshot, url, profile, tmp_path / f"receipt-{language}.png")
    url = base + "f" * 32
    dom = html.unescape(await asyncio.to_thread(chromium, url, profile, "--dump-dom"))
    for message_id in NOT_FOUND:
        assert plain(l10n["en"], message_id) in dom, message_id
    for contact in SUPPORT:
        assert contact in dom
    assert "ASANOV" not in dom
    await asyncio.to_thread(screenshot, url, profile, tmp_path / "not-found.png")


async def test_history_pages_and_sends_a_receipt_again(harness):
    t = l10n["en"]
    client = harness.client(user_id=9900, language_code="en")
    codes = [
        "112026117919",
        "112026125838",
        "162026133757",
        "162026141676",
        "132026149595",
        "172026157514",
    ]
    await walk_to_bill(client, "en", codes[0])
    for code in codes:
        await client.send(code)
        if code.startswith("17"):  # the auction: its own privacy policy is agreed to first
            await client.click(t.plain("button-agree"))
        await client.click(t.plain("button-pay"))
    url = payment_url(client.last_text())
    await pay_on_page(url)  # the last one (the auction) is paid
    await client.wait_for(lambda text: "SBX-" in text)

    await client.send("/history")
    first = client.last_text()
    assert first.startswith(plain(t, "history-title", page=1, pages=2))
    assert first.index("172026157514") < first.index("162026133757")  # newest first
    assert "112026117919" not in first
    await client.click(t.plain("button-next"))
    second = client.last_text()
    assert second.startswith(plain(t, "history-title", page=2, pages=2))
    assert "112026117919" in second
    await client.click(t.plain("button-previous"))
    receipts_before = sum("SBX-" in text for text in client.texts())
    await client.click("🧾")
    assert sum("SBX-" in text for text in client.texts()) == receipts_before + 1
    assert re.search(r"SBX-\w+", client.last_text())
