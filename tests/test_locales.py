import ast as pyast
import re
from pathlib import Path

import pytest
from babel import Locale
from fluent.syntax import FluentParser, ast
from fluent.syntax.serializer import serialize_pattern
from fluent.syntax.visitor import Visitor

from ui.i18n import LANGUAGES, LOCALES_DIR, L10n, guess_language

ROOT = Path(__file__).resolve().parents[1]


def messages(language: str) -> dict[str, tuple[set[str], set[str]]]:
    """Message id → (variables, referenced messages) for one locale."""
    result = {}
    for path in (LOCALES_DIR / language).glob("*.ftl"):
        resource = FluentParser().parse(path.read_text(encoding="utf-8"))
        junk = [entry.content[:60] for entry in resource.body if isinstance(entry, ast.Junk)]
        assert not junk, f"{path}: unparsable {junk}"
        for entry in resource.body:
            if isinstance(entry, ast.Message):
                text = serialize_pattern(entry.value)
                variables = set(re.findall(r"\{ \$(\w+) \}", text))
                references = set(re.findall(r"\{ ([a-z][\w-]*) \}", text))
                result[entry.id.name] = (variables, references)
    return result


def test_all_locales_have_the_same_messages_and_variables():
    english = messages("en")
    assert len(english) > 50
    for language in LANGUAGES:
        other = messages(language)
        assert other.keys() == english.keys(), (language, other.keys() ^ english.keys())
        for message_id, shape in english.items():
            assert other[message_id] == shape, (language, message_id)


# A select on a number names its forms; "other" alone is the default of any select.
PLURAL_CATEGORIES = {"zero", "one", "two", "few", "many"}


def plural_selects(language: str) -> dict[str, set[tuple[str, frozenset[str]]]]:
    """Message id → (variable, variant keys) of each select on a number's plural category."""
    result: dict[str, set[tuple[str, frozenset[str]]]] = {}

    class Selects(Visitor):
        def __init__(self, message_id: str) -> None:
            self.message_id = message_id

        def visit_SelectExpression(self, node: ast.SelectExpression) -> None:
            keys = frozenset(v.key.name for v in node.variants if isinstance(v.key, ast.Identifier))
            if isinstance(node.selector, ast.VariableReference) and keys & PLURAL_CATEGORIES:
                variable = node.selector.id.name
                result.setdefault(self.message_id, set()).add((variable, keys))
            self.generic_visit(node)

    for path in (LOCALES_DIR / language).glob("*.ftl"):
        for entry in FluentParser().parse(path.read_text(encoding="utf-8")).body:
            if isinstance(entry, ast.Message):
                Selects(entry.id.name).visit(entry)
    return result


def test_plural_forms_cover_every_category_of_their_language():
    """Russian says 1 минуту, 2 минуты, 5 минут, 21 минуту: each form the language has is
    written, and English and Russian choose forms for the same numbers."""
    chosen = {}
    for language in LANGUAGES:
        categories = set(Locale.parse(language).plural_form.tags) | {"other"}
        chosen[language] = {}
        for message_id, selects in plural_selects(language).items():
            for _variable, keys in selects:
                assert categories <= keys, (language, message_id, categories - keys)
            chosen[language][message_id] = {variable for variable, _ in selects}
    assert chosen["ru"] == chosen["en"]
    assert {"lookup-wait", "lookup-busy", "alert-payment_stuck"} <= chosen["ru"].keys()


def test_every_message_the_code_asks_for_exists():
    """Literal message ids given to a translator (t("..."), t.plain("...")) all exist."""
    known = messages("en").keys()
    asked = set()
    for folder in ("bot", "handlers", "payments"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in pyast.walk(pyast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, pyast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name not in {"t", "plain", "_message"}:
                    continue
                asked |= {
                    arg.value
                    for arg in node.args
                    if isinstance(arg, pyast.Constant) and isinstance(arg.value, str)
                }
    assert len(asked) > 20
    assert asked <= known, asked - known


def test_bundles_do_not_isolate_and_escape_html_values():
    t = L10n()["en"]
    text = t("code-paid", code="<b>&1")
    assert "&lt;b&gt;&amp;1" in text
    assert "\u2068" not in text and "\u2069" not in text
    assert t.plain("payment-description", code="<1>") == "Payment code <1>"


@pytest.mark.parametrize(
    ("language_code", "expected"),
    [("ky", "ky"), ("ru-RU", "ru"), ("en-GB", "en"), ("kk", "ru"), ("de", "en"), (None, "en")],
)
def test_language_offered_first_follows_telegram(language_code, expected):
    assert guess_language(language_code) == expected


def test_official_terms_are_used():
    ru = (LOCALES_DIR / "ru" / "bot.ftl").read_text(encoding="utf-8")
    ky = (LOCALES_DIR / "ky" / "bot.ftl").read_text(encoding="utf-8")
    for term in (
        "код оплаты",
        "ФИО Пользователя",
        "Статус оплаты",
        "Сумма к оплате",
        "Оплатить",
        "онлайн-чек",
        "Политика конфиденциальности",
        "Пользовательское соглашение",
    ):
        assert term.lower() in ru.lower(), term
    for term in (
        "төлөм коду",
        "Пайдалануучунун аты-жөнү",
        "Төлөм статусу",
        "Төлөм суммасы",
        "Төлөө",
        "онлайн-чек",
        "Купуялык саясаты",
        "Пайдалануу макулдашуусу",
    ):
        assert term.lower() in ky.lower(), term


@pytest.mark.parametrize("language", LANGUAGES)
def test_code_refusals_say_what_happened(language):
    """A code not found is said to be not found and is not repeated (what was taken for a code
    may be a card number); a malformed one is told the rule; an outage does not vouch for a
    code nobody checked."""
    t = L10n()[language]
    fine = {"en": "code is fine", "ru": "всё в порядке", "ky": "ката жок"}[language]
    not_found = {"en": "not found", "ru": "не найден", "ky": "табылган жок"}[language]
    assert not_found in t("code-unknown")
    assert messages(language)["code-unknown"][0] == set()
    assert "6" in t("code-invalid") and "32" in t("code-invalid")
    assert fine not in t("billing-unavailable").lower()
