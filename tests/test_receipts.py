"""Receipts people keep: the PDF with its QR code, the verification page, /history."""

import asyncio
import io
import re
import shutil
import subprocess

import aiohttp
import pypdf
import pytest
import zxingcpp
from sqlalchemy import select

from bot.i18n import L10n
from storage.models import Receipt
from tests.test_flow import (
    AMOUNT,
    CODE,
    ZONE,
    pay_code,
    pay_on_page,
    payment_url,
    plain,
    walk_to_bill,
)

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


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ky", ["Төлөм статусу", "Пайдалануучунун аты-жөнү", "мамлекеттик ишканасы"]),
        ("ru", ["Статус оплаты", "ФИО Пользователя", "«Инфоком»"]),
        ("en", ["Payment status", "Infocom"]),
    ],
)
async def test_pdf_holds_the_receipt_and_a_qr_code_of_its_page(harness, language, words):
    client, receipt, call = await paid(harness, 9600 + len(language), language)
    pdf_bytes = call.params["document"].content
    assert pdf_bytes.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for field in (
        receipt.number,
        "ASANOV ASAN",
        CODE,
        AMOUNT[language].replace("\u00a0", " "),
        "424242******4242",
        ZONE[language],
        *words,
    ):
        assert field in text, field
    url = f"http://127.0.0.1:{harness.port}/r/{receipt.public_id}"
    image = next(iter(reader.pages[0].images)).image
    decoded = [result.text for result in zxingcpp.read_barcodes(image)]
    assert decoded == [url]
    assert len(receipt.public_id) == 32  # 128 random bits, hex
    assert url in client.texts()[-1] or any(url in text for text in client.texts())


async def fetch(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


async def test_verification_page_and_a_wrong_id(harness):
    _, receipt, _ = await paid(harness, 9700, "ru")
    base = f"http://127.0.0.1:{harness.port}/r/"
    status, page = await fetch(base + receipt.public_id)
    assert status == 200
    assert plain(l10n["ru"], "verify-confirmed") in page
    assert "ASANOV A****" in page and "ASANOV ASAN" not in page
    assert "424242******4242" not in page
    async with aiohttp.ClientSession() as http, http.get(base + receipt.public_id) as response:
        headers = response.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    for wrong in ("0" * 32, receipt.public_id[:-1] + "x", "1", "../../etc/passwd"):
        status, page = await fetch(base + wrong)
        assert status == 404
        assert receipt.number not in page and "ASANOV" not in page


def chromium_dom(url: str) -> str:
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
            "--user-data-dir=/tmp/chromium-receipt-tests",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
async def test_verification_page_in_headless_chromium(harness):
    _, receipt, _ = await paid(harness, 9800, "ky")
    base = f"http://127.0.0.1:{harness.port}/r/"
    for language in ("ky", "ru", "en"):
        t = l10n[language]
        dom = await asyncio.to_thread(chromium_dom, f"{base}{receipt.public_id}?lang={language}")
        assert f'<html lang="{language}">' in dom
        assert t.plain("verify-confirmed") in dom
        assert receipt.number in dom and "ASANOV A****" in dom
    dom = await asyncio.to_thread(chromium_dom, base + "f" * 32)
    assert plain(l10n["en"], "verify-not-found") in dom and "ASANOV" not in dom


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
