"""Tests of the fake Telegram Bot API server, driven through a real aiogram Bot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler

from tests.fakes.telegram_api import ApiCall, FakeFile, FakeTelegram, parse_html

CHAT = 1001


def make_bot(tg: FakeTelegram, token: str | None = None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url))
    return Bot(token or tg.token, session=session, default=DefaultBotProperties(parse_mode="HTML"))


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = make_bot(tg)
    yield bot
    await bot.session.close()


def keyboard(**button: Any) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Go", **button)]])


async def raw_call(tg: FakeTelegram, method: str, data: dict[str, str]) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{tg.base_url}/bot{tg.token}/{method}", data=data) as resp,
    ):
        body: dict[str, Any] = await resp.json()
        return body


# -- recording ---------------------------------------------------------------------------------


async def test_send_message_with_inline_keyboard_is_recorded(tg: FakeTelegram, bot: Bot) -> None:
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="Pay", callback_data="pay:42")],
            [InlineKeyboardButton(text="Site", url="https://infocom.kg/pay")],
        ]
    )

    first = await bot.send_message(CHAT, "<b>Code</b> &lt;123&gt;", reply_markup=markup)
    second = await bot.send_message(CHAT, "again")

    assert first.message_id == 1
    assert second.message_id == 2
    assert first.text == "Code <123>"
    assert first.entities is not None
    assert [(e.type, e.offset, e.length) for e in first.entities] == [("bold", 0, 4)]
    assert first.from_user is not None and first.from_user.username == "infocom_pay_test_bot"
    assert first.chat.type == "private"
    assert first.reply_markup is not None
    assert first.reply_markup.model_dump() == markup.model_dump()

    [call, _] = tg.calls_to("sendmessage", chat_id=CHAT)
    assert isinstance(call, ApiCall)
    assert call.method == "sendMessage"
    assert call.chat_id == CHAT
    assert call.text == "<b>Code</b> &lt;123&gt;"
    assert call.params["parse_mode"] == "HTML"
    assert call.params["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Pay", "callback_data": "pay:42"}],
            [{"text": "Site", "url": "https://infocom.kg/pay"}],
        ]
    }
    assert call.response["message_id"] == 1
    assert [c.text for c in tg.sent_messages(CHAT)] == ["<b>Code</b> &lt;123&gt;", "again"]
    assert tg.sent_messages(CHAT + 1) == []
    assert tg.violations == []
    tg.assert_clean()


async def test_get_me_answers_the_bot_user(bot: Bot) -> None:
    me = await bot.get_me()

    assert (me.id, me.is_bot, me.username) == (123456, True, "infocom_pay_test_bot")
    assert me.can_join_groups is True


async def test_send_document_arrives_as_fake_file(tg: FakeTelegram, bot: Bot) -> None:
    pdf = b"%PDF-1.4 receipt"

    sent = await bot.send_document(
        CHAT, BufferedInputFile(pdf, filename="receipt.pdf"), caption="<i>Receipt</i>"
    )

    [call] = tg.calls_to("sendDocument")
    document = call.params["document"]
    assert isinstance(document, FakeFile)
    assert (document.filename, document.content) == ("receipt.pdf", pdf)
    assert call.text == "<i>Receipt</i>"
    assert sent.document is not None
    assert (sent.document.file_name, sent.document.file_size) == ("receipt.pdf", len(pdf))
    assert sent.caption == "Receipt"
    tg.assert_clean()


async def test_set_my_commands_per_language(tg: FakeTelegram, bot: Bot) -> None:
    scope = BotCommandScopeChat(chat_id=CHAT)
    ru = [
        BotCommand(command="start", description="Начать"),
        BotCommand(command="pay_code", description="Оплатить код"),
    ]

    assert await bot.set_my_commands(ru, scope=scope, language_code="ru") is True

    [call] = tg.calls_to("setMyCommands")
    assert call.params == {
        "commands": [
            {"command": "start", "description": "Начать"},
            {"command": "pay_code", "description": "Оплатить код"},
        ],
        "scope": {"type": "chat", "chat_id": CHAT},
        "language_code": "ru",
    }
    answered = await bot.get_my_commands(scope=scope, language_code="ru")
    assert [(c.command, c.description) for c in answered] == [
        ("start", "Начать"),
        ("pay_code", "Оплатить код"),
    ]
    assert await bot.get_my_commands(scope=scope, language_code="ky") == []
    assert await bot.get_my_commands() == []
    tg.assert_clean()


async def test_bad_bot_command_is_a_violation(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Pay-Now", description="Pay")])

    assert tg.violations == [
        "setMyCommands: commands[0].command: BOT_COMMAND_INVALID: 'Pay-Now' must be 1-32 "
        "characters of a-z, 0-9 and _"
    ]


# -- violations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "markup", "expected"),
    [
        pytest.param(
            "Sum < 100",
            None,
            'text: can\'t parse entities: unescaped "<" at byte offset 4',
            id="bare-lt",
        ),
        pytest.param(
            "Tom & Jerry",
            None,
            'text: can\'t parse entities: unescaped "&" at byte offset 4',
            id="bare-amp",
        ),
        pytest.param("a&nbsp;b", None, 'unescaped "&"', id="unsupported-named-entity"),
        pytest.param(
            "<b>bold</i>",
            None,
            'Unmatched end tag at byte offset 7, expected "</b>"',
            id="mismatched-tags",
        ),
        pytest.param(
            "<u>open", None, 'Can\'t find end tag corresponding to start tag "u"', id="unclosed"
        ),
        pytest.param("<font>x</font>", None, 'Unsupported start tag "font"', id="unknown-tag"),
        pytest.param(
            "x" * 4097,
            None,
            "text: message is too long: 4097 characters after entities parsing, must be 1-4096",
            id="too-long",
        ),
        pytest.param("<b> </b>", None, "text: message text is empty", id="empty-after-parse"),
        pytest.param(
            "ok",
            keyboard(callback_data="a" * 65),
            "reply_markup.inline_keyboard[0][0].callback_data: BUTTON_DATA_INVALID: 65 bytes",
            id="callback-data-65-bytes",
        ),
        pytest.param(
            "ok",
            keyboard(callback_data="ж" * 33),
            "BUTTON_DATA_INVALID: 66 bytes",
            id="callback-data-counts-utf8-bytes",
        ),
        pytest.param(
            "ok",
            keyboard(url="http://localhost:8080/pay"),
            "reply_markup.inline_keyboard[0][0].url: BUTTON_URL_INVALID: "
            "'http://localhost:8080/pay': host 'localhost' is not a public host",
            id="localhost-url",
        ),
        pytest.param(
            "ok", keyboard(url="https://intranet/pay"), "BUTTON_URL_INVALID", id="dotless-host"
        ),
        pytest.param(
            "ok", keyboard(url="ftp://example.com/x"), "BUTTON_URL_INVALID", id="ftp-scheme"
        ),
        pytest.param(
            "ok",
            keyboard(),
            "text buttons are unallowed in the inline keyboard",
            id="button-without-action",
        ),
        pytest.param(
            "ok",
            keyboard(callback_data="x", url="https://example.com"),
            "exactly one action field, got url, callback_data",
            id="two-actions",
        ),
    ],
)
async def test_violations_are_recorded_and_answered_400(
    tg: FakeTelegram, bot: Bot, text: str, markup: InlineKeyboardMarkup | None, expected: str
) -> None:
    with pytest.raises(TelegramBadRequest) as raised:
        await bot.send_message(CHAT, text, reply_markup=markup)

    assert "Bad Request: " in raised.value.message
    assert expected in raised.value.message
    assert len(tg.violations) >= 1
    assert all(v.startswith("sendMessage: ") for v in tg.violations)
    assert any(expected in v for v in tg.violations)
    assert tg.sent_messages() == []
    assert tg.messages == {}
    [call] = tg.calls
    assert call.error is not None and call.error["error_code"] == 400
    with pytest.raises(AssertionError, match="Telegram API violation"):
        tg.assert_clean()


@pytest.mark.parametrize(
    "text",
    [
        "x" * 4096,
        "&amp;" * 4096,  # 20480 characters of HTML, 4096 after entity parsing
        '<a href="https://example.com/?a=1&b=2">link</a> &#39;quoted&#x27; &quot;q&quot;',
        '<b>b<i>bi<u>biu</u></i></b> <tg-spoiler>s</tg-spoiler> <span class="tg-spoiler">s</span>',
        '<pre><code class="language-python">print("&lt;hi&gt;")</code></pre>',
        "<blockquote expandable>quote</blockquote> <code>x &lt; y</code> <s>old</s>",
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
    ],
)
async def test_valid_html_passes(tg: FakeTelegram, bot: Bot, text: str) -> None:
    sent = await bot.send_message(CHAT, text)

    assert sent.message_id == 1
    tg.assert_clean()


async def test_non_strict_mode_records_but_answers_normally() -> None:
    async with FakeTelegram(strict=False) as tg:
        bot = make_bot(tg)
        try:
            sent = await bot.send_message(CHAT, "1 < 2 & 3")
        finally:
            await bot.session.close()

    assert sent.text == "1 < 2 & 3"
    assert len(tg.violations) == 2
    assert tg.calls[0].error is None


async def test_missing_required_and_wrong_types(tg: FakeTelegram) -> None:
    missing = await raw_call(tg, "sendMessage", {"chat_id": "5"})
    wrong = await raw_call(
        tg,
        "sendMessage",
        {
            "chat_id": "5",
            "text": "hi",
            "message_thread_id": "abc",
            "disable_notification": "yes",
            "reply_markup": "not json",
        },
    )
    numeric_string = await raw_call(tg, "sendMessage", {"chat_id": "-100123", "text": "hi"})

    assert missing == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: text: required field is missing",
    }
    assert wrong["error_code"] == 400
    assert tg.violations == [
        "sendMessage: text: required field is missing",
        "sendMessage: message_thread_id: expected Integer, got string 'abc'",
        "sendMessage: disable_notification: expected Boolean, got string 'yes'",
        "sendMessage: reply_markup: expected InlineKeyboardMarkup or ReplyKeyboardMarkup or "
        "ReplyKeyboardRemove or ForceReply, got string 'not json'",
    ]
    assert numeric_string["ok"] is True
    assert numeric_string["result"]["chat"] == {
        "id": -100123,
        "type": "group",
        "title": "Test group",
    }
    assert tg.calls[2].params["chat_id"] == -100123


async def test_unknown_method_and_field_are_warnings(tg: FakeTelegram) -> None:
    unknown_field = await raw_call(
        tg, "sendMessage", {"chat_id": "5", "text": "hi", "shiny_new_field": "1"}
    )
    unknown_method = await raw_call(tg, "doSomethingNew", {"x": "1"})

    assert unknown_field["ok"] is True
    assert unknown_method == {"ok": True, "result": True}
    assert tg.violations == []
    assert tg.warnings == [
        "sendMessage: shiny_new_field: unknown field, not in Bot API 10.1 sendMessage",
        "doSomethingNew: unknown method (not in Bot API 10.1); answered True",
    ]


async def test_wrong_token_is_unauthorized(tg: FakeTelegram) -> None:
    intruder = make_bot(tg, token="999:WRONG")
    try:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await intruder.get_me()
    finally:
        await intruder.session.close()

    assert tg.violations == ["getMe: request with a wrong bot token (answered 401 Unauthorized)"]
    assert tg.calls == []


# -- fault injection ---------------------------------------------------------------------------


async def test_fail_next_429_raises_retry_after(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next(
        "sendMessage", status=429, description="Too Many Requests: retry after 7", retry_after=7
    )

    with pytest.raises(TelegramRetryAfter) as raised:
        await bot.send_message(CHAT, "hi")
    retried = await bot.send_message(CHAT, "hi")

    assert raised.value.retry_after == 7
    assert "Too Many Requests" in raised.value.message
    assert retried.message_id == 1
    assert [c.error for c in tg.calls_to("sendMessage")] == [
        {
            "error_code": 429,
            "description": "Too Many Requests: retry after 7",
            "parameters": {"retry_after": 7},
        },
        None,
    ]


async def test_fail_next_403_raises_forbidden_times(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next(
        "sendMessage", status=403, description="Forbidden: bot was blocked by the user", times=2
    )

    for _ in range(2):
        with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
            await bot.send_message(CHAT, "hi")
    assert (await bot.send_message(CHAT, "hi")).message_id == 1
    assert (await bot.get_me()).id == 123456


async def test_fail_next_status_zero_drops_the_connection(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next("getMe", status=0, description="")

    with pytest.raises(TelegramNetworkError):
        await bot.get_me()

    assert (await bot.get_me()).id == 123456
    assert tg.calls[0].error == {"error_code": 0, "description": "connection dropped"}


async def test_rate_limit_throttles_per_chat_and_overall() -> None:
    now = [1000.0]
    async with FakeTelegram(rate_limit=True) as tg:
        tg.clock = lambda: now[0]
        bot = make_bot(tg)
        try:
            await bot.send_message(1, "first")
            with pytest.raises(TelegramRetryAfter) as raised:
                await bot.send_message(1, "too soon")
            for chat in range(2, 31):  # 29 more chats: 30 messages within one second
                await bot.send_message(chat, "hi")
            with pytest.raises(TelegramRetryAfter):
                await bot.send_message(31, "31st within a second")
            now[0] += 1.0
            await bot.send_message(31, "a second later")
            await bot.send_message(1, "chat 1 again")
            await bot.get_me()  # not a message: never throttled
        finally:
            await bot.session.close()

    assert raised.value.retry_after == 1
    assert tg.throttled == 2
    assert len(tg.sent_messages()) == 32
    assert [c.error["error_code"] for c in tg.calls if c.error] == [429, 429]


# -- updates and webhooks ----------------------------------------------------------------------


def message_update(text: str, message_id: int = 1) -> dict[str, Any]:
    return {
        "message": {
            "message_id": message_id,
            "date": int(time.time()),
            "text": text,
            "chat": {"id": CHAT, "type": "private", "first_name": "Aibek"},
            "from": {"id": CHAT, "is_bot": False, "first_name": "Aibek"},
        }
    }


async def test_get_updates_returns_pushed_updates_and_respects_offset(
    tg: FakeTelegram, bot: Bot
) -> None:
    tg.push_update(message_update("/start", 1))
    tg.push_update(message_update("hello", 2))

    everything = await bot.get_updates()
    after_first = await bot.get_updates(offset=everything[0].update_id + 1)
    still_remaining = await bot.get_updates()
    drained = await bot.get_updates(offset=everything[1].update_id + 1, timeout=0)

    assert [u.update_id for u in everything] == [1, 2]
    assert [u.message.text for u in everything if u.message] == ["/start", "hello"]
    assert [u.update_id for u in after_first] == [2]
    assert [u.update_id for u in still_remaining] == [2]  # update 1 was confirmed by the offset
    assert drained == []


async def test_get_updates_long_polls(tg: FakeTelegram, bot: Bot) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    assert not poll.done()
    tg.push_update({"update_id": 50, **message_update("late")})

    updates = await asyncio.wait_for(poll, 5)

    assert [u.update_id for u in updates] == [50]
    assert time.monotonic() - started < 5
    tg.push_update(message_update("next"))
    assert [u.update_id for u in await bot.get_updates(offset=51)] == [51]


async def test_get_updates_times_out_empty(bot: Bot) -> None:
    started = time.monotonic()

    assert await bot.get_updates(timeout=1) == []
    assert 0.9 <= time.monotonic() - started < 3


async def test_stop_ends_a_pending_long_poll(tg: FakeTelegram, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.2)
    started = time.monotonic()

    await tg.stop()

    assert await asyncio.wait_for(poll, 5) == []
    assert time.monotonic() - started < 3


async def test_webhook_set_info_delete(tg: FakeTelegram, bot: Bot) -> None:
    await bot.set_webhook("https://pay.example.kg/tg/webhook", secret_token="s3cr3t-Token_1")

    assert tg.webhook is not None
    assert tg.webhook["url"] == "https://pay.example.kg/tg/webhook"
    assert tg.webhook["secret_token"] == "s3cr3t-Token_1"
    assert (await bot.get_webhook_info()).url == "https://pay.example.kg/tg/webhook"
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()

    await bot.delete_webhook()

    assert tg.webhook is None
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates() == []


async def test_webhook_must_be_https(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="bad webhook"):
        await bot.set_webhook("http://pay.example.kg/hook")

    assert tg.webhook is None
    assert len(tg.violations) == 1


# -- message state -----------------------------------------------------------------------------


async def test_edit_identical_message_is_not_modified(tg: FakeTelegram, bot: Bot) -> None:
    markup = keyboard(callback_data="confirm")
    sent = await bot.send_message(CHAT, "<b>Total</b>: 100 KGS", reply_markup=markup)

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "<b>Total</b>: 100 KGS", chat_id=CHAT, message_id=sent.message_id, reply_markup=markup
        )
    edited = await bot.edit_message_text(
        "<b>Total</b>: 200 KGS", chat_id=CHAT, message_id=sent.message_id
    )

    assert isinstance(edited, object) and getattr(edited, "text", None) == "Total: 200 KGS"
    [stored] = tg.chat_messages(CHAT)
    assert stored["text"] == "Total: 200 KGS"
    assert "reply_markup" not in stored  # editMessageText without reply_markup removes it
    tg.assert_clean()


async def test_edit_and_delete_unknown_messages(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=77)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(CHAT, 77)

    sent = await bot.send_message(CHAT, "bye")
    assert await bot.delete_message(CHAT, sent.message_id) is True
    assert tg.chat_messages(CHAT) == []
    tg.assert_clean()


async def test_pushed_user_messages_are_known_but_not_editable(tg: FakeTelegram, bot: Bot) -> None:
    tg.push_update(message_update("my code 123", message_id=10))

    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("changed", chat_id=CHAT, message_id=10)
    reply = await bot.send_message(CHAT, "got it")

    assert reply.message_id == 11
    assert await bot.delete_message(CHAT, 10) is True


async def test_edit_reply_markup(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "Pay?", reply_markup=keyboard(callback_data="pay"))

    edited = await bot.edit_message_reply_markup(chat_id=CHAT, message_id=sent.message_id)

    assert getattr(edited, "reply_markup", "missing") is None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=CHAT, message_id=sent.message_id)


async def test_answer_callback_query_text_limit(tg: FakeTelegram, bot: Bot) -> None:
    assert await bot.answer_callback_query("cb-1", text="Paid!") is True
    with pytest.raises(TelegramBadRequest, match="201 characters, must be 0-200"):
        await bot.answer_callback_query("cb-2", text="x" * 201)

    assert tg.calls_to("answerCallbackQuery")[0].params == {
        "callback_query_id": "cb-1",
        "text": "Paid!",
    }


async def test_a_webhook_answer_is_carried_out_in_each_content_type(
    tg: FakeTelegram, bot: Bot
) -> None:
    """JSON, a URL-encoded form, and aiogram's own multipart form (its webhook writer)."""
    method = AnswerCallbackQuery(callback_query_id="cb-3", text="Saved")
    writer = SimpleRequestHandler(Dispatcher(), bot)._build_response_writer(bot, method)
    chunks: list[bytes] = []

    class Sink:
        async def write(self, chunk: bytes) -> None:
            chunks.append(chunk)

    await writer.write(Sink())
    answers = [
        ("application/json", b'{"method": "answerCallbackQuery", "callback_query_id": "cb-1"}'),
        ("application/x-www-form-urlencoded", b"method=answerCallbackQuery&callback_query_id=cb-2"),
        (writer.content_type, b"".join(chunks)),
        ("application/json", b"{}"),  # nothing to carry out
        ("application/json", b'{"method": "answerCallbackQuery", "text": "no id"}'),
    ]
    calls = [await tg.take_webhook_answer(kind, body) for kind, body in answers]
    assert [call.params if call else None for call in calls[:4]] == [
        {"callback_query_id": "cb-1"},
        {"callback_query_id": "cb-2"},
        {"callback_query_id": "cb-3", "text": "Saved"},
        None,
    ]
    assert all(call.via_webhook and call.response is True for call in calls[:3])
    assert calls[4].violations and calls[4].response is None


# -- the HTML parser on its own ----------------------------------------------------------------


def test_parse_html_entities_use_utf16_offsets() -> None:
    parsed = parse_html('😀 <b>жирный</b> <a href="https://a.kg/?x=1&amp;y=2">ссылка</a>')

    assert parsed.errors == []
    assert parsed.text == "😀 жирный ссылка"
    assert parsed.entities == [
        {"type": "bold", "offset": 3, "length": 6},
        {"type": "text_link", "offset": 10, "length": 6, "url": "https://a.kg/?x=1&y=2"},
    ]


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("<span>x</span>", 'tag "span" at byte offset 0 must have class "tg-spoiler"'),
        ("<a>x</a>", 'tag "a" at byte offset 0 must have a non-empty href attribute'),
        ('<b class="x">y</b>', 'unsupported attribute "class" in tag "b"'),
        ("a > b", 'unescaped ">" at byte offset 2'),
        ("<br/>", 'Unsupported start tag "br"'),
        ("<pre><b>x</b></pre>", "entities can't be nested inside pre or code"),
        ("x</b>", 'Unexpected end tag "b" at byte offset 1'),
        ("&#0;", 'unescaped "&"'),
    ],
)
def test_parse_html_rejects(source: str, error: str) -> None:
    assert any(error in e for e in parse_html(source).errors), parse_html(source).errors
