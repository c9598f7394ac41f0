"""Filters more than one router uses (each a coroutine: aiogram runs a plain function in a
worker thread)."""

from aiogram.types import Message


async def not_command(message: Message) -> bool:
    """Text that is not a command: the command's own router answers a command, wherever the
    conversation is."""
    return not (message.text or "").startswith("/")


async def text_not_command(message: Message) -> bool:
    """Text, and not a command: what a conversation's step reads (one check, where aiogram's
    `MagicData(F.event.text)` resolves a magic filter on every update)."""
    text = message.text
    return bool(text) and not text.startswith("/")


async def is_command(message: Message) -> bool:
    """A command, as aiogram's `Command` reads one: text, or a file's caption, after "/"."""
    return (message.text or message.caption or "").startswith("/")
