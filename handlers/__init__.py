from aiogram import Router

from handlers import commands, consent, fallback, payment


def get_routers() -> list[Router]:
    """Order matters: the fallback router answers whatever the others did not take."""
    return [commands.router, consent.router, payment.router, fallback.router]
