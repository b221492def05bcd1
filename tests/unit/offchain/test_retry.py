"""The read retry policy (decai.chain.retry) on a fake clock: a time budget, not a count of tries."""

from __future__ import annotations

import pytest
import requests

from decai.chain import retry
from decai.errors import NodeUnavailable, UnknownOutcome

URL = "http://node.example"


class Clock:
    """time.monotonic and time.sleep of the retry module, with no real waiting."""

    def __init__(self, monkeypatch, try_s: float = 0.0):
        self.now = 0.0
        self.try_s = try_s  # how long each request takes
        self.pauses: list[float] = []
        monkeypatch.setattr(retry.time, "monotonic", lambda: self.now)
        monkeypatch.setattr(retry.time, "sleep", self.sleep)

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


def http_error(status: int, retry_after: str | None = None) -> requests.HTTPError:
    response = requests.Response()
    response.status_code = status
    response.reason = {429: "Too Many Requests", 503: "Service Unavailable", 400: "Bad Request"}[status]
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return requests.HTTPError(response=response)


def failing(clock: Clock, errors: list[Exception], answer="0x1"):
    """A post() that raises `errors` in turn, then answers; counts its calls."""
    calls = []

    def post():
        calls.append(clock.now)
        clock.now += clock.try_s
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return answer

    return post, calls


def test_retry__streak_longer_than_eight__ridden_out(monkeypatch):
    clock = Clock(monkeypatch)
    streak = [requests.ConnectionError()] * 5 + [http_error(503), http_error(429, "1"), requests.Timeout()] * 2
    post, calls = failing(clock, streak)
    assert retry.resilient_request(URL, "eth_getCode", post) == "0x1"
    assert len(calls) == len(streak) + 1 == 12
    assert clock.now < retry.BUDGET_S


def test_retry__dead_node__one_sentence_after_the_budget(monkeypatch):
    clock = Clock(monkeypatch)
    post, calls = failing(clock, [requests.ConnectionError()] * 1000)
    with pytest.raises(NodeUnavailable) as raised:
        retry.resilient_request(URL, "eth_getCode", post)
    message = str(raised.value)
    assert message == (
        f"the node at {URL} did not answer eth_getCode after {len(calls)} tries in {clock.now:.1f} s "
        "(last: the connection failed)"
    )
    # no try starts past the budget, and the last pause would have crossed it
    assert calls[-1] <= retry.BUDGET_S < clock.now + retry.MAX_PAUSE_S * 1.25
    assert len(calls) > 8
    assert max(clock.pauses) <= retry.MAX_PAUSE_S * 1.25


def test_retry__retry_after__honoured_and_counted_in_the_budget(monkeypatch):
    clock = Clock(monkeypatch)
    post, calls = failing(clock, [http_error(429, "7")] * 1000)
    with pytest.raises(NodeUnavailable, match=r"after 3 tries in 14\.0 s \(last: HTTP 429 Too Many Requests\)$"):
        retry.resilient_request(URL, "eth_call", post)
    # waited as asked between tries; a third wait would start the next try past 20 s
    assert clock.pauses == [7.0, 7.0] and calls == [0.0, 7.0, 14.0]


def test_retry__slow_tries__at_least_the_fewest_tries(monkeypatch):
    clock = Clock(monkeypatch, try_s=30.0)  # each try waits out a 30 s timeout
    post, calls = failing(clock, [requests.Timeout()] * 1000)
    with pytest.raises(NodeUnavailable, match=r"after 3 tries in 90\.\d s \(last: no answer in time\)$"):
        retry.resilient_request(URL, "eth_blockNumber", post)
    assert len(calls) == retry.MIN_ATTEMPTS


def test_retry__read_budget__narrows_it_inside_only(monkeypatch):
    clock = Clock(monkeypatch)
    post, calls = failing(clock, [http_error(503)] * 1000)
    with retry.read_budget(3.0), pytest.raises(NodeUnavailable) as raised:
        retry.resilient_request(URL, "eth_chainId", post)
    assert calls[-1] <= 3.0 and clock.now < 3.0 + retry.MAX_PAUSE_S * 1.25
    assert str(raised.value).endswith("(last: HTTP 503 Service Unavailable)")
    assert retry._budget.get() == retry.BUDGET_S


def test_retry__send__never_repeated(monkeypatch):
    clock = Clock(monkeypatch)
    post, calls = failing(clock, [requests.ConnectionError()])
    with pytest.raises(UnknownOutcome, match=r"gave no answer to eth_sendRawTransaction \(the connection failed\)"):
        retry.resilient_request(URL, "eth_sendRawTransaction", post)
    assert len(calls) == 1 and clock.pauses == []


def test_retry__client_error__not_retried(monkeypatch):
    clock = Clock(monkeypatch)
    post, calls = failing(clock, [http_error(400)])
    with pytest.raises(requests.HTTPError):
        retry.resilient_request(URL, "eth_call", post)
    assert len(calls) == 1
