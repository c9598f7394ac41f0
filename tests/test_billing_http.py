"""The HTTP billing client against a local fake billing that follows docs/billing-api.md."""

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from core.clock import utcnow
from core.money import Money
from core.services import Service
from core.statuses import BillStatus
from payments.billing import BillingUnavailable, PaidConfirmation
from payments.billing.http import HttpBilling

BILL = {
    "code": "112026117919",
    "payer_name": "ASANOV ASAN",
    "service": "id_card_2017",
    "amount": "1250.00",
    "currency": "KGS",
    "status": "unpaid",
    "expires_at": "2026-12-23T00:00:00Z",
}


class FakeBilling:
    def __init__(self) -> None:
        self.failures = 0  # how many requests answer 503 before the real answer
        self.confirmations: list[dict] = []
        self.tokens: list[str] = []
        self.paths: list[str] = []
        self.any_code = False  # answer the one bill whatever code is asked
        self.bill = BILL  # what a look-up of the bill's code answers

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/payment-codes/{code}", self.lookup)
        app.router.add_post("/payment-codes/{code}/payments", self.confirm)
        return app

    def _fail(self, request: web.Request) -> web.Response | None:
        self.tokens.append(request.headers.get("Authorization", ""))
        self.paths.append(request.raw_path)
        if self.failures:
            self.failures -= 1
            return web.Response(status=503)
        return None

    async def lookup(self, request: web.Request) -> web.Response:
        if failed := self._fail(request):
            return failed
        if request.match_info["code"] != BILL["code"] and not self.any_code:
            return web.json_response({"error": "not found"}, status=404)
        return web.json_response(self.bill)

    async def confirm(self, request: web.Request) -> web.Response:
        if failed := self._fail(request):
            return failed
        body = await request.json()
        known = any(c["order_id"] == body["order_id"] for c in self.confirmations)
        self.confirmations.append(body)
        return web.json_response({}, status=409 if known else 201)


@pytest.fixture
async def billing_server() -> AsyncIterator[tuple[FakeBilling, str]]:
    fake = FakeBilling()
    server = TestServer(fake.app())
    await server.start_server()
    yield fake, str(server.make_url("/"))
    await server.close()


@pytest.fixture
async def client(billing_server) -> AsyncIterator[HttpBilling]:
    _, url = billing_server
    billing = HttpBilling(url, "billing-token", timeout=2, retries=2, backoff=0.01)
    yield billing
    await billing.close()


async def test_lookup_reads_the_bill(billing_server, client):
    bill = await client.lookup("112026117919")
    assert bill.service is Service.ID_CARD_2017
    assert bill.amount == Money(125000, "KGS")
    assert bill.status is BillStatus.UNPAID
    assert bill.expires_at.tzinfo is not None
    assert billing_server[0].tokens == ["Bearer billing-token"]


async def test_unknown_code_is_none(client):
    assert await client.lookup("110000000000") is None


async def test_server_errors_are_retried(billing_server, client):
    billing_server[0].failures = 2
    assert (await client.lookup("112026117919")).payer_name == "ASANOV ASAN"
    assert len(billing_server[0].tokens) == 3


async def test_billing_down_is_unavailable(billing_server, client):
    billing_server[0].failures = 3
    with pytest.raises(BillingUnavailable):
        await client.lookup("112026117919")


async def test_unreachable_billing_is_unavailable():
    billing = HttpBilling("http://127.0.0.1:9", "t", timeout=0.5, retries=1, backoff=0.01)
    with pytest.raises(BillingUnavailable):
        await billing.lookup("112026117919")
    await billing.close()


async def test_confirmation_is_safe_to_repeat(billing_server, client):
    confirmation = PaidConfirmation(
        code="112026117919",
        order_id="TG1",
        transaction_id="SBX-1",
        amount=Money(125000, "KGS"),
        paid_at=utcnow(),
    )
    await client.confirm_paid(confirmation)
    await client.confirm_paid(confirmation)  # 409 is success too
    assert [c["amount"] for c in billing_server[0].confirmations] == ["1250.00", "1250.00"]


@pytest.mark.parametrize(
    "code",
    [
        "1100200300?force=1#",
        "../../api/internal/export",
        "112026117919/../../export",
        "112026117919 ",
        "١١٢٠٢٦١١٧٩١٩",
        "12345",
        "1" * 33,
    ],
)
async def test_what_is_not_a_code_never_reaches_the_billing(billing_server, client, code):
    assert await client.lookup(code) is None
    assert billing_server[0].paths == []


async def test_the_bill_of_another_code_is_refused(billing_server, client):
    billing_server[0].any_code = True
    with pytest.raises(BillingUnavailable):
        await client.lookup("112026117910")


async def test_a_code_is_one_quoted_path_segment(billing_server, client):
    confirmation = PaidConfirmation(
        code="11002003?force=1#",  # stored before codes were checked
        order_id="TG1",
        transaction_id="SBX-1",
        amount=Money(125000, "KGS"),
        paid_at=utcnow(),
    )
    await client.confirm_paid(confirmation)
    assert billing_server[0].paths == ["/payment-codes/11002003%3Fforce=1%23/payments"]


@pytest.mark.parametrize(
    "answer",
    [
        {**BILL, "payer_name": "A" * 201},  # longer than the payments table keeps
        {**BILL, "payer_name": ""},
        {**BILL, "payer_name": None},
        {**BILL, "notes": "x" * 100_000},  # an answer over 64 KiB, whatever it holds
    ],
    ids=["name-too-long", "name-empty", "name-null", "answer-too-large"],
)
async def test_a_bill_beyond_the_limits_is_refused(billing_server, client, answer):
    billing_server[0].bill = answer
    with pytest.raises(BillingUnavailable):
        await client.lookup("112026117919")
