from aiogram import Router

from handlers import commands, consent, fallback, payment


def get_routers() -> list[Router]:
    """Fresh routers for one dispatcher; the fallback router answers what the others did not."""
    return [module.build_router() for module in (commands, consent, payment, fallback)]
