"""`/r/<receipt id>`: anyone holding the receipt (its QR code) can check it is real.

The id is 128 random bits; a wrong or guessed one gets the same plain not-found page whether
or not anything exists near it. The page shows the receipt masked, in ky, ru or en.
"""

import re

from aiohttp import web

from bot import render
from bot.i18n import LANGUAGES, L10n, Translator
from bot.pages import html_page
from payments.receipts import ReceiptView, verify_path
from payments.service import PaymentService
from payments.states import PaymentStatus

_PUBLIC_ID = re.compile(r"[0-9a-f]{32}")
_LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}


class VerifyPage:
    def __init__(self, payments: PaymentService, l10n: L10n) -> None:
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
            return html_page(t, "verify-title", f"<p>{t('verify-not-found')}</p>", 404)
        payment, receipt = found
        t = self._l10n[asked if asked in LANGUAGES else payment.language]
        # Anyone holding the link (or the PDF's QR code) reads this: not the payer's card.
        view = ReceiptView.of(payment, receipt, mask=True, stranger=True)
        confirmed = payment.status == PaymentStatus.PAID
        verdict = t("verify-confirmed" if confirmed else "verify-not-confirmed")
        body = (
            f'<p class="{"ok" if confirmed else "err"}"><b>{verdict}</b></p>'
            f"<p>{render.receipt(t, view).replace(chr(10), '<br>')}</p>"
            f"<p>{self._switcher(t, public_id)}</p>"
        )
        return html_page(t, "verify-title", body)

    @staticmethod
    def _switcher(t: Translator, public_id: str) -> str:
        return " · ".join(
            f'<a href="{verify_path(public_id)}?lang={language}">{name}</a>'
            for language, name in _LANGUAGE_NAMES.items()
            if language != t.language
        )
