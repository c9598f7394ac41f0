"""Policy texts in chat, consent on record, /mydata and /forget, the card guard, the look-up
limit and masked names."""

import json
import re

import pytest
from sqlalchemy import select

import ui.official_texts as documents
from payments.limits import (
    Limit,
    Limited,
    LookupLimiter,
    LookupPolicy,
    MemoryWindows,
    RedisWindows,
    Ticket,
)
from storage.models import Consent, Payment, User
from tests.card_digits import shows_test_card
from tests.test_flow import CODE, l10n, pay_code, plain, walk_to_bill
from ui.formats import format_date
from ui.official_texts import DocumentKind, document
from ui.seal import ButtonSeal

ALL_TEXTS = [
    (DocumentKind.PRIVACY_POLICY, "ky"),
    (DocumentKind.PRIVACY_POLICY, "ru"),
    (DocumentKind.USER_AGREEMENT, "ky"),
    (DocumentKind.USER_AGREEMENT, "ru"),
    (DocumentKind.AUCTION_PRIVACY_POLICY, "ky"),
]


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("interface", ["ky", "ru", "en"])
async def test_every_document_is_delivered_in_full_page_by_page(harness, interface):
    t = l10n[interface]
    client = harness.client(user_id=8800 + len(interface), language_code=interface)
    await client.send("/start")
    await client.click({"ky": "Кыргызча", "ru": "Русский", "en": "English"}[interface])
    for kind, language in ALL_TEXTS:
        await client.send("/documents")
        await client.click(t.plain(kind.value))
        if document(kind, interface) is None or interface != language:
            if document(kind, interface) is not None:
                continue  # shown in the interface language; the other one is reached below
            only = "ky" if kind is DocumentKind.AUCTION_PRIVACY_POLICY else "ky-ru"
            title = t.plain(kind.value)
            assert client.last_text() == plain(t, "document-languages", title=title, languages=only)
            await client.click({"ky": "Кыргызча", "ru": "Русский"}[language])
        pages = []
        while True:
            page = client.last_text()
            assert len(page) <= 4096
            header, _, body = page.partition("\n\n")
            assert format_date(document(kind, language).effective, interface) in header
            pages.append(body)
            try:
                await client.click(t.plain("button-next"))
            except AssertionError:
                break
            if client.last_text() == page:
                break
        assert len(pages) >= 2  # every text is longer than one message
        # the operator's words without the site's residue; the file is the verbatim text
        assert normalised("\n".join(pages)) == normalised(document(kind, language).readable)
        assert "Call Center" not in pages[0] and "<https://" not in "".join(pages)
        await client.click(t.plain("button-as-file"))
        sent = harness.telegram.calls_to("sendDocument", chat_id=client.user_id)[-1]
        assert sent.params["document"].content.decode("utf-8") == document(kind, language).text
        assert format_date(document(kind, language).effective, interface) in sent.params["caption"]


async def test_consent_records_and_asking_again_after_a_new_version(harness, tmp_path, monkeypatch):
    t = l10n["ru"]
    client = harness.client(user_id=8900)
    await walk_to_bill(client, "ru")
    async with harness.app.sessions() as session:
        records = list(await session.scalars(select(Consent).where(Consent.user_id == 8900)))
    assert {(r.document, r.version, r.language, r.action) for r in records} == {
        ("privacy-policy", "2026-11-23", "ru", "agree"),
        ("user-agreement", "2026-11-23", "ru", "agree"),
    }
    assert {r.sha256 for r in records} == {
        document(DocumentKind.PRIVACY_POLICY, "ru").sha256,
        document(DocumentKind.USER_AGREEMENT, "ru").sha256,
    }
    await client.send("132026149595")
    assert "IVANOV SERGEI" in client.last_text()  # the same versions: not asked again

    # The operator publishes a new text of the privacy policy.
    for path in documents.DOCUMENTS_DIR.glob("*.txt"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    changed = tmp_path / "privacy-policy.ru.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nНовый пункт.", encoding="utf-8")
    monkeypatch.setattr(documents, "DOCUMENTS_DIR", tmp_path)
    documents.document.cache_clear()
    try:
        await client.send("132026149595")
        assert client.find_button(t.plain("button-agree"))
        assert "IVANOV" not in client.last_text()
    finally:
        documents.document.cache_clear()


async def test_mydata_and_forget(harness):
    t = l10n["en"]
    client = harness.client(user_id=9000, language_code="en")
    await pay_code(client, "en")

    await client.send("/mydata")
    sent = harness.telegram.calls_to("sendDocument", chat_id=9000)[-1]
    data = json.loads(sent.params["document"].content)
    assert data["language"] == "en"
    assert [c["action"] for c in data["consents"]] == ["agree", "agree"]
    assert data["payments"][0]["payer"] == "ASANOV A****"
    assert data["payments"][0]["card"] == "424242******4242"
    assert data["payments"][0]["receipt_number"]
    assert "ASANOV ASAN" not in sent.params["document"].content.decode()

    await client.send("/forget")
    assert client.last_text() == plain(t, "forget-confirm")
    await client.click(t.plain("button-forget"))
    async with harness.app.sessions() as session:
        assert await session.get(User, 9000) is None
        actions = [
            c.action
            for c in await session.scalars(
                select(Consent).where(Consent.user_id == 9000).order_by(Consent.id)
            )
        ]
        payment = await session.scalar(select(Payment))
    assert actions == ["agree", "agree", "withdraw", "withdraw"]
    assert payment.user_id is None and payment.chat_id is None and payment.status == "paid"

    await client.send("/start")  # a stranger again: language first
    assert client.last_text() == plain(t, "language-choose")
    await client.click("English")
    await client.send("132026149595")
    assert client.find_button(t.plain("button-agree"))  # consent asked again


@pytest.mark.parametrize("text", ["4242 4242 4242 4242", "card: 5555-5555-5555-4444 12/30"])
async def test_a_card_number_is_deleted_and_the_user_warned(harness, text, caplog):
    t = l10n["ru"]
    client = harness.client(user_id=9100)
    await client.send("/start")
    await client.click("Русский")
    await client.send(text)
    deleted = harness.telegram.calls_to("deleteMessage", chat_id=9100)
    assert len(deleted) == 1
    assert client.last_text() == plain(t, "card-number-warning")
    assert text not in caplog.text and text.replace(" ", "") not in caplog.text


async def test_a_card_number_put_in_by_editing_a_message_is_deleted(harness, caplog):
    t = l10n["ru"]
    client = harness.client(user_id=9110)
    await client.send("/start")
    await client.click("Русский")
    await client.send("1120 2611 791")
    await client.edit_last("4242 4242 4242 4242")
    deleted = harness.telegram.calls_to("deleteMessage", chat_id=9110)
    assert [call.params["message_id"] for call in deleted] == [client.sent.message.message_id]
    assert client.last_text() == plain(t, "card-number-warning")
    assert not shows_test_card(caplog.text)


async def test_a_code_corrected_by_editing_the_message_is_read_again(harness):
    t = l10n["ru"]
    client = harness.client(user_id=9120)
    await client.send("/start")
    await client.click("Русский")
    await client.send("1120 2611 791")
    assert client.last_text() == plain(t, "code-unknown")
    await client.edit_last(CODE)
    assert client.find_button(t.plain("button-agree"))


@pytest.mark.parametrize("text", [CODE, "1120-2611-7919", "+996 555 123 456", "21503199012345"])
async def test_codes_phones_and_personal_numbers_pass_the_guard(harness, text):
    client = harness.client(user_id=9200)
    await client.send("/start")
    await client.click("Русский")
    await client.send(text)
    assert not harness.telegram.calls_to("deleteMessage", chat_id=9200)
    assert client.last_text() != plain(l10n["ru"], "card-number-warning")


async def test_unknown_codes_make_the_user_wait(harness):
    t = l10n["ru"]
    client = harness.client(user_id=9300)
    await client.send("/start")
    await client.click("Русский")
    for n in range(5):
        await client.send(f"11000000000{n}")
        assert client.last_text() == plain(t, "code-unknown")
    await client.send(CODE)  # even a real code waits now
    assert client.last_text() == plain(t, "lookup-wait", minutes=15)
    other = harness.client(user_id=9301)  # another user is not affected
    await other.send("/start")
    await other.click("Русский")
    await other.send("110000000009")
    assert other.last_text() == plain(t, "code-unknown")


async def limits_overall_too(windows) -> None:
    policy = LookupPolicy(unknown_per_user=2, lookups_per_user=3, lookups_overall=5)
    limiter = LookupLimiter(windows, policy)
    for _ in range(2):
        ticket = await limiter.admit(1)
        assert isinstance(ticket, Ticket)
        await limiter.unknown_code(ticket)
    refused = await limiter.admit(1)
    assert isinstance(refused, Limited) and refused.limit is Limit.UNKNOWN_CODES
    assert 890 < refused.wait_seconds <= 900
    tickets = [await limiter.admit(2) for _ in range(3)]  # known codes count too
    assert all(isinstance(ticket, Ticket) for ticket in tickets)
    refused = await limiter.admit(2)
    assert isinstance(refused, Limited) and refused.limit is Limit.USER_LOOKUPS
    assert 0 < refused.wait_seconds <= 60
    refused = await limiter.admit(3)  # five look-ups made in all
    assert isinstance(refused, Limited) and refused.limit is Limit.OVERALL
    await limiter.withdraw(tickets[0])  # not answered: it does not count
    assert isinstance(await limiter.admit(3), Ticket)
    refused = await limiter.admit(2)
    assert isinstance(refused, Limited) and refused.limit is Limit.OVERALL  # five again


async def test_limiter_in_memory():
    await limits_overall_too(MemoryWindows())


async def test_limiter_in_redis_is_shared_by_instances(redis_url):
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    try:
        await limits_overall_too(RedisWindows(redis))
    finally:
        await redis.aclose()


async def test_a_paid_code_shows_a_masked_receipt_before_consent(harness):
    payer = harness.client(user_id=9400)
    await pay_code(payer, "ru")

    stranger = harness.client(user_id=9401)
    await stranger.send("/start")
    await stranger.click("Русский")
    await stranger.send(CODE)
    assert "ASANOV A****" in stranger.last_text()
    assert "ASANOV ASAN" not in " ".join(stranger.texts())


async def test_forget_waits_while_a_payment_page_is_open(harness):
    """Erased with a payment page open, the user could pay and never get the receipt."""
    from datetime import timedelta

    from sqlalchemy import update

    from core.clock import utcnow

    t = l10n["ru"]
    client = harness.client(user_id=9050)
    await walk_to_bill(client, "ru")
    await client.click(t.plain("button-pay"))
    async with harness.app.sessions() as session:
        payment = await session.scalar(select(Payment).where(Payment.user_id == 9050))
    await client.send("/forget")
    await client.click(t.plain("button-forget"))
    assert client.last_text() == plain(t, "forget-payment-open", expires=payment.expires_at)
    async with harness.app.sessions() as session, session.begin():
        assert await session.get(User, 9050) is not None
        await session.execute(
            update(Payment)
            .where(Payment.id == payment.id)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    await client.send("/forget")
    await client.click(t.plain("button-forget"))
    assert client.last_text() == plain(t, "forget-done")


AUCTION_CODE = "172026157514"  # a plate won at the auction (demo)


async def test_an_auction_payer_also_agrees_to_the_auctions_privacy_policy(harness):
    """The site's policy and agreement do not name the auction; its own policy does."""
    from ui.official_texts import official_text

    t = l10n["ru"]
    client = harness.client(user_id=9060)
    await walk_to_bill(client, "ru")  # a passport: the site's two texts are agreed to
    await client.send(AUCTION_CODE)
    auction = official_text(DocumentKind.AUCTION_PRIVACY_POLICY, "ru")
    assert client.last_text().endswith(plain(t, "consent-ask-auction", version=auction.effective))
    await client.click(t.plain("button-read-auction"))  # Kyrgyz only: the choice is offered
    assert client.last_text() == plain(
        t, "document-languages", title=t.plain(auction.kind.value), languages="ky"
    )
    await client.send(AUCTION_CODE)
    await client.click(t.plain("button-agree"))
    assert client.find_button(t.plain("button-pay"))
    async with harness.app.sessions() as session:
        agreed = list(
            await session.scalars(
                select(Consent.document).where(Consent.user_id == 9060).order_by(Consent.id)
            )
        )
    assert agreed[2:] == ["privacy-policy", "user-agreement", "auction-privacy-policy"]
    await client.send(AUCTION_CODE)  # agreed now: straight to the bill
    buttons = client.messages()[-1]["reply_markup"]["inline_keyboard"]
    assert t.plain("button-pay") in [button["text"] for row in buttons for button in row]


async def test_pay_on_an_old_button_asks_for_the_auction_policy_before_the_link(harness):
    from ui.official_texts import official_text

    t = l10n["ru"]
    client = harness.client(user_id=9070)
    await walk_to_bill(client, "ru")  # the site's two texts are agreed to
    bill, _ = client.find_button(t.plain("button-pay"))
    tag = ButtonSeal.from_bot_token(harness.app.bot.token).tag(9070, AUCTION_CODE)
    await client.press_data(bill, f"bill:pay:{AUCTION_CODE}:{tag}")  # e.g. a bill from before
    auction = official_text(DocumentKind.AUCTION_PRIVACY_POLICY, "ru")
    assert client.last_text().endswith(plain(t, "consent-ask-auction", version=auction.effective))
    assert "/sandbox/pay/" not in " ".join(client.texts())
