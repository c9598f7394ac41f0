"""Words, numbers and dates in the citizen's language: formats per locale, plural forms, the
help, the wording of each language, the bot's descriptions, the official texts."""

import html
import re
from datetime import UTC, date, datetime

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest

from bot.lifecycle import COMMANDS
from core.money import Money
from tests.conftest import AppHarness
from tests.fakes.telegram_api import FakeTelegram
from tests.test_fake_telegram_api import make_bot
from ui import keyboards
from ui.formats import format_amount, format_date, format_datetime, format_moment, zone_label
from ui.i18n import LANGUAGES, L10n
from ui.official_texts import DocumentKind, document

l10n = L10n()
# 02:23:01 on 3 December in Bishkek (UTC+6)
MOMENT = datetime(2026, 12, 2, 20, 23, 1, tzinfo=UTC)
NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ky", f"1{NBSP}250,00{NBSP}сом"), ("ru", f"1{NBSP}250,00{NBSP}сом"), ("en", "1,250.00 KGS")],
)
def test_amounts_are_written_as_each_language_writes_them(language, expected):
    assert format_amount(Money(125000, "KGS"), language) == expected.replace(" ", NBSP)


def test_other_currencies_keep_their_code_and_small_amounts_their_zeros():
    assert format_amount(Money(5, "USD"), "ru") == f"0,05{NBSP}USD"
    assert format_amount(Money(123456789, "KGS"), "en") == f"1,234,567.89{NBSP}KGS"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ky", "2026-ж., 3-дек. 02:23"),
        ("ru", "3 дек. 2026\u202fг., 02:23"),
        ("en", "3 Dec 2026, 02:23"),
    ],
)
def test_moments_are_shown_in_bishkek_time_without_seconds(language, expected):
    assert format_datetime(MOMENT, language) == expected
    assert format_datetime(MOMENT, language, seconds=True) == expected + ":01"


@pytest.mark.parametrize(
    ("language", "zone"),
    [
        ("ky", "Бишкек убактысы (UTC+6)"),
        ("ru", "время Бишкека (UTC+6)"),
        ("en", "Bishkek time (UTC+6)"),
    ],
)
def test_the_zone_is_named_in_words_not_by_babel(language, zone):
    assert zone_label(language) == zone
    assert format_moment(MOMENT, language) == f"{format_datetime(MOMENT, language)}, {zone}"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ky", "2026-ж., 23-ноябрь"), ("ru", "23 ноября 2026\u202fг."), ("en", "23 November 2026")],
)
def test_dates_are_written_in_words(language, expected):
    assert format_date(date(2026, 11, 23), language) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", ["1 минуту", "2 минуты", "5 минут", "21 минуту", "11 минут"]),
        ("en", ["1 minute", "2 minutes", "5 minutes", "21 minutes", "11 minutes"]),
        ("ky", ["1 мүнөт", "2 мүнөт", "5 мүнөт", "21 мүнөт", "11 мүнөт"]),
    ],
)
def test_numbers_reach_fluent_as_numbers_and_choose_the_plural_form(language, expected):
    t = l10n[language]
    for minutes, words in zip((1, 2, 5, 21, 11), expected, strict=True):
        assert words in t("lookup-wait", minutes=minutes)
        assert words in t.plain("lookup-busy", minutes=minutes)


def test_counts_and_ids_are_not_grouped_and_values_still_escaped():
    t = l10n["en"]
    assert "page 1234 of 20000" in t("history-title", page=1234, pages=20000)
    assert t("receipt-verify-link", url="<x&y>") == "Check this online receipt: &lt;x&amp;y&gt;"
    assert t.plain("payment-link", amount=Money(100, "KGS"), expires=MOMENT).endswith(
        "valid until 3 Dec 2026, 02:23, Bishkek time (UTC+6)."
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_help_lists_every_command_and_numbers_that_can_be_dialled_from_abroad(language):
    text = l10n[language]("help")
    listed = re.findall(r"^/(\w+) — (.+)$", text, flags=re.MULTILINE)
    assert {command for command, _ in listed} == {*COMMANDS, "support"}
    for command, description in listed:
        if command != "support":
            assert description == l10n[language].plain(f"command-{command}")
    assert "+996 312 98-61-90" in text and "+996 312 98-61-91" in text
    assert "(0312)" not in text
    assert re.search(
        r"119 \((Кыргызстандын ичинен гана|только из Кыргызстана|from Kyrgyzstan only)\)", text
    )


@pytest.mark.parametrize(
    ("message_id", "expected"),
    [
        ("lookup-wait", "Табылбаган төлөм коддору өтө көп киргизилди."),
        ("cancel-page-open", "жарактуулук мөөнөтү: 3 Dec"),
        ("forget-payment-open", "Анын жарактуулук мөөнөтү: 3 Dec"),
        ("payment-in-progress-elsewhere", "анын жарактуулук мөөнөтү: 3 Dec"),
        ("unknown-input", "Төлөм коду боюнча төлөө үчүн /pay же /help жөнөтүңүз."),
        ("button-as-file", "📎 Толук текст файл түрүндө"),
        ("pdf-verify", "QR-кодду сканерлеңиз"),
        ("receipt", "Банктык транзакциянын номери"),
        ("payment-link", "банктын төлөм баракчасына"),
        ("card-number-warning", "банктын төлөм баракчасында"),
        ("verify-may-be-forged", "бул баракчанын дареги кандайдыр бир документте көрсөтүлгөн"),
    ],
)
def test_kyrgyz_lines_are_kyrgyz(message_id, expected):
    text = l10n["ky"].plain(message_id, expires="3 Dec", minutes=5, url="u", number=1)
    assert expected in text
    assert " чейин" not in text and "эквайер" not in text.lower()


def test_support_staff_read_of_a_final_status_in_kyrgyz():
    text = l10n["ky"]("alert-payment_stuck", order_id="o", payment_id=1, minutes=5)
    assert "5 мүнөттөн бери жыйынтыктоочу статус жок." in text


def test_kyrgyz_names_the_payment_page_with_one_word():
    pages = [
        l10n["ky"].plain(m, expires="x")
        for m in (
            "button-open-page",
            "cancel-page-open",
            "cancel-page-still-open",
            "forget-payment-open",
            "page-reminder",
            "return-text",
            "bot-description",
        )
    ]
    assert all("төлөм баракча" in text.lower() for text in pages)
    assert not any("төлөм барагы" in text.lower() for text in pages)


@pytest.mark.parametrize(
    "message_id",
    [
        "cancel-page-still-open",
        "forget-payment-open",
        "page-reminder",
        "deadline-reminder",
        "deadline-reminder-too-late",
        "deadline-reminder-set",
    ],
)
def test_kyrgyz_puts_a_moment_where_it_needs_no_case_ending(message_id):
    """A moment ends in "(UTC+6)", which takes no suffix: Kyrgyz says "мөөнөтү: <moment>"
    rather than "<moment> чейин" or "<moment> жабылат"."""
    moment = format_moment(MOMENT, "ky")
    text = l10n["ky"].plain(
        message_id, code="1", amount="A", expires=MOMENT, deadline=MOMENT, when=MOMENT
    )
    assert moment in text
    assert re.search(re.escape(moment) + r"[).]", text), text
    assert "(UTC+6))" not in text  # not a bracket inside a bracket


@pytest.mark.parametrize(
    "message_id",
    [
        "button-open-page",
        "payment-in-progress-elsewhere",
        "payment-page-unavailable",
        "page-reminder",
    ],
)
def test_russian_names_the_payment_page_with_one_word(message_id):
    text = l10n["ru"].plain(message_id, code="1", amount="A", expires="E")
    assert "платёжн" in text.lower() and "страниц" in text.lower()
    assert "страница оплаты" not in text.lower() and "страницу оплаты" not in text.lower()


@pytest.mark.parametrize(
    ("language", "one", "five"),
    [
        ("ru", "1 минуту", "5 минут"),
        ("en", "1 minute ", "5 minutes "),
        ("ky", "1 мүнөт", "5 мүнөт"),
    ],
)
@pytest.mark.parametrize("message_id", ["lookup-too-often", "support-wait"])
def test_waits_are_said_in_words_with_their_plural_form(language, one, five, message_id):
    assert one in l10n[language].plain(message_id, minutes=1)
    assert five in l10n[language].plain(message_id, minutes=5)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "message_id", ["button-history-open-page", "button-history-receipt", "button-remind-deadline"]
)
def test_a_button_with_a_code_or_number_fits_a_small_phone(language, message_id):
    """A full-width button on a 320-point screen shows about 32 characters before Telegram cuts
    the end off, and the end is the code or the receipt's number."""
    label = l10n[language].plain(message_id, code="112026117919", number="20261203-0000001")
    assert len(label) <= 32, label


def test_the_bill_is_never_called_an_invoice_or_account():
    """The citizen has a payment code and a payment; "счёт" (account, invoice) is a third word."""
    for language, word in (("ru", "счёт"), ("ky", "эсепти"), ("en", "bill")):
        assert word not in l10n[language].plain("button-open-bill").lower()


@pytest.mark.parametrize(
    ("language", "message_id", "expected"),
    [
        ("en", "help", "Use this bot to pay for state services"),
        ("en", "receipt", "Payer's full name: P"),
        ("en", "receipt", "Bank transaction ID: <code>T</code>"),
        ("en", "bill-details", "Payer's full name:</b> P"),
        ("en", "payment-link", "the bank's payment page"),
        ("en", "document-languages", "The official text of “D” exists"),
        ("ru", "receipt", "Номер транзакции в банке: <code>T</code>"),
        ("ru", "payment-link", "на платёжной странице банка"),
    ],
)
def test_citizens_read_no_jargon_and_one_label_for_the_payer(language, message_id, expected):
    text = l10n[language](
        message_id, payer="P", transaction="T", title="D", languages="ky", amount="A", expires="E"
    )
    assert expected in text
    assert "«" not in text or language != "en"
    assert "acquirer" not in text.lower() and "эквайер" not in text.lower()


def test_the_language_buttons_keep_one_order():
    buttons = [row[0].text for row in keyboards.languages().inline_keyboard]
    assert buttons == ["Кыргызча", "Русский", "English"]


def test_the_official_texts_are_shown_clean_and_downloaded_verbatim():
    auction = document(DocumentKind.AUCTION_PRIVACY_POLICY, "ky")
    assert auction.text.startswith("Call Center: 119\nRU\n")
    assert auction.readable.startswith("Онлайн-аукцион системасынын конфиденциалдуулук саясаты\n")
    policy = document(DocumentKind.PRIVACY_POLICY, "ru")
    assert "<https://payment.infocom.kg>" in policy.text
    assert "<https://" not in policy.readable
    assert "сайта https://payment.infocom.kg\n" in policy.readable
    for kind in DocumentKind:
        for language in ("ky", "ru"):
            found = document(kind, language)
            if found is not None:  # the words are the operator's, only the residue goes
                words = re.sub(r"[<>\s]", "", found.readable)
                assert words in re.sub(r"[<>\s]", "", found.text)


DESCRIPTIONS = {"setMyDescription": 512, "setMyShortDescription": 120}


async def test_the_bot_says_whose_it_is_in_three_languages(harness):
    for method, limit in DESCRIPTIONS.items():
        field = "description" if method == "setMyDescription" else "short_description"
        calls = harness.telegram.calls_to(method)
        by_language = {call.params.get("language_code"): call.params[field] for call in calls}
        assert set(by_language) == {"ky", "ru", "en", None}
        assert by_language[None] == by_language["en"]
        for language, text in by_language.items():
            assert 0 < len(text) <= limit
            assert ("Инфоком" if language in ("ky", "ru") else "Infocom") in text
    harness.telegram.assert_clean()


async def test_a_refused_description_does_not_stop_the_start(telegram, tmp_path):
    telegram.fail_next("setMyDescription", status=400, description="Bad Request: try later")
    harness = AppHarness(telegram, f"sqlite+aiosqlite:///{tmp_path / 'd.sqlite3'}")
    await harness.start()
    try:
        client = harness.client(user_id=9901, language_code="en")
        await client.send("/help")
        assert "/pay" in client.last_text()  # the bot answers
    finally:
        await harness.stop()
    assert telegram.calls_to("setMyCommands")  # the menu before it was set all the same


async def test_the_fake_telegram_holds_descriptions_to_the_api_limits() -> None:
    async with FakeTelegram() as telegram:
        bot: Bot = make_bot(telegram)
        try:
            assert await bot.set_my_short_description("x" * 120, language_code="ky") is True
            assert (await bot.get_my_short_description("ky")).short_description == "x" * 120
            with pytest.raises(TelegramBadRequest):
                await bot.set_my_description("x" * 513, language_code="ky")
        finally:
            await bot.session.close()
        assert any("setMyDescription" in v and "512" in v for v in telegram.violations)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_alert_with_a_deadline_fits_telegrams_200_characters(language):
    assert len(l10n[language].plain("cancel-page-open", expires=MOMENT)) <= 200


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_card_page_writes_the_amount_as_the_chat_does(harness, language):
    from tests.test_flow import AMOUNT, payment_url, walk_to_bill

    client = harness.client(user_id=8300 + LANGUAGES.index(language), language_code=language)
    await walk_to_bill(client, language)
    await client.click(l10n[language].plain("button-pay"))
    url = payment_url(client.last_text())
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        page = html.unescape(await response.text())
    assert page.count(AMOUNT[language]) == 2  # the order's amount and the Pay button
    assert "1 250.00 KGS" not in page
