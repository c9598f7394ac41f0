"""Freedom Pay's message formats: bracketed form fields (as PHP reads them), multipart bodies
and XML, read with a defused parser and bounded in depth and number of fields."""

import re
from collections.abc import Mapping, Sequence
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from payments.acquirers.freedompay.signature import php_string

MAX_FORM_FIELDS = 200
MAX_XML_DEPTH = 8  # the deepest documented message (a status answer's refunds) has 3 levels

_BRACKETED = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_FORBIDDEN_XML = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def parse_form(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Form fields as PHP reads them: ``a[0][name]=x`` becomes ``{"a": {"0": {"name": "x"}}}``.

    A repeated name is refused (PHP would keep the last one, but then the signature and our
    reading could see different values).
    """
    result: dict[str, Any] = {}
    for raw_key, value in pairs:
        match = _BRACKETED.match(raw_key)
        path = [raw_key] if match is None else [match[1], *re.findall(r"\[([^\[\]]*)\]", match[2])]
        if len(path) > MAX_XML_DEPTH:
            raise ValueError(f"form field nested deeper than {MAX_XML_DEPTH}")
        node = result
        for depth, part in enumerate(path):
            last = depth == len(path) - 1
            if part == "":
                part = str(sum(1 for key in node if key.isdigit()))
            if last:
                if part in node:
                    raise ValueError(f"repeated form field {raw_key!r}")
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise ValueError(f"form field {raw_key!r} is both a value and an array")
                node = child
    return result


def form_fields(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The inverse of :func:`parse_form`: nested parameters as bracketed form fields."""
    fields: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping | list | tuple):
            items = value.items() if isinstance(value, Mapping) else enumerate(value)
            for key, child in items:
                walk(f"{prefix}[{key}]", child)
        else:
            fields.append((prefix, php_string(value)))

    for key, value in params.items():
        walk(key, value)
    return fields


def parse_xml(body: bytes | str) -> tuple[str, dict[str, Any]]:
    """Root tag and fields of an XML message; a DOCTYPE, an ENTITY declaration or nesting
    deeper than MAX_XML_DEPTH is refused (ValueError), as the parser meets it.

    Repeated tags become a list in the order they appear; an element with children becomes a
    mapping, so :func:`sign` applies the documented rule recursively to nested tags.
    """
    text = body.decode() if isinstance(body, bytes) else body
    if _FORBIDDEN_XML.search(text):
        raise ValueError("XML with a DOCTYPE or ENTITY declaration")
    parser = ElementTree.XMLPullParser(events=("start", "end"), _parser=_defused_parser())
    depth = 0
    try:
        parser.feed(text)
        root = None
        for event, element in parser.read_events():
            depth += 1 if event == "start" else -1
            if depth > MAX_XML_DEPTH:
                raise ValueError(f"XML nested deeper than {MAX_XML_DEPTH}")
            root = element
        parser.close()
    except (ElementTree.ParseError, DefusedXmlException) as error:
        raise ValueError(f"not XML: {type(error).__name__}") from error
    if root is None:
        raise ValueError("not XML: no element")
    return root.tag, _element_fields(root)


def _defused_parser() -> DefusedXMLParser:
    return DefusedXMLParser(
        target=ElementTree.TreeBuilder(),
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
    )


def _element_fields(element: ElementTree.Element) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for child in element:
        value: Any = _element_fields(child) if len(child) else (child.text or "")
        if child.tag not in fields:
            fields[child.tag] = value
        elif isinstance(fields[child.tag], _Repeated):
            fields[child.tag].append(value)
        else:
            fields[child.tag] = _Repeated([fields[child.tag], value])
    return fields


class _Repeated(list):
    """Values of a tag that appeared more than once (a plain list could be a real value)."""


def build_xml(params: Mapping[str, Any], root: str = "response") -> str:
    element = ElementTree.Element(root)

    def fill(parent: ElementTree.Element, values: Mapping[str, Any]) -> None:
        for key, value in values.items():
            for item in value if isinstance(value, list) else [value]:
                child = ElementTree.SubElement(parent, key)
                if isinstance(item, Mapping):
                    fill(child, item)
                else:
                    child.text = php_string(item)

    fill(element, params)
    body = ElementTree.tostring(element, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}'


def _header(headers: Mapping[str, str], name: str) -> str:
    lowered = name.lower()
    return next((value for key, value in headers.items() if key.lower() == lowered), "")


def _multipart_pairs(body: bytes, content_type: str) -> list[tuple[str, str]]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ValueError("multipart body without parts")
    pairs = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            raise ValueError("multipart part without a name or a value")
        pairs.append((name, payload.decode()))
    if len(pairs) > MAX_FORM_FIELDS:
        raise ValueError("too many form fields")
    return pairs


def callback_params(body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    """The fields of a result callback: url-encoded, multipart, or XML (raw, or in ``pg_xml``)."""
    content_type = _header(headers, "Content-Type")
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime in ("application/xml", "text/xml"):
        return parse_xml(body)[1]
    if mime == "multipart/form-data":
        pairs = _multipart_pairs(body, content_type)
    else:
        pairs = parse_qsl(
            body.decode(),
            keep_blank_values=True,
            strict_parsing=True,
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    params = parse_form(pairs)
    if "pg_xml" in params:
        xml = params["pg_xml"]
        if not isinstance(xml, str) or len(params) != 1:
            raise ValueError("pg_xml must come alone")
        return parse_xml(xml)[1]
    return params
