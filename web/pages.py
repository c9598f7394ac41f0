"""Small HTML pages of the bot's web server, for a phone's browser, in the user's language."""

from aiohttp import web

from ui.i18n import Translator

_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:28rem;margin:1rem auto;padding:0 1rem;color:#222}}
label{{display:block;margin:.8rem 0 .2rem}}
input{{width:100%;padding:.6rem;font-size:1.1rem;box-sizing:border-box}}
button{{margin-top:1rem;width:100%;padding:.8rem;font-size:1.1rem;background:#0a6;color:#fff;
border:0;border-radius:.4rem}}
.warn{{background:#fff4d6;padding:.6rem;border-radius:.4rem}} .err{{color:#b00}}
.ok{{color:#070}}
table.receipt{{border-collapse:collapse;width:100%}} .receipt th,.receipt td{{text-align:left;
vertical-align:top;padding:.45rem .3rem;border-bottom:1px solid #dde}}
.receipt th{{font-weight:normal;color:#555;width:42%}} .muted{{color:#555;font-size:.9rem}}
.operator{{margin-top:1.2rem;padding-top:.6rem;border-top:2px solid #142a5a;font-size:.9rem}}
.operator a{{white-space:nowrap}}
</style></head><body><h1>{title}</h1>{body}</body></html>"""


# The pages show a receipt (a link anyone holding it may open) or take a test card: nothing
# may frame them, load from elsewhere, keep them in a cache or pass their address on.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def html_page(t: Translator, title_id: str, body: str, status: int = 200) -> web.Response:
    """`body` is HTML already: every value in it must have been escaped by the caller."""
    text = _PAGE.format(lang=t.language, title=t(title_id), body=body)
    return web.Response(text=text, status=status, content_type="text/html", headers=_HEADERS)
