import re
import unicodedata
from enum import StrEnum

MAX_CODE_LENGTH = 32
MIN_CODE_LENGTH = 6
# What people put between digit groups: any space (a no-break one from a banking app too),
# dashes of every kind, dots.
DIGIT_SEPARATORS = r"[\s\-‐‑‒–—.]+"
_SEPARATORS = re.compile(DIGIT_SEPARATORS)
_CODE = re.compile(rf"[0-9]{{{MIN_CODE_LENGTH},{MAX_CODE_LENGTH}}}")


class Service(StrEnum):
    """State services paid through the operator, named as in the user agreement."""

    ID_CARD_2017 = "id_card_2017"
    PASSPORT_2020 = "passport_2020"
    DRIVING_LICENCE_NATIONAL = "driving_licence_national"
    DRIVING_LICENCE_INTERNATIONAL = "driving_licence_international"
    MEKEN_CARD = "meken_card"
    PLATE_AUCTION = "plate_auction"


# The operator's site names the service by the first digits of a payment code.
# The auction's prefix is not published; 17 is this project's choice for demo codes.
SERVICE_PREFIXES: dict[Service, str] = {
    Service.ID_CARD_2017: "11",
    Service.PASSPORT_2020: "11",
    Service.DRIVING_LICENCE_NATIONAL: "16",
    Service.DRIVING_LICENCE_INTERNATIONAL: "16",
    Service.MEKEN_CARD: "13",
    Service.PLATE_AUCTION: "17",
}


def without_format_characters(text: str) -> str:
    """Text without invisible format characters (Unicode category Cf: zero-width spaces,
    direction marks and isolates, the byte order mark) that copying from apps puts in."""
    return "".join(char for char in text if unicodedata.category(char) != "Cf")


def is_code(code: str) -> bool:
    """Whether `code` is a payment code in canonical form: 6 to 32 ASCII digits."""
    return _CODE.fullmatch(code) is not None


def normalise_code(text: str | None) -> str | None:
    """A payment code as typed (`1100 2041-7853`) in canonical form, or None if it is not one
    (or there is no text at all: a sticker, a photo)."""
    if not text:
        return None
    code = _SEPARATORS.sub("", without_format_characters(text).strip())
    return code if is_code(code) else None
