"""Links that open a payment code's bill in the bot (`t.me/<bot>?start=<code>`), and their QR
codes for the notice that carries the code."""

from pathlib import Path

import segno


def start_link(bot_username: str, code: str) -> str:
    """`code` is a normalised payment code: digits only, as a start parameter allows."""
    return f"https://t.me/{bot_username}?start={code}"


def write_qr(link: str, path: Path) -> None:
    # Error correction M survives a smudged or creased paper notice.
    segno.make(link, error="m", micro=False).save(path, kind="png", scale=10, border=4)
