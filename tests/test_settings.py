import re
from pathlib import Path

from bot.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[1] / ".env.example"


def test_env_example_lists_every_setting_with_its_default(monkeypatch):
    listed = set(re.findall(r"^([A-Z_]+)=", EXAMPLE.read_text(encoding="utf-8"), re.M))
    assert listed == {name.upper() for name in Settings.model_fields}
    for name in listed:
        monkeypatch.delenv(name, raising=False)
    from_example = Settings(_env_file=EXAMPLE)
    defaults = Settings(_env_file=None)
    for name in Settings.model_fields:
        if name == "database_url":  # relative in the example, absolute by default
            assert from_example.database_url.endswith("data/bot.sqlite3")
            continue
        assert getattr(from_example, name) == getattr(defaults, name), name


def test_secrets_do_not_show_in_repr():
    settings = Settings(_env_file=None, bot_token="123:TOKENVALUE", webhook_secret="HOOKVALUE")
    assert "TOKENVALUE" not in repr(settings) and "HOOKVALUE" not in repr(settings)
    assert settings.bot_token.get_secret_value() == "123:TOKENVALUE"
