"""`/r/<receipt id>`: anyone holding the receipt (its QR code) can check it is real.

The id is 128 random bits; a wrong or guessed one gets the same not-found page whether or not
anything exists near it, saying a document that led there may be forged and how to reach the
operator. The page shows the receipt masked (no card, no transaction), in ky, ru or en, with
the operator that issued it and when it was checked.
"""

import html
import re
from urllib.parse import quote

from aiohttp import web

from core.clock import utcnow
from core.statuses import PaymentStatus
from payments.receipts import ReceiptView, verify_path
from storage.payments import Payments
from ui.formats import format_moment
from ui.i18n import LANGUAGES, L10n, Translator
from ui.receipt_fields import label, receipt_fields, support_line
from web.pages import html_page

_PUBLIC_ID = re.compile(r"[0-9a-f]{32}")
_LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}


class VerifyPage:
    def __init__(self, payments: Payments, l10n: L10n) -> None:
        self._payments = payments
        self._l10n = l10n

    def routes(self) -> list[web.RouteDef]:
        return [web.get(verify_path("{public_id}"), self.show)]

    async def show(self, request: web.Request) -> web.Response:
        public_id = request.match_info["public_id"]
        asked = request.query.get("lang")
        found = None
        if _PUBLIC_ID.fullmatch(public_id):
            found = await self._payments.receipt_by_public_id(public_id)
        if found is None:
            t = self._l10n[asked if asked in LANGUAGES else "en"]
            body = (
                f'<p class="err"><b>{t("verify-no-such-receipt")}</b></p>'
                f"<p>{t('verify-may-be-forged')}</p>"
                f"{_operator(t)}<p>{self._switcher(t, public_id)}</p>"
            )
            return html_page(t, "verify-title", body, 404)
        payment = found.payment
        t = self._l10n[asked if asked in LANGUAGES else payment.language]
        # Anyone holding the link (or the PDF's QR code) reads this: not the payer's card.
        view = ReceiptView.of(payment, found.receipt, mask=True, stranger=True)
        confirmed = payment.status == PaymentStatus.PAID
        verdict = t("verify-confirmed" if confirmed else "verify-not-confirmed")
        rows = "".join(
            f"<tr><th>{html.escape(label(t, field))}</th><td>{html.escape(value)}</td></tr>"
            for field, value in receipt_fields(t, view)
        )
        checked = t("verify-checked-at", time=format_moment(utcnow(), t.language))
        body = (
            f'<p class="{"ok" if confirmed else "err"}"><b>{verdict}</b></p>'
            f'<table class="receipt">{rows}</table><p class="muted">{checked}</p>'
            f"{_operator(t)}<p>{self._switcher(t, public_id)}</p>"
        )
        return html_page(t, "verify-title", body)

    @staticmethod
    def _switcher(t: Translator, public_id: str) -> str:
        return " · ".join(
            f'<a href="{html.escape(verify_path(quote(public_id, safe="")))}?lang={language}">'
            f"{name}</a>"
            for language, name in _LANGUAGE_NAMES.items()
            if language != t.language
        )


def _operator(t: Translator) -> str:
    """Who issues the receipts and how to reach them: what someone holding a doubtful one needs."""
    return (
        f'<p class="operator"><b>{t("pdf-operator")}</b><br>'
        f"{t('receipt-operator-address')}<br>{support_line(t, _link)}</p>"
    )


def _link(href: str, text: str) -> str:
    return f'<a href="{html.escape(href)}">{html.escape(text)}</a>'
