"""Buttons that name a payment code are sealed for the chat they were sent to: any client can
send any callback data, so a code on a button is trusted only with a tag the bot made."""

import base64
import hashlib
import hmac
from functools import lru_cache

TAG_LENGTH = 12  # characters: 72 bits, within Telegram's 64 bytes of callback data
TAG_PATTERN = rf"^[A-Za-z0-9_-]{{{TAG_LENGTH}}}$"


class ButtonSeal:
    def __init__(self, secret: bytes) -> None:
        self._key = secret

    @classmethod
    def from_bot_token(cls, token: str) -> "ButtonSeal":
        """A key of its own derived from the bot token: nothing else to configure, and a new
        token (the old one leaked) makes every button sent before it stale."""
        return cls(hmac.new(token.encode(), b"callback-data-seal", hashlib.sha256).digest())

    def tag(self, chat_id: int, code: str) -> str:
        return _tag(self._key, chat_id, code)

    def valid(self, chat_id: int, code: str, tag: str) -> bool:
        return hmac.compare_digest(self.tag(chat_id, code), tag)


# A bill's tag is made when its buttons are sent and checked when one is pressed, and an
# HMAC costs OpenSSL a digest lookup each time it starts.
@lru_cache(maxsize=4096)
def _tag(key: bytes, chat_id: int, code: str) -> str:
    mac = hmac.new(key, f"{chat_id}:{code}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[: TAG_LENGTH * 3 // 4]).decode()
