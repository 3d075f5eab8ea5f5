"""Confirming a legal act: the same post again, on a page that first says what it will do.

A form for an act that issues or ends a right posts once without ``confirmed``: the page answers
with what will happen and the posted values (as hidden inputs) behind a button that posts them again
with ``confirmed=1``. With JavaScript the same statement comes as a dialog (``confirm.js``) that adds
``confirmed=1`` itself; the server never acts on an unconfirmed post.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from onething.web.render import render


def confirmed(form: FormData) -> bool:
    return form.get("confirmed") == "1"


def confirmation_page(
    request: Request,
    *,
    title: str,
    statement: str,
    form: FormData,
    button: str,
    back: str,
    details: list[tuple[str, str]] | None = None,
    danger: bool = False,
) -> HTMLResponse:
    hidden = [(k, v) for k, v in form.multi_items() if isinstance(v, str) and k not in ("csrf_token", "confirmed")]
    return render(
        request,
        "confirm.html",
        title=title,
        statement=statement,
        action=request.url.path,
        hidden=hidden,
        button=button,
        back=back,
        details=details or [],
        danger=danger,
    )
