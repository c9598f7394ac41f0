from aiogram import Router

from handlers import (
    commands,
    consent,
    documents,
    errors,
    history,
    mydata,
    payment,
)


def get_routers() -> list[Router]:
    """Fresh routers for one dispatcher, the conversation's first: aiogram passes an update
    through every router before the one that handles it, at a cost each, and the steps of
    paying are most of what users send. Commands come before the code step, which takes any
    text but a command; consent's one button after the bill's, which are pressed far more
    often. Only the staff's router (in their chat) goes before these; the users' support
    router, the reminders' and the staff commands' after them, then
    `fallback.build_router()`, which answers what no other did."""
    modules = (commands, payment, consent, documents, history, mydata, errors)
    return [module.build_router() for module in modules]
