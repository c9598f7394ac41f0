import re
import unicodedata

MAX_CODE_LENGTH = 32
MIN_CODE_LENGTH = 6
# What people put between digit groups: any space (a no-break one from a banking app too),
# dashes of every kind, dots.
DIGIT_SEPARATORS = r"[\s\-‐‑‒–—.]+"
_SEPARATORS = re.compile(DIGIT_SEPARATORS)
_CODE = re.compile(rf"[0-9]{{{MIN_CODE_LENGTH},{MAX_CODE_LENGTH}}}")


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
