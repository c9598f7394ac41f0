"""Everything from the chat reaches a look-up through one checked path: typed codes and
codes on buttons alike are normalised, sealed for the chat, limited and validated."""

import pytest
from aiogram.types import Chat, Message
from sqlalchemy import func, select

from storage.models import Consent, Payment
from tests.test_flow import CODE, l10n, payment_url, plain, walk_to_bill
from ui.seal import ButtonSeal

OTHER_CODE = "172026157514"  # someone else's unpaid bill (demo: a plate from the auction)
PAID_CODE = "112026165433"  # demo: paid


async def payments_count(harness) -> int:
    async with harness.app.sessions() as session:
        return await session.scalar(select(func.count()).select_from(Payment))


def alerts(calls) -> list[str]:
    return [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]


async def test_forged_bill_and_consent_buttons_are_stale(harness):
    """A code on a button is honoured only with the tag the bot made for this chat."""
    t = l10n["ru"]
    client = harness.client(user_id=9500)
    await walk_to_bill(client, "ru")
    bill, _ = client.find_button(t.plain("button-pay"))
    stranger_tag = ButtonSeal.from_bot_token(harness.app.bot.token).tag(9501, OTHER_CODE)
    own_tag = bill.reply_markup.inline_keyboard[0][0].callback_data.rsplit(":", 1)[1]
    before = client.texts()
    for data in (
        f"bill:pay:{OTHER_CODE}",  # no tag: the form of "Try again", for a code never opened
        f"bill:relink:{OTHER_CODE}",
        f"bill:pay:{OTHER_CODE}:{own_tag}",  # this chat's tag of another code
        f"bill:pay:{OTHER_CODE}:{stranger_tag}",  # another chat's tag
        f"bill:pay:{OTHER_CODE}:AAAAAAAAAAAA",
        f"bill:cancel:{OTHER_CODE}:AAAAAAAAAAAA",
        f"remind:{OTHER_CODE}:{stranger_tag}",  # the deadline reminder's opt-in
        f"remind:{OTHER_CODE}",
        f"rembill:{OTHER_CODE}:{own_tag}",  # a reminder's way back to the bill
        f"rembill:{OTHER_CODE}",
        f"consent:agree:{PAID_CODE}:{own_tag}",
        f"consent:agree_all:{OTHER_CODE}:AAAAAAAAAAAA",
        "bill:pay:1100200300?force=1#:AAAAAAAAAAAA",
        "bill:pay:1100200300?force=1#",
    ):
        calls = await client.press_data(bill, data)
        assert alerts(calls) == [t.plain("button-outdated")], data
        assert [c.method for c in calls] == ["answerCallbackQuery"], data
    assert client.texts() == before
    assert await payments_count(harness) == 0
    async with harness.app.sessions() as session:  # the agree press before, no other
        assert await session.scalar(select(func.count()).select_from(Consent)) == 2


async def test_genuine_buttons_still_work_and_try_again_is_checked_against_own_payments(harness):
    t = l10n["ru"]
    client = harness.client(user_id=9510)
    await walk_to_bill(client, "ru")
    await client.click(t.plain("button-pay"))
    assert payment_url(client.last_text())
    link, _ = client.find_button(t.plain("button-pay"))
    calls = await client.press_data(link, f"bill:pay:{CODE}")  # a "Try again" sent earlier
    assert alerts(calls) == [None]
    assert payment_url(client.last_text())
    other = harness.client(user_id=9511)
    await other.send("/start")
    await other.click("Русский")
    calls = await other.press_data(link, f"bill:relink:{CODE}")  # not their payment
    assert alerts(calls) == [t.plain("button-outdated")]
    assert await payments_count(harness) == 1


async def test_button_presses_count_toward_the_lookup_limits(harness):
    """A press looks the code up again: it waits as a typed code would."""
    t = l10n["ru"]
    client = harness.client(user_id=9520)
    await walk_to_bill(client, "ru")
    for n in range(5):
        await client.send(f"11000000000{n}")
    await client.click(t.plain("button-pay"))
    assert client.last_text() == plain(t, "lookup-wait", minutes=15)
    assert await payments_count(harness) == 0


async def test_every_lookup_counts_per_user_not_only_unknown_codes(harness):
    """One account looking up a known code again and again waits, before it could use up
    the overall limit for everyone."""
    t = l10n["ru"]
    client = harness.client(user_id=9530)
    await walk_to_bill(client, "ru")  # two look-ups: the code, and the bill after consent
    for _ in range(28):
        await client.send(CODE)
    assert "ASANOV ASAN" in client.last_text()
    await client.send(CODE)
    assert client.last_text() == plain(t, "lookup-too-often", minutes=1)
    other = harness.client(user_id=9531)
    await walk_to_bill(other, "ru")
    assert "ASANOV ASAN" in other.last_text()


async def test_an_unknown_code_of_card_length_is_not_repeated(harness):
    t = l10n["ru"]
    client = harness.client(user_id=9540)
    await client.send("/start")
    await client.click("Русский")
    await client.send("8600 0000 0000 1238")  # Luhn fails: not a card, and not a code we know
    assert client.last_text() == plain(t, "code-unknown")
    assert not any("8600" in text or "1238" in text for text in client.texts())


@pytest.mark.parametrize(
    "data",
    [
        "hist:99999999999999999999999",
        "hist:-1",
        "histr:9223372036854775808",
        "histr:-9223372036854775809",
        "histr:0",
        "doc:pp:de:0:1",
        "doc:pp:ru:99999999999999999999:1",
        "docfile:pp:xx",
        "docopen:zzz",
    ],
)
async def test_out_of_range_button_data_is_a_stale_button(harness, data):
    """Numbers beyond 64 bits used to raise OverflowError (SQLite) or look like an outage
    (PostgreSQL): now out-of-range data is answered as any stale button."""
    t = l10n["ru"]
    client = harness.client(user_id=9550)
    await client.send("/start")
    await client.click("Русский")
    message = Message.model_validate(client.messages()[-1])
    calls = await client.press_data(message, data)
    assert alerts(calls) == [t.plain("button-outdated")]


async def test_group_chats_are_told_to_write_privately_and_nothing_else(harness):
    """Everyone posting as a channel in a group is one Telegram user: a group is never
    served, so no name, receipt or personal data can reach it."""
    t = l10n["ru"]
    client = harness.client(user_id=9560)
    group = Chat(id=-100777, type="supergroup", title="Group")
    client.sim.chat = group
    before = len(harness.telegram.calls)
    for text in ("/history", "/mydata", CODE):
        await client.send(text)
    calls = harness.telegram.calls[before:]
    answered = [c for c in calls if c.method == "sendMessage"]
    assert [c.params["text"] for c in answered] == [t.plain("private-chat-only")] * 2
    assert all(str(c.params["chat_id"]) == "-100777" for c in answered)
    assert not [c for c in calls if c.method == "sendDocument"]

    calls = await client.press_data(client.sent.message, "hist:0")
    assert [(c.method, c.params.get("text")) for c in calls] == [
        ("answerCallbackQuery", t.plain("private-chat-only"))
    ]


async def test_a_payment_is_kept_under_the_billings_own_code(harness, monkeypatch):
    """The code asked and the code paid are the billing's: the one the receipt, the
    double-payment check and the confirmation use."""
    local = harness.app.payments.billing

    class OtherSpelling:  # a billing that knows the code by another spelling
        async def lookup(self, code: str):
            return await local.lookup(CODE)

        async def confirm_paid(self, confirmation) -> None:
            await local.confirm_paid(confirmation)

    monkeypatch.setattr(harness.app.payments, "billing", OtherSpelling())
    started = await harness.app.payments.start_payment(
        code="0" + CODE, user_id=9570, chat_id=9570, language="ru", description="test"
    )
    assert started.payment.payment_code == CODE
