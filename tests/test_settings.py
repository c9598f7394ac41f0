import re
from pathlib import Path

import pytest

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


PUBLIC = {"public_base_url": "https://pay.example.kg"}


def test_the_sandbox_stays_off_public_addresses():
    """It takes no money: public, it would let anyone "pay" a real bill with its test card."""
    with pytest.raises(ValueError, match="SANDBOX_SECRET of its own"):
        Settings(_env_file=None, **PUBLIC)
    assert Settings(_env_file=None, sandbox_secret="staging-only", **PUBLIC)
    with pytest.raises(ValueError, match="real billing"):
        Settings(
            _env_file=None,
            sandbox_secret="staging-only",
            billing="http",
            billing_api_url="https://billing.example.kg",
            **PUBLIC,
        )
    local = Settings(_env_file=None, billing="http", billing_api_url="http://127.0.0.1:9/")
    assert local.acquirer == "sandbox"  # trying it out on this machine stays possible


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"log_level": "verbose"}, "log_level"),
        ({"billing": "http"}, "BILLING_API_URL"),
        ({"acquirer": "freedompay"}, "FREEDOMPAY_MERCHANT_ID"),
        (
            {"bot_mode": "webhook", "webhook_secret": "not allowed!", "sandbox_secret": "x" * 8}
            | PUBLIC,
            "WEBHOOK_SECRET",
        ),
    ],
)
def test_a_wrong_setting_is_refused_at_start_naming_it(values, named):
    with pytest.raises(ValueError, match=named):
        Settings(_env_file=None, **values)
