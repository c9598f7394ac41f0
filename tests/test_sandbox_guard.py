"""The sandbox takes no money: it stays on this machine unless given its own secret, never
confirms a real billing's bills, and its card page takes only forms it served (issue 16)."""

import aiohttp
import pytest

from bot.settings import Settings
from core.statuses import PaymentStatus
from tests.test_callbacks import open_payment
from tests.test_flow import l10n, pay_on_page

REAL_BILLING = {"billing": "http", "billing_api_url": "https://billing.infocom.kg/api/"}


@pytest.mark.parametrize(
    "where",
    [
        {"http_host": "0.0.0.0"},  # noqa: S104 (what is refused)
        {"http_host": "10.0.0.5"},
        {"public_base_url": "http://192.168.1.5:8080"},
        {"public_base_url": "http://pay.example.kg"},
    ],
)
def test_the_published_secret_stays_on_loopback(where):
    with pytest.raises(ValueError, match="SANDBOX_SECRET of its own"):
        Settings(_env_file=None, **where)
    assert Settings(_env_file=None, sandbox_secret="staging-only", **where)


@pytest.mark.parametrize(
    "where",
    [
        {},
        {"http_host": "::1", "public_base_url": "http://[::1]:8080"},
        {"http_host": "127.0.0.2", "public_base_url": "http://localhost:8080"},
    ],
)
def test_loopback_needs_no_secret(where):
    assert Settings(_env_file=None, **where).acquirer == "sandbox"


@pytest.mark.parametrize("secret", [{}, {"sandbox_secret": "staging-only"}])
def test_never_beside_a_real_billing(secret):
    with pytest.raises(ValueError, match="real billing"):
        Settings(_env_file=None, **REAL_BILLING, **secret)
    fake_billing = {"billing": "http", "billing_api_url": "http://127.0.0.1:9/"}
    assert Settings(_env_file=None, **fake_billing, **secret)  # a local stand-in is fine
    freedompay = {"acquirer": "freedompay", "freedompay_merchant_id": "1"}
    assert Settings(_env_file=None, **REAL_BILLING, **freedompay, freedompay_secret_key="k")


async def _post_form(url: str, form: dict[str, str], cookies: dict[str, str]) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), cookies=cookies) as http,
        http.post(url, data=form, headers={"Origin": "https://evil.example"}) as response,
    ):
        return response.status, await response.text()


CARD = {"card_number": "4242424242424242", "expiry": "12/30", "cvc": "123", "holder": "A B"}


async def test_a_form_sent_from_another_site_is_refused(harness):
    payment = await open_payment(harness, 6400)
    url = f"http://127.0.0.1:{harness.port}/sandbox/pay/{payment.order_id}"
    stale = l10n["ru"].plain("sandbox-stale-form")
    # Another site can post the form, with a token it made up or one it fetched itself, but
    # the browser sends it no cookie of ours (SameSite=Strict).
    for form, cookies in [
        (CARD, {}),
        (CARD | {"csrf": "x" * 22}, {}),
        (CARD, {"sandbox_csrf": ""}),
    ]:
        status, text = await _post_form(url, form, cookies)
        assert status == 403 and stale in text
    assert (await harness.app.payment_records.by_order(payment.order_id)).status == (
        PaymentStatus.CREATED
    )
    # A token that is not the cookie's.
    status, _ = await _post_form(url, CARD | {"csrf": "a" * 22}, {"sandbox_csrf": "b" * 22})
    assert status == 403
    # The page's own form, in a browser that opened it, pays.
    assert l10n["ru"].plain("sandbox-approved") in await pay_on_page(url)


async def test_the_page_sets_a_strict_cookie(harness):
    payment = await open_payment(harness, 6401)
    url = f"http://127.0.0.1:{harness.port}/sandbox/pay/{payment.order_id}"
    async with aiohttp.ClientSession() as http, http.get(url) as page:
        cookie = page.cookies["sandbox_csrf"]
        assert cookie["samesite"] == "Strict" and cookie["httponly"]
        assert cookie["path"] == f"/sandbox/pay/{payment.order_id}"
        assert f'name="csrf" value="{cookie.value}"' in await page.text()
