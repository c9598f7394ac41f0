from aiogram.fsm.state import State, StatesGroup


class PayFlow(StatesGroup):
    language = State()
    code = State()
    consent = State()
    bill = State()
