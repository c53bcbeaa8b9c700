"""Who may use the studio: this computer only, unless started with ``--host``, and then only with its token.

Checks on every request (:func:`guard`), in order:

1. **Local only.** Without an access token, a request from any address but the loopback one is refused,
   and so is one whose ``Host`` header is not a loopback name: a web page elsewhere cannot reach the studio
   through DNS rebinding.
2. **Token.** Started with ``--host``, the studio prints a one-time token; a browser presents it once as
   ``?token=…`` and gets it back as an HttpOnly cookie; any request without it is refused.
3. **Same page.** Requests that change something must carry the ``X-A2I-Studio`` header, which a form or
   script of another site cannot add without the studio's consent (no CORS is ever granted): no cross-site
   request forgery.

Every response gets a Content-Security-Policy that lets the page run its own script only (so even a song
tag that reads like HTML cannot run), plus ``nosniff`` and ``frame-ancestors 'none'``.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets

from flask import Flask, Response, jsonify, redirect, request

#: The header a state-changing request must carry.
HEADER = "X-A2I-Studio"
#: The cookie holding the access token.
COOKIE = "a2i_studio_token"
#: Host names the local studio answers to.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
PAGE_CSP = ("default-src 'self'; img-src 'self' blob: data:; media-src 'self'; style-src 'self'; script-src 'self'; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def new_token() -> str:
    """A one-time access token (128 random bits, URL-safe)."""
    return secrets.token_urlsafe(16)


def is_loopback(address: str | None) -> bool:
    """Whether a client address is this computer.

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("192.168.1.20"), is_loopback(None)
    (True, True, False, False)
    """
    try:
        return ipaddress.ip_address((address or "").split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = 403
    return response


def guard() -> Response | None:
    """The checks above for the current request; a response refusing it, or ``None`` to let it through."""
    from flask import current_app

    token = current_app.config.get("ACCESS_TOKEN")
    if not token:
        if not is_loopback(request.remote_addr):
            return _refuse("the studio only answers this computer; start it with --host to let others connect")
        host = (request.host or "").rsplit(":", 1)[0] if not (request.host or "").startswith("[") else request.host.split("]")[0] + "]"
        if host not in LOCAL_HOSTS:
            return _refuse(f"the studio answers as 127.0.0.1 or localhost, not {host!r}")
    else:
        given = request.args.get("token")
        if given is not None and hmac.compare_digest(given, token) and request.method == "GET":
            response = redirect(request.path)
            response.set_cookie(COOKIE, token, httponly=True, samesite="Strict")
            return response
        if not hmac.compare_digest(request.cookies.get(COOKIE, ""), token):
            return _refuse("this studio needs its access token: open the address it printed, with ?token=…")
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.headers.get(HEADER) != "1":
        return _refuse(f"requests that change the studio must come from its page (header {HEADER})")
    return None


def secure_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def install(app: Flask) -> None:
    """Apply :func:`guard` and :func:`secure_headers` to every request of ``app``."""
    app.before_request(guard)
    app.after_request(secure_headers)


__all__ = ["COOKIE", "HEADER", "install", "is_loopback", "new_token"]
