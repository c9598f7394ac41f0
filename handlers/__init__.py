from aiogram import Router

from handlers import (
    commands,
    consent,
    documents,
    errors,
    fallback,
    history,
    mydata,
    payment,
)


def get_routers() -> list[Router]:
    """Fresh routers for one dispatcher; the fallback router answers what the others did not."""
    modules = (errors, commands, documents, history, mydata, consent, payment, fallback)
    return [module.build_router() for module in modules]
