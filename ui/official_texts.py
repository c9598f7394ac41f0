"""The operator's official texts, shipped verbatim in `documents/`, and their versions."""

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache

from core.paths import PROJECT_ROOT
from core.services import Service

DOCUMENTS_DIR = PROJECT_ROOT / "documents"


class DocumentKind(StrEnum):
    PRIVACY_POLICY = "privacy-policy"
    USER_AGREEMENT = "user-agreement"
    AUCTION_PRIVACY_POLICY = "auction-privacy-policy"

    @property
    def short(self) -> str:
        """For callback data, which Telegram limits to 64 bytes."""
        return {"privacy-policy": "pp", "user-agreement": "ua"}.get(self.value, "ap")

    @classmethod
    def from_short(cls, short: str) -> "DocumentKind | None":
        """None for a short name that is not ours (a forged or outdated button)."""
        return next((kind for kind in cls if kind.short == short), None)


# The texts carry no date of their own: this is the date the operator's text was taken in.
# Change it together with the file; the hash changes by itself and consent is asked again.
EFFECTIVE_DATES = {
    DocumentKind.PRIVACY_POLICY: date(2026, 11, 23),
    DocumentKind.USER_AGREEMENT: date(2026, 11, 23),
    DocumentKind.AUCTION_PRIVACY_POLICY: date(2026, 11, 23),
}
CONSENT_DOCUMENTS = (DocumentKind.PRIVACY_POLICY, DocumentKind.USER_AGREEMENT)


def consent_documents(service: Service | None = None) -> tuple[DocumentKind, ...]:
    """What a payer agrees to: the site's policy and agreement, and for the plate auction its
    own privacy policy too (the site's texts do not name the auction among their services)."""
    if service is Service.PLATE_AUCTION:
        return (*CONSENT_DOCUMENTS, DocumentKind.AUCTION_PRIVACY_POLICY)
    return CONSENT_DOCUMENTS


OFFICIAL_LANGUAGES = ("ky", "ru")

# What the texts caught from the operator's site around the words: the site menu's lines above
# the title ("Call Center: 119", "RU") and the angle brackets of a copied link.
_SITE_MENU = re.compile(r"\A(?:[ \t]*(?:Call Center: \d+|RU|KG|KY|EN)?[ \t]*\n)+")
_BRACKETED_LINK = re.compile(r"<(https?://[^<>\s]+)>")


def without_site_residue(text: str) -> str:
    """The operator's words without the site residue; the file to download stays verbatim."""
    return _BRACKETED_LINK.sub(r"\1", _SITE_MENU.sub("", text)).strip()


@dataclass(frozen=True, slots=True)
class Document:
    kind: DocumentKind
    language: str
    text: str
    effective: date
    sha256: str

    @property
    def version(self) -> str:
        """As consents record it; people are shown `effective` as a date in their language."""
        return self.effective.isoformat()

    @property
    def readable(self) -> str:
        return without_site_residue(self.text)

    @property
    def filename(self) -> str:
        return f"{self.kind.value}.{self.language}.txt"


@cache
def document(kind: DocumentKind, language: str) -> Document | None:
    """The text in that language, or None where the operator has none (English, auction in ru)."""
    path = DOCUMENTS_DIR / f"{kind.value}.{language}.txt"
    if language not in OFFICIAL_LANGUAGES or not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Document(kind, language, text, EFFECTIVE_DATES[kind], sha256)


def read_all() -> None:
    """Every official text read and hashed once, at start-up, not in a user's first step."""
    for kind in DocumentKind:
        available_languages(kind)


def available_languages(kind: DocumentKind) -> list[str]:
    return [language for language in OFFICIAL_LANGUAGES if document(kind, language)]


def official_text(kind: DocumentKind, interface_language: str) -> Document:
    """The text to show a user: in their language, else Russian, else Kyrgyz."""
    for language in (interface_language, "ru", "ky"):
        found = document(kind, language)
        if found is not None:
            return found
    raise LookupError(kind)


def paginate(text: str, limit: int) -> list[str]:
    """Pages of at most `limit` characters, cut between paragraphs (lines) wherever one fits,
    so that the pages joined with a line break give the text back."""
    pages: list[str] = []
    current = ""
    for line in text.strip().split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pages.append(current)
        while len(line) > limit:  # a paragraph longer than a page: cut at a space
            cut = line.rfind(" ", 0, limit) + 1 or limit
            pages.append(line[:cut])
            line = line[cut:]
        current = line
    if current:
        pages.append(current)
    return pages


def current_hashes(kind: DocumentKind) -> set[str]:
    """A consent given to any current language text of the document is current."""
    return {doc.sha256 for lang in OFFICIAL_LANGUAGES if (doc := document(kind, lang))}
