"""The dashboard answers only its own page.

On a local chain the server sends transactions for the node's unlocked dev
accounts and writes deployment records, so a request it accepts acts as
the user. A page on another origin can post to 127.0.0.1 (a `text/plain`
form post needs no preflight), and DNS rebinding lets another site's
script read the server under its own host name. `LocalOnly`, an ASGI
middleware around the whole app, refuses all of that before any handler
runs:

- every request: its Host header must be one of the trusted hosts (the
  served address: 127.0.0.1, localhost or [::1] with the port it listens
  on, or those the user names with --allowed-host), else 403;
- every request that is not GET or HEAD (the API's POSTs):
  - its Origin must be the served address (http:// and a trusted host),
    else 403; browsers always send Origin on a POST;
  - its content type must be application/json, else 415, so a form or a
    `text/plain` fetch from another page is refused;
  - its X-Decai-Token header must be this server's session token, a random
    value made at start and written into the page it serves (which only a
    same-origin script can read), else 403;
  - its body must state its length (411 otherwise) and be at most
    MAX_BODY bytes (413 otherwise), checked before a byte is read.

Nothing a refused request carries reaches a handler, so nothing is parsed,
sent or written.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable

#: The largest request body the API reads (a model file for the deploy plan fits).
MAX_BODY = 1 << 20
#: The header the page sends its session token in.
TOKEN_HEADER = "x-decai-token"
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
SAFE_METHODS = ("GET", "HEAD")


def new_token() -> str:
    """A fresh session token (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def trusted_hosts(host: str, port: int, extra: Iterable[str] = ()) -> list[str]:
    """The Host header values the server answers: the address it listens on
    and, when that is a loopback or wildcard address, the loopback names,
    each with the port; plus `extra` as given (host, or host:port)."""
    names = [host if ":" not in host else f"[{host}]"]
    if host in ("127.0.0.1", "localhost", "::1", "0.0.0.0", "::"):
        names = [n for n in names if n not in ("0.0.0.0", "[::]")] + list(LOOPBACK)
    hosts = [f"{name}:{port}" for name in dict.fromkeys(names)]
    for value in extra:
        value = value.strip().lower()
        if value:
            hosts.append(value if ":" in value.rsplit("]", 1)[-1] else f"{value}:{port}")
    return list(dict.fromkeys(hosts))


class LocalOnly:
    """ASGI middleware enforcing the rules in this module's docstring."""

    def __init__(self, app, hosts: Iterable[str], token: str, max_body: int = MAX_BODY):
        self.app = app
        self.hosts = {h.lower() for h in hosts}
        self.origins = {f"http://{h}" for h in self.hosts}
        self.token = token
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        problem = self.problem(scope["method"], headers)
        if problem is not None:
            status, message = problem
            return await _refuse(send, status, message)
        return await self.app(scope, receive, send)

    def problem(self, method: str, headers: dict[str, str]) -> tuple[int, str] | None:
        """(status, message) refusing a request with these headers, or None."""
        host = headers.get("host", "").strip().lower()
        if host not in self.hosts:
            return 403, f"this server answers only as {', '.join(sorted(self.hosts))}, not {host or 'no host'}"
        if method in SAFE_METHODS:
            return None
        origin = headers.get("origin", "").strip().lower()
        if origin not in self.origins:
            return 403, f"requests from {origin or 'no origin'} are refused: only the dashboard's own page may post"
        media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type != "application/json":
            return 415, f"the request must be application/json, not {media_type or 'untyped'}"
        if not secrets.compare_digest(headers.get(TOKEN_HEADER, "").encode(), self.token.encode()):
            return 403, "the session token is missing or wrong: reload the dashboard's page"
        if "transfer-encoding" in headers or "content-length" not in headers:
            return 411, "the request must state its length (Content-Length)"
        try:
            length = int(headers["content-length"])
        except ValueError:
            return 400, "the Content-Length header is not a number"
        if length > self.max_body:
            return 413, f"the request is {length} bytes; the limit is {self.max_body}"
        return None


async def _refuse(send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send({
        "type": "http.response.start", "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close")],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": body})
