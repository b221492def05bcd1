"""Reads that survive a flaky endpoint; sends that are never repeated blindly.

Public and free RPC endpoints drop connections, answer 429 (Too Many
Requests) or 5xx, and time out. `make_resilient(provider)` puts one policy
under every request the connected Ape provider makes (Ape's own calls, the
SDK's, the scripts', the dashboard's):

- a read that fails (no connection, a timeout, 429, 5xx) is tried again
  after a growing pause (`BACKOFF_S`, doubling up to `MAX_PAUSE_S`), or
  after the `Retry-After` the endpoint asked for (up to `MAX_RETRY_AFTER_S`),
  for as long as a budget of time allows (`BUDGET_S` of trying, and at least
  `MIN_ATTEMPTS` tries): a streak of failures on a flaky endpoint is ridden
  out however many tries it takes, and a dead one is given up on in bounded
  time. Then it raises NodeUnavailable, one sentence naming the endpoint,
  the method, the tries, the seconds and the last failure. Code that must
  answer sooner (the dashboard, whose page is waiting) narrows the budget
  with `read_budget(seconds)`;
- a send (`eth_sendRawTransaction`, `eth_sendTransaction`) is made once:
  if no answer comes back, it raises UnknownOutcome, and
  `decai.chain.transact` looks the transaction up by hash and nonce before
  it does anything else. (web3's own retry would post it again.)
"""

from __future__ import annotations

import contextlib
import contextvars
import email.utils
import random
import time
from collections.abc import Iterator
from typing import Any

import requests

from decai.errors import NodeUnavailable, UnknownOutcome

#: Seconds a read keeps being tried: no try starts past them ...
BUDGET_S = 20.0
#: ... and the fewest tries before giving up, however long they took.
MIN_ATTEMPTS = 3
BACKOFF_S = 0.1
MAX_PAUSE_S = 2.0
MAX_RETRY_AFTER_S = 30.0
SEND_METHODS = frozenset({"eth_sendRawTransaction", "eth_sendTransaction"})
_jitter = random.Random()
_budget: contextvars.ContextVar[float] = contextvars.ContextVar("decai_read_budget_s", default=BUDGET_S)


@contextlib.contextmanager
def read_budget(seconds: float) -> Iterator[None]:
    """Reads inside give up after `seconds` of trying instead of `BUDGET_S`."""
    token = _budget.set(seconds)
    try:
        yield
    finally:
        _budget.reset(token)


def retry_after_s(response: requests.Response | None) -> float | None:
    """The pause a 429/503 answer asks for (seconds or an HTTP date), if any."""
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _failure(error: Exception) -> tuple[bool, str, float | None]:
    """(worth retrying, what went wrong in words, the pause asked for)."""
    if isinstance(error, requests.HTTPError):
        response = error.response
        status = response.status_code if response is not None else 0
        words = f"HTTP {status} {getattr(response, 'reason', '') or ''}".strip()
        return status == 429 or status >= 500, words, retry_after_s(response)
    if isinstance(error, requests.Timeout):
        return True, "no answer in time", None
    if isinstance(error, requests.ConnectionError):
        return True, "the connection failed", None
    return False, str(error), None


def pause_s(attempt: int, asked: float | None) -> float:
    """How long to wait before try `attempt + 1`."""
    if asked is not None:
        return min(asked, MAX_RETRY_AFTER_S)
    return min(MAX_PAUSE_S, BACKOFF_S * 2**attempt) * (1 + 0.25 * _jitter.random())


def resilient_request(url: str, method: str, post, budget_s: float | None = None) -> Any:
    """`post()` (one HTTP request for `method` to `url`) under the policy above:
    a read is tried for `budget_s` seconds (default: `read_budget`'s, else
    `BUDGET_S`), at least `MIN_ATTEMPTS` times."""
    if method in SEND_METHODS:
        try:
            return post()
        except requests.RequestException as error:
            retry, words, _ = _failure(error)
            if isinstance(error, requests.HTTPError) and not retry:
                raise
            raise UnknownOutcome(f"the node at {url} gave no answer to {method} ({words})") from None
    budget = _budget.get() if budget_s is None else budget_s
    started = time.monotonic()
    attempt = 0
    while True:
        try:
            return post()
        except requests.RequestException as error:
            retry, words, asked = _failure(error)
            if not retry:
                raise
            attempt += 1
            pause = pause_s(attempt - 1, asked)
            spent = time.monotonic() - started
            # The next try would start past the budget (after the pause, or the
            # Retry-After the endpoint asked for): stop, once the fewest tries are made.
            if attempt >= MIN_ATTEMPTS and spent + pause > budget:
                raise NodeUnavailable(
                    f"the node at {url} did not answer {method} after {attempt} tries in {spent:.1f} s (last: {words})"
                ) from None
            time.sleep(pause)


def _http_providers(web3) -> list:
    from web3 import HTTPProvider

    provider = getattr(web3, "provider", None)
    found = [provider] if isinstance(provider, HTTPProvider) else []
    for name in ("_active_provider", "_potential_providers"):  # web3's AutoProvider
        value = getattr(provider, name, None)
        for candidate in value if isinstance(value, list | tuple) else [value]:
            if isinstance(candidate, HTTPProvider):
                found.append(candidate)
    return found


def make_resilient(provider) -> bool:
    """Put the policy under `provider`'s HTTP connection (once); False if it has none yet."""
    web3 = getattr(provider, "_web3", None)
    installed = False
    for http in _http_providers(web3):
        if getattr(http, "_decai_resilient", False):
            installed = True
            continue

        def _make_request(method, request_data, _http=http):
            return resilient_request(
                str(_http.endpoint_uri),
                str(method),
                lambda: _http._request_session_manager.make_post_request(
                    _http.endpoint_uri, request_data, **_http.get_request_kwargs()
                ),
            )

        http._make_request = _make_request
        http._decai_resilient = True
        installed = True
    return installed


def connected_resilient() -> None:
    """`make_resilient` on Ape's connected provider, if there is one."""
    from ape import networks

    provider = networks.active_provider
    if provider is not None:
        make_resilient(provider)
