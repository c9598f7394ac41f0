"""A fake Telegram Bot API server for tests.

``FakeTelegram`` serves the Bot API over real HTTP (aiohttp.web), so the bot under test talks to
it through aiogram's real ``AiohttpSession``::

    async with FakeTelegram() as tg:
        bot = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))

Every request is decoded (form fields back into Python values), checked against the
machine-readable Bot API spec (``api.json``) and against Telegram's limits, recorded in
``calls`` and answered the way Telegram answers. Broken requests are listed in ``violations``;
in strict mode (the default) they are also answered with ``400 Bad Request`` like Telegram
would. Unknown methods and fields only produce ``warnings`` (aiogram may know a newer API).

How a request is answered, first match wins: wrong token -> 401; an injected ``fail_next``
error; a violation in strict mode -> 400 "Bad Request: <field>: <problem>"; pacing (``rate_limit``)
-> 429; an override from ``set_result``; otherwise a realistic result. Telegram's own refusals
("message is not modified", "message to edit not found", "message can't be edited"...) are
behaviour, not violations: they are answered in every mode.

State: ``messages`` holds the current content of every known message by (chat id, message id);
messages in updates given to ``push_update`` become known too (so the bot may delete them, but
not edit them). Only HTML is parsed: Markdown texts are stored and measured as sent.
``getUpdates`` ignores ``allowed_updates``.

A webhook's answer may carry a method (``take_webhook_answer``): it is decoded, checked and
carried out like a request, and recorded with ``via_webhook``; as Telegram does, nothing of
its outcome goes back to the bot.
"""

from __future__ import annotations

import asyncio
import copy
import email.policy
import ipaddress
import json
import os
import re
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.parser import BytesParser
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from aiohttp import ClientResponse, web

__all__ = [
    "ApiCall",
    "ApiSpec",
    "FakeFile",
    "FakeTelegram",
    "ParsedText",
    "default_spec_path",
    "parse_html",
]

SPEC_ENV_VAR = "TELEGRAM_API_SPEC"
_SHARED_SPEC = Path(__file__).resolve().parents[3] / "shared" / "telegram-bot-api" / "api.json"
# A copy of the same spec (MIT, see its LICENSE), for a clone with no shared/ folder beside it.
_BUNDLED_SPEC = Path(__file__).resolve().parent / "telegram-bot-api" / "api.json"

GLOBAL_MESSAGES_PER_SECOND = 30
PER_CHAT_INTERVAL = 1.0
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_BUTTONS_PER_ROW = 8
MAX_BUTTONS = 100


def default_spec_path() -> Path:
    """``$TELEGRAM_API_SPEC`` if set, else ``<repo>/../shared/telegram-bot-api/api.json``,
    else the copy kept beside this module."""
    override = os.environ.get(SPEC_ENV_VAR)
    if override:
        return Path(override)
    return _SHARED_SPEC if _SHARED_SPEC.exists() else _BUNDLED_SPEC


# --------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class FakeFile:
    """A file uploaded as a multipart part."""

    filename: str
    content: bytes
    content_type: str

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class ApiCall:
    """One request the fake received (with a valid token)."""

    method: str
    params: dict[str, Any]
    response: Any = None
    error: dict[str, Any] | None = None  # {"error_code": ..., "description": ...} if it failed
    violations: list[str] = field(default_factory=list)
    files: dict[str, FakeFile] = field(default_factory=dict)
    received_at: float = field(default_factory=time.monotonic)  # for latency benchmarks
    via_webhook: bool = False  # carried in the answer to a webhook request

    @property
    def chat_id(self) -> int | str | None:
        value = self.params.get("chat_id")
        return value if isinstance(value, int | str) else None

    @property
    def text(self) -> str | None:
        """The raw ``text`` (or ``caption``) the bot sent, markup included."""
        for name in ("text", "caption"):
            value = self.params.get(name)
            if isinstance(value, str):
                return value
        return None

    @property
    def ok(self) -> bool:
        return self.error is None


# --------------------------------------------------------------------------------------------
# The spec

_SCALARS = frozenset({"Integer", "Float", "String", "Boolean", "True", "InputFile"})
_ARRAY = "Array of "
_LENGTH_RE = re.compile(r"\b(\d+)-(\d+) (characters|bytes)\b")
_RANGE_RE = re.compile(r"\b[Vv]alues between (\d+)-(\d+) are accepted")
_ITEMS_RE = re.compile(r"\b(\d+)-(\d+) (?:items|identifiers)\b")
_AT_MOST_RE = re.compile(
    r"\b(?:[Aa]t most|up to) (\d+) (?:items\b|identifiers\b|[\w ]+? can be specified)"
)
_DISCRIMINATOR_RE = re.compile(r"(?:must be|always) \"?([a-z_]+)\"?\s*$")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool
    description: str
    length: tuple[int, int, str] | None = None  # (min, max, "characters" | "bytes")
    value_range: tuple[int, int] | None = None
    items: tuple[int, int] | None = None
    discriminator: str | None = None  # the only value allowed (e.g. "type" of a subtype)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> FieldSpec:
        name, types = raw["name"], tuple(raw["types"])
        desc = raw.get("description", "")
        length = value_range = items = None
        discriminator = None
        if "String" in types and (m := _LENGTH_RE.search(desc)):
            length = (int(m[1]), int(m[2]), m[3])
        if "Integer" in types and (m := _RANGE_RE.search(desc)):
            value_range = (int(m[1]), int(m[2]))
        if any(t.startswith(_ARRAY) for t in types):
            if m := _ITEMS_RE.search(desc):
                items = (int(m[1]), int(m[2]))
            elif m := _AT_MOST_RE.search(desc):
                items = (0, int(m[1]))
        if (
            name in ("type", "status", "source")
            and types == ("String",)
            and (m := _DISCRIMINATOR_RE.search(desc))
        ):
            discriminator = m[1]
        return cls(
            name, types, bool(raw.get("required")), desc, length, value_range, items, discriminator
        )


@dataclass(frozen=True)
class ObjectSpec:
    """A method or a type of the spec."""

    name: str
    fields: dict[str, FieldSpec]
    subtypes: tuple[str, ...] = ()
    returns: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ObjectSpec:
        fields = {f["name"]: FieldSpec.from_json(f) for f in raw.get("fields", [])}
        return cls(
            raw["name"], fields, tuple(raw.get("subtypes", ())), tuple(raw.get("returns", ()))
        )


class ApiSpec:
    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.version: str = raw.get("version", "?")
        self.methods = {name: ObjectSpec.from_json(m) for name, m in raw["methods"].items()}
        self.types = {name: ObjectSpec.from_json(t) for name, t in raw["types"].items()}
        self._by_lower = {name.lower(): name for name in self.methods}

    @classmethod
    def load(cls, path: str | Path) -> ApiSpec:
        return _load_spec(str(Path(path).resolve()))

    def method(self, name: str) -> ObjectSpec | None:
        canonical = self._by_lower.get(name.lower())
        return self.methods[canonical] if canonical else None


@lru_cache(maxsize=4)
def _load_spec(path: str) -> ApiSpec:
    with open(path, encoding="utf-8") as fh:
        return ApiSpec(json.load(fh))


# --------------------------------------------------------------------------------------------
# Telegram HTML

_TAG_ATTRIBUTES: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "tg-spoiler": frozenset(),
    "pre": frozenset(),
    "span": frozenset({"class"}),
    "a": frozenset({"href"}),
    "code": frozenset({"class"}),
    "blockquote": frozenset({"expandable"}),
    "tg-emoji": frozenset({"emoji-id"}),
    "tg-time": frozenset({"unix", "format"}),
}
_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
_TAG_RE = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9-]*)"
    r"((?:\s+[A-Za-z_:][-A-Za-z0-9_:.]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*)"
    r"\s*(/?)>"
)
_ATTR_RE = re.compile(r"([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?")
_CHAR_REF_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]+)|#[xX]([0-9A-Fa-f]+));")
_SPECIAL_RE = re.compile(r"[<>&]")
_NAMED_REFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


@dataclass
class ParsedText:
    text: str
    entities: list[dict[str, Any]]
    errors: list[str]


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    offset: int  # UTF-16 offset in the parsed text
    language: str | None = None


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _decode_char_ref(match: re.Match[str]) -> str | None:
    if match[1]:
        return _NAMED_REFS[match[1]]
    code = int(match[2]) if match[2] else int(match[3], 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def _unescape_attribute(value: str) -> str:
    # Lenient on purpose: Telegram accepts a bare "&" inside an attribute (e.g. in href).
    return _CHAR_REF_RE.sub(lambda m: _decode_char_ref(m) or m[0], value)


def parse_html(source: str) -> ParsedText:
    """Parse Telegram-flavoured HTML strictly: the text after parsing, its entities, errors."""
    out: list[str] = []
    offset = 0
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    errors: list[str] = []

    def at(pos: int) -> str:
        return f"at byte offset {len(source[:pos].encode('utf-8'))}"

    def emit(chunk: str) -> None:
        nonlocal offset
        out.append(chunk)
        offset += _utf16_len(chunk)

    pos = 0
    while pos < len(source):
        special = _SPECIAL_RE.search(source, pos)
        if special is None:
            emit(source[pos:])
            break
        if special.start() > pos:
            emit(source[pos : special.start()])
        pos = special.start()
        char = source[pos]
        if char == "&":
            ref = _CHAR_REF_RE.match(source, pos)
            decoded = _decode_char_ref(ref) if ref else None
            if ref is None or decoded is None:
                errors.append(f'unescaped "&" {at(pos)}: escape it as &amp;')
                emit("&")
                pos += 1
            else:
                emit(decoded)
                pos = ref.end()
            continue
        if char == ">":
            errors.append(f'unescaped ">" {at(pos)}: escape it as &gt;')
            emit(">")
            pos += 1
            continue
        tag = _TAG_RE.match(source, pos)
        if tag is None:
            errors.append(f'unescaped "<" {at(pos)}: escape it as &lt;')
            emit("<")
            pos += 1
            continue
        closing, name, attr_source, self_closing = tag[1] == "/", tag[2].lower(), tag[3], tag[4]
        if name not in _TAG_ATTRIBUTES:
            kind = "end" if closing else "start"
            errors.append(f'Unsupported {kind} tag "{name}" {at(pos)}')
        elif closing:
            _close_tag(name, stack, entities, offset, errors, at(pos), bool(attr_source.strip()))
        elif self_closing:
            errors.append(f'self-closing tag "<{name}/>" {at(pos)} is not supported')
        else:
            attrs = _tag_attributes(name, attr_source, errors, at(pos))
            _check_nesting(name, stack, errors, at(pos))
            stack.append(_OpenTag(name, attrs, offset))
        pos = tag.end()

    for open_tag in reversed(stack):
        errors.append(f'Can\'t find end tag corresponding to start tag "{open_tag.name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText("".join(out), entities, errors)


def _tag_attributes(name: str, source: str, errors: list[str], where: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for match in _ATTR_RE.finditer(source):
        attr = match[1].lower()
        value = match[2] or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        if attr not in _TAG_ATTRIBUTES[name]:
            errors.append(f'unsupported attribute "{attr}" in tag "{name}" {where}')
        attrs[attr] = _unescape_attribute(value)
    if name == "a" and not attrs.get("href"):
        errors.append(f'tag "a" {where} must have a non-empty href attribute')
    if name == "span" and attrs.get("class") != "tg-spoiler":
        errors.append(f'tag "span" {where} must have class "tg-spoiler"')
    if name == "code" and "class" in attrs and not attrs["class"].startswith("language-"):
        errors.append(f'tag "code" {where}: class must look like "language-<name>"')
    if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
        errors.append(f'tag "tg-emoji" {where} must have a numeric emoji-id attribute')
    if name == "tg-time" and not attrs.get("unix", "").isdigit():
        errors.append(f'tag "tg-time" {where} must have a numeric unix attribute')
    return attrs


def _check_nesting(name: str, stack: list[_OpenTag], errors: list[str], where: str) -> None:
    if not stack:
        return
    names = [t.name for t in stack]
    if "code" in names or ("pre" in names and not (name == "code" and names[-1] == "pre")):
        errors.append(f'tag "{name}" {where}: entities can\'t be nested inside pre or code')
    if name == "blockquote" and "blockquote" in names:
        errors.append(f'tag "blockquote" {where}: blockquotes can\'t be nested')


def _close_tag(
    name: str,
    stack: list[_OpenTag],
    entities: list[dict[str, Any]],
    offset: int,
    errors: list[str],
    where: str,
    has_attributes: bool,
) -> None:
    if has_attributes:
        errors.append(f'end tag "{name}" {where} must not have attributes')
    if not stack:
        errors.append(f'Unexpected end tag "{name}" {where}')
        return
    if stack[-1].name != name:
        errors.append(
            f'Unmatched end tag {where}, expected "</{stack[-1].name}>", found "</{name}>"'
        )
        if name not in (t.name for t in stack):
            return
        while stack[-1].name != name:
            stack.pop()
    open_tag = stack.pop()
    if name == "code" and stack and stack[-1].name == "pre":
        css = open_tag.attrs.get("class", "")
        stack[-1].language = css.removeprefix("language-") or None
        return
    length = offset - open_tag.offset
    if length <= 0:
        return
    entity: dict[str, Any] = {
        "type": _ENTITY_TYPES[name],
        "offset": open_tag.offset,
        "length": length,
    }
    if name == "a":
        entity["url"] = open_tag.attrs.get("href", "")
    elif name == "pre" and open_tag.language:
        entity["language"] = open_tag.language
    elif name == "blockquote" and "expandable" in open_tag.attrs:
        entity["type"] = "expandable_blockquote"
    elif name == "tg-emoji":
        entity["custom_emoji_id"] = open_tag.attrs.get("emoji-id", "")
    elif name == "tg-time" and open_tag.attrs.get("unix", "").isdigit():
        entity["unix_time"] = int(open_tag.attrs["unix"])
        if "format" in open_tag.attrs:
            entity["date_time_format"] = open_tag.attrs["format"]
    entities.append(entity)


# --------------------------------------------------------------------------------------------
# Validation


@dataclass
class _Report:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    mismatch: bool = False  # the value does not even have the shape of the expected type

    def extend(self, other: _Report) -> None:
        self.errors.extend(other.errors)
        self.warnings.extend(other.warnings)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        kind = value.get("type")
        return f"object with type {kind!r}" if kind is not None else "object"
    if isinstance(value, FakeFile):
        return "uploaded file"
    names = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array"}
    return f"{names.get(type(value), type(value).__name__)} {_short(value)}"


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_PARSED_TEXT_FIELDS = ("text", "caption", "message_text")
_BUTTON_DECORATION = frozenset({"text", "icon_custom_emoji_id", "style"})
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_PARSE_MODES = ("html", "markdownv2", "markdown")
_WEBHOOK_PORTS = (80, 88, 443, 8443)
_TEXT_LIMIT_MESSAGES = {
    "text": "message is too long",
    "message_text": "message is too long",
    "caption": "message caption is too long",
}


def _url_problem(url: str, schemes: Sequence[str]) -> str | None:
    """Why Telegram would refuse ``url`` as a button/web app URL, or None."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError as exc:
        return f"malformed URL ({exc})"
    scheme = parts.scheme.lower()
    if scheme not in schemes:
        return f"scheme {scheme or '(none)'!r} is not allowed (use {'/'.join(schemes)})"
    if scheme == "tg":
        return None if parts.netloc else "tg:// URL without a target"
    if not host:
        return "URL has no host"
    if host == "localhost" or host.endswith(".localhost"):
        return f"host {host!r} is not a public host"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        if address.is_private or address.is_loopback or address.is_unspecified:
            return f"host {host!r} is not a public address"
    elif "." not in host:
        return f"host {host!r} has no domain (no dot)"
    return None


class _Validator:
    """Checks decoded values against the spec; one instance per request."""

    def __init__(self, spec: ApiSpec, files: Mapping[str, FakeFile]) -> None:
        self.spec = spec
        self.files = files
        self.rules: dict[str, Callable[[dict[str, Any], str, _Report], None]] = {
            "InlineKeyboardButton": self._rule_inline_button,
            "InlineKeyboardMarkup": self._rule_inline_keyboard,
            "BotCommand": self._rule_bot_command,
            "WebAppInfo": self._rule_web_app,
            "LoginUrl": self._rule_login_url,
            "setWebhook": self._rule_set_webhook,
        }

    # -- generic ------------------------------------------------------------------------------

    def check_value(self, value: Any, types: Sequence[str], path: str) -> _Report:
        if len(types) == 1:
            return self._check_type(value, types[0], path)
        reports = [self._check_type(value, t, path) for t in types]
        clean = [r for r in reports if not r.errors and not r.mismatch]
        if clean:
            return min(clean, key=lambda r: len(r.warnings))
        shaped = [r for r in reports if not r.mismatch]
        if shaped:
            return min(shaped, key=lambda r: (len(r.errors), len(r.warnings)))
        message = f"{path}: expected {' or '.join(types)}, got {_describe(value)}"
        return _Report(errors=[message], mismatch=True)

    def _check_type(self, value: Any, type_name: str, path: str) -> _Report:
        def mismatch() -> _Report:
            return _Report([f"{path}: expected {type_name}, got {_describe(value)}"], mismatch=True)

        if type_name.startswith(_ARRAY):
            if not isinstance(value, list):
                return mismatch()
            report = _Report()
            inner = type_name.removeprefix(_ARRAY)
            for index, item in enumerate(value):
                report.extend(self._check_type(item, inner, f"{path}[{index}]"))
            return report
        if type_name == "Integer":
            ok = isinstance(value, int) and not isinstance(value, bool)
            return _Report() if ok else mismatch()
        if type_name == "Float":
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            return _Report() if ok else mismatch()
        if type_name == "Boolean":
            return _Report() if isinstance(value, bool) else mismatch()
        if type_name == "True":
            return _Report() if value is True else mismatch()
        if type_name in ("String", "InputFile"):
            if isinstance(value, FakeFile) and type_name == "InputFile":
                return self._check_upload(value, path)
            if not isinstance(value, str):
                return mismatch()
            return self._check_attach(value, path)
        spec = self.spec.types.get(type_name)
        if spec is None:
            return _Report()  # a type the spec does not describe: nothing to check against
        if not isinstance(value, dict):
            return mismatch()
        if spec.subtypes and not spec.fields:
            report = self.check_value(value, spec.subtypes, path)
            return mismatch() if report.mismatch and len(report.errors) == 1 else report
        return self.check_object(value, spec, path)

    def _check_attach(self, value: str, path: str) -> _Report:
        if value.startswith("attach://") and value.removeprefix("attach://") not in self.files:
            return _Report([f"{path}: {value!r} refers to a file part that was not uploaded"])
        return _Report()

    def _check_upload(self, value: FakeFile, path: str) -> _Report:
        if value.size > MAX_UPLOAD_BYTES:
            return _Report(
                [
                    f"{path}: file {value.filename!r} is {value.size} bytes, "
                    f"bots may upload at most {MAX_UPLOAD_BYTES}"
                ]
            )
        return _Report()

    def check_object(self, value: dict[str, Any], spec: ObjectSpec, path: str) -> _Report:
        report = _Report()
        for name, fspec in spec.fields.items():
            if fspec.required and value.get(name) is None:
                report.errors.append(f"{_join(path, name)}: required field is missing")
        for name, item in value.items():
            where = _join(path, name)
            fspec = spec.fields.get(name)
            if fspec is None:
                report.warnings.append(
                    f"{where}: unknown field, not in {self.spec.version} {spec.name}"
                )
                continue
            if item is None:
                continue
            if fspec.discriminator is not None and item != fspec.discriminator:
                report.errors.append(
                    f"{where}: must be {fspec.discriminator!r} for {spec.name}, got {item!r}"
                )
                report.mismatch = True
                continue
            report.extend(self.check_value(item, fspec.types, where))
            self._check_limits(value, spec, fspec, item, where, report)
        if not report.mismatch and (rule := self.rules.get(spec.name)):
            rule(value, path, report)
        return report

    def _check_limits(
        self,
        obj: Mapping[str, Any],
        spec: ObjectSpec,
        fspec: FieldSpec,
        item: Any,
        where: str,
        report: _Report,
    ) -> None:
        parse_mode = fspec.name.endswith("parse_mode") and isinstance(item, str)
        if parse_mode and item.lower() not in _PARSE_MODES:
            report.errors.append(f"{where}: unsupported parse_mode {item!r}")
        if isinstance(item, str):
            measured = self._parsed_text(obj, spec, fspec.name, item, where, report)
            if fspec.length:
                self._check_length(fspec, measured, where, report)
        elif isinstance(item, int) and not isinstance(item, bool) and fspec.value_range:
            low, high = fspec.value_range
            if not low <= item <= high:
                report.errors.append(f"{where}: must be between {low} and {high}, got {item}")
        elif isinstance(item, list) and fspec.items:
            low, high = fspec.items
            if not low <= len(item) <= high:
                report.errors.append(f"{where}: must contain {low}-{high} items, got {len(item)}")

    def _parsed_text(
        self,
        obj: Mapping[str, Any],
        spec: ObjectSpec,
        name: str,
        raw: str,
        where: str,
        report: _Report,
    ) -> str:
        """The text after entity parsing; HTML errors go to ``report``."""
        mode_field = f"{name}_parse_mode"
        if mode_field not in spec.fields:
            if name not in _PARSED_TEXT_FIELDS or "parse_mode" not in spec.fields:
                return raw
            mode_field = "parse_mode"
        mode = obj.get(mode_field)
        if not isinstance(mode, str) or mode.lower() != "html":
            return raw
        parsed = parse_html(raw)
        report.errors.extend(f"{where}: can't parse entities: {e}" for e in parsed.errors)
        return parsed.text

    @staticmethod
    def _check_length(fspec: FieldSpec, text: str, where: str, report: _Report) -> None:
        assert fspec.length is not None
        low, high, unit = fspec.length
        size = len(text.encode("utf-8")) if unit == "bytes" else len(text)
        if fspec.name in ("text", "message_text") and low >= 1 and not text.strip():
            report.errors.append(f"{where}: message text is empty (must be {low}-{high} {unit})")
        elif not low <= size <= high:
            prefix = _TEXT_LIMIT_MESSAGES.get(fspec.name, "")
            if fspec.name == "callback_data":
                prefix = "BUTTON_DATA_INVALID"
            prefix = f"{prefix}: " if prefix else ""
            parsed = "after entities parsing" in fspec.description
            after = " after entities parsing" if parsed else ""
            report.errors.append(
                f"{where}: {prefix}{size} {unit}{after}, must be {low}-{high} {unit}"
            )

    # -- rules for particular objects ---------------------------------------------------------

    def _rule_inline_button(self, button: dict[str, Any], path: str, report: _Report) -> None:
        spec = self.spec.types["InlineKeyboardButton"]
        actions = [n for n in spec.fields if n not in _BUTTON_DECORATION]
        used = [n for n in actions if button.get(n) is not None]
        if not used:
            report.errors.append(
                f"{path}: text buttons are unallowed in the inline keyboard "
                f"(needs exactly one of {', '.join(actions)})"
            )
        elif len(used) > 1:
            report.errors.append(
                f"{path}: a button must have exactly one action field, got {', '.join(used)}"
            )
        url = button.get("url")
        if isinstance(url, str) and (problem := _url_problem(url, ("http", "https", "tg"))):
            report.errors.append(f"{_join(path, 'url')}: BUTTON_URL_INVALID: {url!r}: {problem}")
        if isinstance(button.get("text"), str) and not button["text"].strip():
            report.errors.append(f"{_join(path, 'text')}: button text must not be empty")

    def _rule_inline_keyboard(self, markup: dict[str, Any], path: str, report: _Report) -> None:
        rows = markup.get("inline_keyboard")
        if not isinstance(rows, list):
            return
        total = 0
        for index, row in enumerate(rows):
            if isinstance(row, list):
                total += len(row)
                if len(row) > MAX_BUTTONS_PER_ROW:
                    report.errors.append(
                        f"{path}.inline_keyboard[{index}]: {len(row)} buttons "
                        f"in a row, at most {MAX_BUTTONS_PER_ROW} allowed"
                    )
        if total > MAX_BUTTONS:
            report.errors.append(
                f"{path}.inline_keyboard: {total} buttons, at most {MAX_BUTTONS} allowed"
            )

    def _rule_bot_command(self, command: dict[str, Any], path: str, report: _Report) -> None:
        name = command.get("command")
        if isinstance(name, str) and not _COMMAND_RE.fullmatch(name):
            report.errors.append(
                f"{_join(path, 'command')}: BOT_COMMAND_INVALID: {name!r} must "
                f"be 1-32 characters of a-z, 0-9 and _"
            )

    def _rule_web_app(self, web_app: dict[str, Any], path: str, report: _Report) -> None:
        url = web_app.get("url")
        if isinstance(url, str) and (problem := _url_problem(url, ("https",))):
            report.errors.append(f"{_join(path, 'url')}: Web App URL {url!r} is invalid: {problem}")

    def _rule_login_url(self, login: dict[str, Any], path: str, report: _Report) -> None:
        url = login.get("url")
        if isinstance(url, str) and (problem := _url_problem(url, ("http", "https"))):
            report.errors.append(f"{_join(path, 'url')}: BUTTON_URL_INVALID: {url!r}: {problem}")

    def _rule_set_webhook(self, params: dict[str, Any], path: str, report: _Report) -> None:
        url = params.get("url")
        if isinstance(url, str) and url:
            problem = _url_problem(url, ("https",))
            try:
                port = urlsplit(url).port or 443
            except ValueError:
                port = 443
            if problem:
                report.errors.append(
                    f"url: bad webhook: {problem} (An HTTPS URL must be provided for webhook)"
                )
            elif port not in _WEBHOOK_PORTS:
                report.errors.append(
                    "url: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
                )
        secret = params.get("secret_token")
        if isinstance(secret, str) and not _SECRET_TOKEN_RE.fullmatch(secret):
            report.errors.append("secret_token: only characters A-Z, a-z, 0-9, _ and - are allowed")


# --------------------------------------------------------------------------------------------
# Request decoding

_INT_RE = re.compile(r"[+-]?\d+")


def _decode_field(raw: Any, types: Sequence[str], files: Mapping[str, FakeFile]) -> Any:
    """Turn a form value (text) back into the Python value the bot meant."""
    if not isinstance(raw, str):
        return raw
    structured = any(t not in _SCALARS for t in types)
    if structured and raw.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    if "Integer" in types and _INT_RE.fullmatch(raw.strip()):
        return int(raw)
    if "Float" in types:
        try:
            return float(raw)
        except ValueError:
            pass
    if ("Boolean" in types or "True" in types) and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    if "InputFile" in types and raw.startswith("attach://"):
        return files.get(raw.removeprefix("attach://"), raw)
    return raw


def _decode_unknown(raw: Any) -> Any:
    if isinstance(raw, str) and raw.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


class _ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class _Failure:
    status: int
    description: str
    parameters: dict[str, Any] | None
    times: int


_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
_MEDIA_FIELDS = (
    "photo",
    "document",
    "audio",
    "video",
    "animation",
    "voice",
    "video_note",
    "sticker",
)
_CONTENT_KEYS = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    *_MEDIA_FIELDS,
    "location",
    "venue",
    "contact",
    "dice",
    "poll",
    "invoice",
    "link_preview_options",
)
_MESSAGE_UPDATE_KEYS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_message",
    "edited_business_message",
)
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply "
    "markup are exactly the same as a current content and reply markup of the "
    "message"
)


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _int_or(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


# --------------------------------------------------------------------------------------------
# The server


class FakeTelegram:
    """A local fake of the Telegram Bot API; see the module docstring."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",  # noqa: S107 - a fake token for tests
        spec_path: str | Path | None = None,
        bot_username: str = "infocom_pay_test_bot",
        strict: bool = True,
        rate_limit: bool = False,
        *,
        bot_first_name: str = "Infocom Pay Test",
    ) -> None:
        self.token = token
        self.spec = ApiSpec.load(spec_path or default_spec_path())
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        prefix = token.split(":", 1)[0]
        self.bot_id = int(prefix) if prefix.isdigit() else 123456
        self.strict = strict
        self.rate_limit = rate_limit

        self.base_url = ""
        self.calls: list[ApiCall] = []
        self.violations: list[str] = []
        self.warnings: list[str] = []
        self.webhook: dict[str, Any] | None = None
        self.throttled = 0
        self.clock: Callable[[], float] = time.monotonic  # pacing clock; tests may replace it
        # Current state of every message the fake knows, by (chat id, message id).
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}

        self._chats: dict[int, dict[str, Any]] = {}
        self._last_message_id: dict[int, int] = {}
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._update_signal = asyncio.Event()
        self._closing = False
        self._failures: dict[str, deque[_Failure]] = {}
        self._results: dict[str, Any] = {}
        self._gates: dict[str, asyncio.Event] = {}
        self._done_gates: dict[str, asyncio.Event] = {}
        self.held: dict[str, int] = {}
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._bot_texts: dict[tuple[str, str], str] = {}
        self._file_counter = 0
        self._recent_sends: deque[float] = deque()
        self._last_send_in_chat: dict[int, float] = {}
        self._runner: web.AppRunner | None = None
        self._handlers = self._build_handlers()
        self._message_methods = frozenset(
            name
            for name, m in self.spec.methods.items()
            if name.startswith(("send", "forward", "copy"))
            and {"Message", "Array of Message", "MessageId", "Array of MessageId"} & set(m.returns)
        )

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        if self._runner is not None:
            return self.base_url
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self._closing = False
        self._update_signal = asyncio.Event()
        bound_host, bound_port = runner.addresses[0][:2]
        self.base_url = f"http://{bound_host}:{bound_port}"
        return self.base_url

    async def stop(self) -> None:
        self._closing = True
        self._wake_pollers()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- test API -----------------------------------------------------------------------------

    def calls_to(self, method: str, chat_id: int | str | None = None) -> list[ApiCall]:
        wanted = method.lower()
        return [
            c
            for c in self.calls
            if c.method.lower() == wanted and (chat_id is None or _same_chat(c.chat_id, chat_id))
        ]

    def sent_messages(self, chat_id: int | str | None = None) -> list[ApiCall]:
        """Successful calls that created messages (sendMessage, sendDocument, copyMessage...)."""
        return [
            c
            for c in self.calls
            if c.method in self._message_methods
            and c.response is not None
            and (chat_id is None or _same_chat(c.chat_id, chat_id))
        ]

    def chat_messages(self, chat_id: int | str) -> list[dict[str, Any]]:
        """Current state (after edits and deletions) of the messages of a chat, oldest first."""
        key = self._chat_key(chat_id)
        found = [(mid, m) for (ck, mid), m in self.messages.items() if ck == key]
        return [copy.deepcopy(m) for _, m in sorted(found, key=lambda pair: pair[0])]

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates; messages in it become known to the fake."""
        update = copy.deepcopy(update)
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        self._register_update(update)
        self._updates.append(update)
        self._wake_pollers()

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self._updates)

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        description: str = "",
        retry_after: int | None = None,
        times: int = 1,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error.

        ``status=0`` drops the connection without answering. 429 always carries
        ``parameters.retry_after`` (default 1).
        """
        parameters: dict[str, Any] = {}
        if status == 429 or retry_after is not None:
            parameters["retry_after"] = retry_after if retry_after is not None else 1
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        if not description:
            if status == 429:
                description = f"Too Many Requests: retry after {parameters['retry_after']}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(status, "Error")
        failure = _Failure(status, description, parameters or None, times)
        self._failures.setdefault(self._method_key(method), deque()).append(failure)

    def next_message_id(self, chat_id: int) -> int:
        """The id Telegram would give the next message in the chat (for a user's message)."""
        return self._last_message_id.get(chat_id, 0) + 1

    def register_update(self, update: dict[str, Any]) -> None:
        """An update fed to the bot another way (e.g. ``feed_update``): its messages become
        known, so the bot may edit or delete them as on Telegram."""
        self._register_update(copy.deepcopy(update))

    def hold(self, method: str, *, done: bool = False) -> None:
        """Keep every request of ``method`` waiting until release: unrecorded, as if it never
        reached Telegram, or with ``done`` carried out but unanswered, as if the answer was
        lost on the way back."""
        gates = self._done_gates if done else self._gates
        gates[self._method_key(method)] = asyncio.Event()
        self.held[self._method_key(method)] = 0

    def release(self, method: str) -> None:
        for gates in (self._gates, self._done_gates):
            gate = gates.pop(self._method_key(method), None)
            if gate is not None:
                gate.set()

    def set_result(self, method: str, result: Any) -> None:
        """Answer ``method`` with ``result`` (or ``result(params)`` if callable) from now on."""
        self._results[self._method_key(method)] = result

    def assert_clean(self) -> None:
        if self.violations:
            listing = "\n".join(f"  - {v}" for v in self.violations)
            raise AssertionError(f"{len(self.violations)} Telegram API violation(s):\n{listing}")

    # -- HTTP ---------------------------------------------------------------------------------

    async def _not_found(self, request: web.Request) -> web.Response:
        return _error_body(404, "Not Found")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw_method = request.match_info["method"]
        gate = self._gates.get(self._method_key(raw_method))
        if gate is not None:
            self.held[self._method_key(raw_method)] += 1
            await gate.wait()
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=499)  # the sender died: it never reached Telegram
        if request.match_info["token"] != self.token:
            self.violations.append(
                f"{raw_method}: request with a wrong bot token (answered 401 Unauthorized)"
            )
            return _error_body(401, "Unauthorized")
        try:
            raw, files = await _read_request(request)
        except (ValueError, UnicodeDecodeError) as exc:
            self.violations.append(f"{raw_method}: undecodable request body: {exc}")
            return _error_body(400, f"Bad Request: can't parse request body: {exc}")

        call = self._record(raw_method, raw, files)
        if (failure := self._take_failure(call.method)) is not None:
            if failure.status == 0:
                call.error = {"error_code": 0, "description": "connection dropped"}
                if request.transport is not None:
                    request.transport.close()
                return web.Response(status=500)
            return self._fail(
                call, _ApiError(failure.status, failure.description, failure.parameters)
            )
        if call.violations and self.strict:
            problems = "; ".join(v.split(": ", 1)[1] for v in call.violations)
            return self._fail(call, _ApiError(400, f"Bad Request: {problems}"))
        try:
            if self.rate_limit and call.method in self._message_methods:
                self._throttle(call.params.get("chat_id"))
            result = await self._answer(call)
        except _ApiError as exc:
            return self._fail(call, exc)
        call.response = copy.deepcopy(result)
        if (gate := self._done_gates.get(self._method_key(raw_method))) is not None:
            self.held[self._method_key(raw_method)] += 1
            await gate.wait()
        return web.json_response({"ok": True, "result": result})

    async def take_webhook_response(self, response: ClientResponse) -> ApiCall | None:
        """A webhook request's response taken as Telegram takes it: the method it carries
        carried out when the status is 200, nothing otherwise."""
        if response.status != 200:
            return None
        content_type = response.headers.get("Content-Type", "")
        return await self.take_webhook_answer(content_type, await response.read())

    async def take_webhook_answer(self, content_type: str, body: bytes) -> ApiCall | None:
        """The method in the answer to a webhook request, if it carries one ("method" and its
        parameters as JSON, a URL-encoded or a multipart form), carried out; its outcome is
        kept in the call only. `content_type`: the whole header, a form's boundary with it."""
        raw, files = _webhook_answer(content_type, body)
        method = raw.pop("method", None)
        if not method:
            return None
        call = self._record(str(method), raw, files)
        call.via_webhook = True
        if not call.violations:
            try:
                call.response = copy.deepcopy(await self._answer(call))
            except _ApiError as exc:
                call.error = {"error_code": exc.status, "description": exc.description}
        return call

    def _record(self, raw_method: str, raw: dict[str, Any], files: dict[str, FakeFile]) -> ApiCall:
        spec = self.spec.method(raw_method)
        if spec is None:
            params = {k: _decode_unknown(v) for k, v in raw.items()}
            call = ApiCall(raw_method, params, files=files)
            self.warnings.append(
                f"{raw_method}: unknown method (not in {self.spec.version}); answered True"
            )
            self.calls.append(call)
            return call
        params = {}
        for name, value in raw.items():
            fspec = spec.fields.get(name)
            params[name] = (
                _decode_field(value, fspec.types, files) if fspec else _decode_unknown(value)
            )
        call = ApiCall(spec.name, params, files=files)
        report = _Validator(self.spec, files).check_object(params, spec, "")
        call.violations = [f"{spec.name}: {e}" for e in report.errors]
        self.violations.extend(call.violations)
        self.warnings.extend(f"{spec.name}: {w}" for w in report.warnings)
        self.calls.append(call)
        return call

    def _fail(self, call: ApiCall, error: _ApiError) -> web.Response:
        call.error = {"error_code": error.status, "description": error.description}
        if error.parameters:
            call.error["parameters"] = error.parameters
        return _error_body(error.status, error.description, error.parameters)

    def _take_failure(self, method: str) -> _Failure | None:
        queue = self._failures.get(method.lower())
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.popleft()
        return failure

    def _throttle(self, chat_id: Any) -> None:
        now = self.clock()
        while self._recent_sends and now - self._recent_sends[0] >= 1.0:
            self._recent_sends.popleft()
        key = self._chat_key_or_none(chat_id)
        last = self._last_send_in_chat.get(key) if key is not None else None
        if len(self._recent_sends) >= GLOBAL_MESSAGES_PER_SECOND or (
            last is not None and now - last < PER_CHAT_INTERVAL
        ):
            self.throttled += 1
            raise _ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        self._recent_sends.append(now)
        if key is not None:
            self._last_send_in_chat[key] = now

    # -- answers ------------------------------------------------------------------------------

    async def _answer(self, call: ApiCall) -> Any:
        params = call.params
        override = self._results.get(call.method.lower(), _MISSING)
        if override is not _MISSING:
            return override(params) if callable(override) else copy.deepcopy(override)
        handler = self._handlers.get(call.method)
        if handler is not None:
            result = handler(call)
            return await result if asyncio.iscoroutine(result) else result
        if call.method in self._message_methods:
            return self._send(call.method, params, call.files)
        spec = self.spec.method(call.method)
        returns = spec.returns if spec else ("Boolean",)
        return self._synthesize(returns[0]) if returns else True

    def _build_handlers(self) -> dict[str, Callable[[ApiCall], Any]]:
        return {
            "getMe": lambda c: self._bot_user(full=True),
            "getUpdates": lambda c: self._get_updates(c.params),
            "setWebhook": lambda c: self._set_webhook(c.params),
            "deleteWebhook": lambda c: self._delete_webhook(c.params),
            "getWebhookInfo": lambda c: self._webhook_info(),
            "setMyCommands": lambda c: self._set_commands(c.params),
            "deleteMyCommands": lambda c: self._delete_commands(c.params),
            "getMyCommands": lambda c: copy.deepcopy(
                self._commands.get(_commands_key(c.params), [])
            ),
            "setMyDescription": lambda c: self._set_bot_text("description", c.params),
            "getMyDescription": lambda c: {
                "description": self._get_bot_text("description", c.params)
            },
            "setMyShortDescription": lambda c: self._set_bot_text("short_description", c.params),
            "getMyShortDescription": lambda c: {
                "short_description": self._get_bot_text("short_description", c.params)
            },
            "setMyName": lambda c: self._set_bot_text("name", c.params),
            "getMyName": lambda c: {
                "name": self._get_bot_text("name", c.params) or self.bot_first_name
            },
            "editMessageText": lambda c: self._edit_text(c.params),
            "editMessageCaption": lambda c: self._edit_caption(c.params),
            "editMessageReplyMarkup": lambda c: self._edit_reply_markup(c.params),
            "editMessageMedia": lambda c: self._edit_media(c.params, c.files),
            "deleteMessage": lambda c: self._delete_message(c.params),
            "deleteMessages": lambda c: self._delete_messages(c.params),
            "sendMediaGroup": lambda c: self._send_media_group(c.params, c.files),
            "forwardMessages": lambda c: self._copy_many(c.params, forward=True),
            "copyMessages": lambda c: self._copy_many(c.params, forward=False),
            "getChat": lambda c: self._get_chat(c.params),
            "getChatMember": lambda c: self._get_chat_member(c.params),
            "getFile": lambda c: self._get_file(c.params),
        }

    def _bot_user(self, *, full: bool = False) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }
        if full:
            for fspec in self.spec.types["User"].fields.values():
                if "Returned only in getMe" in fspec.description and "Boolean" in fspec.types:
                    user[fspec.name] = False
            user["can_join_groups"] = True
        return user

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        if isinstance(offset, int) and not isinstance(offset, bool):
            if offset < 0:
                del self._updates[: max(0, len(self._updates) + offset)]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        limit = min(max(_int_or(params.get("limit"), 100), 1), 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0, _int_or(params.get("timeout"), 0))
        while not self._updates and not self._closing:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            signal = self._update_signal
            try:
                await asyncio.wait_for(signal.wait(), remaining)
            except TimeoutError:
                break
        return copy.deepcopy(self._updates[:limit])

    def _wake_pollers(self) -> None:
        self._update_signal.set()
        self._update_signal = asyncio.Event()

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {k: v for k, v in params.items() if not isinstance(v, FakeFile)}
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _webhook_info(self) -> dict[str, Any]:
        hook = self.webhook or {}
        info: dict[str, Any] = {
            "url": hook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        for name in ("ip_address", "max_connections", "allowed_updates"):
            if hook.get(name) is not None:
                info[name] = hook[name]
        if hook and "max_connections" not in info:
            info["max_connections"] = 40
        return info

    def _set_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        self._commands[_commands_key(params)] = commands if isinstance(commands, list) else []
        return True

    def _delete_commands(self, params: dict[str, Any]) -> bool:
        self._commands.pop(_commands_key(params), None)
        return True

    def _set_bot_text(self, kind: str, params: dict[str, Any]) -> bool:
        self._bot_texts[(kind, str(params.get("language_code") or ""))] = str(
            params.get(kind) or ""
        )
        return True

    def _get_bot_text(self, kind: str, params: dict[str, Any]) -> str:
        return self._bot_texts.get((kind, str(params.get("language_code") or "")), "")

    def _get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        full = self._synthesize("ChatFullInfo")
        full.update(self._chat(params.get("chat_id")))
        return full

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id", ""))
        return {
            "file_id": file_id,
            "file_unique_id": f"unique-{file_id}",
            "file_size": 0,
            "file_path": f"files/{file_id}",
        }

    def _get_chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        self._chat(params.get("chat_id"))
        user_id = _int_or(params.get("user_id"), 0)
        if user_id == self.bot_id:
            return {"status": "member", "user": self._bot_user()}
        return {"status": "member", "user": {"id": user_id, "is_bot": False, "first_name": "Test"}}

    # -- messages -----------------------------------------------------------------------------

    def _send(self, method: str, params: dict[str, Any], files: Mapping[str, FakeFile]) -> Any:
        if method in ("forwardMessage", "copyMessage"):
            source = self.messages.get(
                (self._chat_key(params.get("from_chat_id")), _int_or(params.get("message_id"), 0)),
                {},
            )
            content = {k: copy.deepcopy(v) for k, v in source.items() if k in _CONTENT_KEYS}
            if method == "copyMessage" and "caption" in params:
                content.update(self._formatted(params, "caption", "caption_entities"))
            if method == "forwardMessage":
                content["forward_origin"] = {
                    "type": "hidden_user",
                    "date": source.get("date", 0),
                    "sender_user_name": "Test",
                }
            message = self._new_message(params.get("chat_id"), content, params)
            return {"message_id": message["message_id"]} if method == "copyMessage" else message
        content = self._content(method, params, files)
        return self._new_message(params.get("chat_id"), content, params)

    def _content(
        self, method: str, params: dict[str, Any], files: Mapping[str, FakeFile]
    ) -> dict[str, Any]:
        content: dict[str, Any] = {}
        if method == "sendMessage":
            content.update(self._formatted(params, "text", "entities"))
        if "caption" in params:
            content.update(self._formatted(params, "caption", "caption_entities"))
        for name in _MEDIA_FIELDS:
            if name in params:
                content[name] = self._file_object(name, params[name], files)
        if method in ("sendLocation", "sendVenue"):
            location = {
                "latitude": params.get("latitude", 0.0),
                "longitude": params.get("longitude", 0.0),
            }
            if method == "sendVenue":
                content["venue"] = {
                    "location": location,
                    "title": params.get("title", ""),
                    "address": params.get("address", ""),
                }
            content["location"] = location
        elif method == "sendContact":
            content["contact"] = {
                k: params[k]
                for k in ("phone_number", "first_name", "last_name", "vcard")
                if k in params
            }
        elif method == "sendDice":
            content["dice"] = {"emoji": params.get("emoji", "🎲"), "value": 1}
        elif method == "sendInvoice":
            prices = params.get("prices") if isinstance(params.get("prices"), list) else []
            content["invoice"] = {
                "title": params.get("title", ""),
                "description": params.get("description", ""),
                "start_parameter": params.get("start_parameter", ""),
                "currency": params.get("currency", ""),
                "total_amount": sum(
                    _int_or(p.get("amount"), 0) for p in prices if isinstance(p, dict)
                ),
            }
        elif method == "sendPoll":
            poll = self._synthesize("Poll")
            options = params.get("options") if isinstance(params.get("options"), list) else []
            poll.update(
                id=str(len(self.calls)),
                question=params.get("question", ""),
                options=[
                    {"text": o.get("text", ""), "voter_count": 0}
                    for o in options
                    if isinstance(o, dict)
                ],
                type=params.get("type", "regular"),
                is_anonymous=True,
            )
            content["poll"] = poll
        return content

    def _new_message(
        self, chat_id: Any, content: dict[str, Any], params: Mapping[str, Any]
    ) -> dict[str, Any]:
        chat = self._chat(chat_id)
        key = chat["id"]
        message_id = self._last_message_id.get(key, 0) + 1
        self._last_message_id[key] = message_id
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": self._bot_user(),
            "date": int(time.time()),
            "chat": chat,
            **content,
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = copy.deepcopy(markup)
        self.messages[(key, message_id)] = message
        return copy.deepcopy(message)

    def _send_media_group(
        self, params: dict[str, Any], files: Mapping[str, FakeFile]
    ) -> list[dict[str, Any]]:
        media = params.get("media") if isinstance(params.get("media"), list) else []
        group_id = str(len(self.calls))
        sent = []
        for item in media:
            if not isinstance(item, dict):
                continue
            kind = str(item.get("type", "document"))
            content: dict[str, Any] = {
                "media_group_id": group_id,
                kind: self._file_object(kind, item.get("media"), files),
            }
            if "caption" in item:
                content.update(self._formatted(item, "caption", "caption_entities"))
            sent.append(self._new_message(params.get("chat_id"), content, {}))
        return sent

    def _copy_many(self, params: dict[str, Any], *, forward: bool) -> list[dict[str, Any]]:
        ids = params.get("message_ids") if isinstance(params.get("message_ids"), list) else []
        method = "forwardMessage" if forward else "copyMessage"
        result = []
        for message_id in ids:
            sent = self._send(method, {**params, "message_id": message_id}, {})
            result.append({"message_id": sent["message_id"]})
        return result

    def _formatted(
        self, params: Mapping[str, Any], name: str, entities_name: str
    ) -> dict[str, Any]:
        """``{name: text after parsing, entities_name: entities}`` as Telegram would store."""
        raw = params.get(name)
        if not isinstance(raw, str):
            return {}
        mode = params.get("parse_mode")
        if isinstance(mode, str) and mode.lower() == "html":
            parsed = parse_html(raw)
            text, entities = parsed.text, parsed.entities
        else:
            text = raw
            given = params.get(entities_name)
            entities = given if isinstance(given, list) else []
        result: dict[str, Any] = {name: text}
        if entities:
            result[entities_name] = copy.deepcopy(entities)
        return result

    def _file_object(self, kind: str, value: Any, files: Mapping[str, FakeFile]) -> Any:
        if isinstance(value, str) and value.startswith("attach://"):
            value = files.get(value.removeprefix("attach://"), value)
        self._file_counter += 1
        number = self._file_counter
        info: dict[str, Any] = {
            "file_id": f"fake-{kind}-{number}",
            "file_unique_id": f"fake-unique-{number}",
        }
        if isinstance(value, FakeFile):
            info.update(
                file_name=value.filename, mime_type=value.content_type, file_size=value.size
            )
        elif isinstance(value, str) and not value.startswith(("http://", "https://")):
            info["file_id"] = value  # resending by file_id
        if kind == "photo":
            size = info.get("file_size", 0)
            return [
                {
                    "file_id": info["file_id"],
                    "file_unique_id": info["file_unique_id"],
                    "width": width,
                    "height": width,
                    "file_size": size,
                }
                for width in (90, 800)
            ]
        spec = self.spec.types.get(_camel(kind))
        obj = self._synthesize(_camel(kind)) if spec else {}
        obj.update({k: v for k, v in info.items() if spec is None or k in spec.fields})
        return obj

    def _edit_target(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """The stored message an edit refers to; None for inline messages."""
        if params.get("inline_message_id") is not None and params.get("chat_id") is None:
            return None
        key = (self._chat_key(params.get("chat_id")), _int_or(params.get("message_id"), 0))
        message = self.messages.get(key)
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id:
            raise _ApiError(400, "Bad Request: message can't be edited")
        return message

    def _apply_edit(
        self, message: dict[str, Any], changes: dict[str, Any], compared: Iterable[str]
    ) -> dict[str, Any]:
        compared = tuple(compared)
        if all(message.get(k) == changes.get(k) for k in compared):
            raise _ApiError(400, _NOT_MODIFIED)
        for name in compared:
            if changes.get(name) is None:
                message.pop(name, None)
            else:
                message[name] = copy.deepcopy(changes[name])
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _edit_text(self, params: dict[str, Any]) -> Any:
        message = self._edit_target(params)
        if message is None:
            return True
        if "text" not in message:
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        changes = {
            **self._formatted(params, "text", "entities"),
            "reply_markup": _inline_markup(params),
        }
        return self._apply_edit(message, changes, ("text", "entities", "reply_markup"))

    def _edit_caption(self, params: dict[str, Any]) -> Any:
        message = self._edit_target(params)
        if message is None:
            return True
        if "text" in message:
            raise _ApiError(400, "Bad Request: there is no caption in the message to edit")
        changes = {
            **self._formatted(params, "caption", "caption_entities"),
            "reply_markup": _inline_markup(params),
        }
        return self._apply_edit(message, changes, ("caption", "caption_entities", "reply_markup"))

    def _edit_reply_markup(self, params: dict[str, Any]) -> Any:
        message = self._edit_target(params)
        if message is None:
            return True
        return self._apply_edit(
            message, {"reply_markup": _inline_markup(params)}, ("reply_markup",)
        )

    def _edit_media(self, params: dict[str, Any], files: Mapping[str, FakeFile]) -> Any:
        message = self._edit_target(params)
        if message is None:
            return True
        media = params.get("media") if isinstance(params.get("media"), dict) else {}
        kind = str(media.get("type", "document"))
        for name in (*_MEDIA_FIELDS, "caption", "caption_entities"):
            message.pop(name, None)
        message[kind] = self._file_object(kind, media.get("media"), files)
        message.update(self._formatted(media, "caption", "caption_entities"))
        markup = _inline_markup(params)
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _delete_message(self, params: dict[str, Any]) -> bool:
        key = (self._chat_key(params.get("chat_id")), _int_or(params.get("message_id"), 0))
        if self.messages.pop(key, None) is None:
            raise _ApiError(400, "Bad Request: message to delete not found")
        return True

    def _delete_messages(self, params: dict[str, Any]) -> bool:
        chat = self._chat_key(params.get("chat_id"))
        ids = params.get("message_ids") if isinstance(params.get("message_ids"), list) else []
        for message_id in ids:
            self.messages.pop((chat, _int_or(message_id, 0)), None)
        return True

    # -- chats and updates --------------------------------------------------------------------

    def _chat_key(self, chat_id: Any) -> int:
        key = self._chat_key_or_none(chat_id)
        if key is None:
            raise _ApiError(400, "Bad Request: chat not found")
        return key

    def _chat_key_or_none(self, chat_id: Any) -> int | None:
        if isinstance(chat_id, bool):
            return None
        if isinstance(chat_id, int):
            return chat_id
        if isinstance(chat_id, str):
            if _INT_RE.fullmatch(chat_id.strip()):
                return int(chat_id)
            if chat_id.startswith("@") and len(chat_id) > 1:
                username = chat_id[1:]
                channel_id = -(10**12) - zlib.crc32(username.lower().encode()) % 10**9
                self._chats.setdefault(
                    channel_id,
                    {
                        "id": channel_id,
                        "type": "channel",
                        "title": "Test channel",
                        "username": username,
                    },
                )
                return channel_id
        return None

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        key = self._chat_key(chat_id)
        if key in self._chats:
            return copy.deepcopy(self._chats[key])
        assert isinstance(key, int)
        if key > 0:
            return {"id": key, "type": "private", "first_name": "Test"}
        if key <= -(10**12):
            return {"id": key, "type": "supergroup", "title": "Test supergroup"}
        return {"id": key, "type": "group", "title": "Test group"}

    def _register_update(self, update: dict[str, Any]) -> None:
        for name in _MESSAGE_UPDATE_KEYS:
            if isinstance(update.get(name), dict):
                self._register_message(update[name], overwrite=True)
        callback = update.get("callback_query")
        if isinstance(callback, dict) and isinstance(callback.get("message"), dict):
            self._register_message(callback["message"], overwrite=False)

    def _register_message(self, message: dict[str, Any], *, overwrite: bool) -> None:
        chat = message.get("chat")
        message_id = message.get("message_id")
        if not isinstance(chat, dict) or not isinstance(chat.get("id"), int):
            return
        if not isinstance(message_id, int) or message.get("date") == 0:
            return  # inaccessible message
        self._chats.setdefault(chat["id"], copy.deepcopy(chat))
        key = (chat["id"], message_id)
        if overwrite or key not in self.messages:
            self.messages[key] = copy.deepcopy(message)
        self._last_message_id[chat["id"]] = max(
            self._last_message_id.get(chat["id"], 0), message_id
        )

    # -- helpers ------------------------------------------------------------------------------

    def _method_key(self, method: str) -> str:
        spec = self.spec.method(method)
        return (spec.name if spec else method).lower()

    def _synthesize(self, type_name: str, depth: int = 0) -> Any:
        """A minimal valid value of ``type_name`` (required fields only)."""
        if type_name.startswith(_ARRAY):
            return []
        scalars: dict[str, Any] = {
            "Integer": 0,
            "Float": 0.0,
            "String": "",
            "Boolean": True,
            "True": True,
            "InputFile": "",
        }
        if type_name in scalars:
            return scalars[type_name]
        spec = self.spec.types.get(type_name)
        if spec is None or depth > 8:
            return {}
        if spec.subtypes and not spec.fields:
            return self._synthesize(spec.subtypes[0], depth + 1)
        obj: dict[str, Any] = {}
        for fspec in spec.fields.values():
            if fspec.required:
                obj[fspec.name] = fspec.discriminator or self._synthesize(fspec.types[0], depth + 1)
        return obj


_MISSING = object()


async def _read_request(request: web.Request) -> tuple[dict[str, Any], dict[str, FakeFile]]:
    """Raw (still textual) parameters and uploaded files of a Bot API request."""
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, FakeFile] = {}
    if request.content_type == "application/json":
        body = await request.json()
        if not isinstance(body, dict):
            raise ValueError("JSON body must be an object")
        raw.update(body)
    elif request.method == "POST":
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                files[name] = FakeFile(value.filename, value.file.read(), value.content_type)
            else:
                raw[name] = value
    return raw, files


def _webhook_answer(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, FakeFile]]:
    """The raw parameters and files of a webhook's answer, as `_read_request` reads a request."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body.strip() or kind not in _ANSWER_TYPES:
        return {}, {}
    if kind == "application/json":
        parsed = json.loads(body)
        return (parsed, {}) if isinstance(parsed, dict) else ({}, {})
    if kind == "application/x-www-form-urlencoded":
        return dict(parse_qsl(body.decode())), {}
    headers = f"Content-Type: {content_type}\r\n\r\n".encode()
    form = BytesParser(policy=email.policy.HTTP).parsebytes(headers + body)
    raw: dict[str, Any] = {}
    files: dict[str, FakeFile] = {}
    for part in form.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        if (filename := part.get_filename()) is not None:
            files[name] = FakeFile(filename, data, part.get_content_type())
        else:
            raw[name] = data.decode(part.get_content_charset() or "utf-8")
    return raw, files


_ANSWER_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")


def _error_body(
    status: int, description: str, parameters: dict[str, Any] | None = None
) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


def _same_chat(a: int | str | None, b: int | str) -> bool:
    return a is not None and str(a).strip() == str(b).strip()


def _inline_markup(params: Mapping[str, Any]) -> dict[str, Any] | None:
    markup = params.get("reply_markup")
    return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None


def _commands_key(params: Mapping[str, Any]) -> tuple[str, str]:
    scope = params.get("scope")
    if not isinstance(scope, dict):
        scope = {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")
