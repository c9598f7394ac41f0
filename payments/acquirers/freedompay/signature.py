"""Freedom Pay's signature: ``pg_sig`` is the MD5 of ``script;value;value;...;secret_key``, the
values in the order of their flattened parameter names, and every message carries a ``pg_salt``."""

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit


def flatten(params: Mapping[str, Any] | Sequence[Any], parent: str = "") -> dict[str, str]:
    """Nested parameters as one flat mapping, exactly as the documentation's PHP example does.

    Its ``makeFlatParamsArray`` names every value ``{parent}{key}{position:03d}`` (position
    counted from 1 within its level, in the given order) and recurses into arrays, so that
    after sorting by name nested values stay grouped under their parent:
    ``{"a": "1", "b": [{"x": "2"}]}`` becomes ``{"a001": "1", "b0020001x001": "2"}``.
    """
    items = params.items() if isinstance(params, Mapping) else enumerate(params)
    flat: dict[str, str] = {}
    for position, (key, value) in enumerate(items, start=1):
        name = f"{parent}{key}{position:03d}"
        nested = (
            flatten(value, name)
            if isinstance(value, Mapping | list | tuple)
            else {name: php_string(value)}
        )
        for nested_name, nested_value in nested.items():
            if nested_name in flat:
                raise ValueError(f"parameter names collide after flattening: {nested_name!r}")
            flat[nested_name] = nested_value
    return flat


def php_string(value: Any) -> str:
    """PHP's ``(string)`` of the scalars a request may hold; floats are refused (use strings)."""
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, str | int):
        return str(value)
    raise TypeError(f"parameter values must be strings or integers, not {type(value).__name__}")


def _signature_base(script: str, params: Mapping[str, Any], secret: str) -> str:
    """``script;values sorted by flattened name;secret``: what is hashed (it holds the secret)."""
    unsigned = {key: value for key, value in params.items() if key != "pg_sig"}
    flat = flatten(unsigned)
    return ";".join([script, *(flat[name] for name in sorted(flat)), secret])


def sign(script: str, params: Mapping[str, Any], secret: str) -> str:
    """``pg_sig`` of a message to or from ``script`` (top-level ``pg_sig`` is left out)."""
    return hashlib.md5(_signature_base(script, params, secret).encode()).hexdigest()  # noqa: S324


def verify(script: str, params: Mapping[str, Any], secret: str) -> bool:
    """Whether ``params["pg_sig"]`` is the signature of the rest, compared in constant time."""
    given = params.get("pg_sig")
    if not isinstance(given, str) or not given:
        return False
    try:
        expected = sign(script, params, secret)
    except (TypeError, ValueError):
        return False
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())


def script_name(url: str) -> str:
    """The part of a URL's path after its last ``/``: what signatures start with."""
    return urlsplit(url).path.rsplit("/", 1)[-1]


def new_salt() -> str:
    return secrets.token_hex(16)


def signed(script: str, params: Mapping[str, Any], secret: str) -> dict[str, Any]:
    """``params`` with a fresh ``pg_salt`` (unless given) and their ``pg_sig``."""
    message = dict(params)
    message.setdefault("pg_salt", new_salt())
    message["pg_sig"] = sign(script, message, secret)
    return message
