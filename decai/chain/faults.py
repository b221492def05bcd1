"""A fault-injecting JSON-RPC proxy: a flaky public endpoint, on demand.

`FaultProxy` listens on a local port and forwards every JSON-RPC request to
an upstream node (an anvil). On the way it injects the faults real users
meet, either by script (rules: "the 3rd eth_sendRawTransaction times out
after the node accepted it") or at random with a fixed seed (a rate and the
kinds allowed). Each fault is counted by kind in `injected`.

Fault kinds:

- `drop`: the connection is closed before the request reaches the node;
- `delay`: the answer comes `delay_s` late;
- `rate_limit`: HTTP 429 with a `Retry-After` of `retry_after_s` seconds;
- `server_error`: HTTP `status` (default 503), the node never saw it;
- `timeout_after_send`: the node gets the request and does it, then the
  connection is closed with no answer (after `delay_s`); the client cannot
  know whether its transaction went through;
- `stale_head`: `eth_blockNumber` and the `latest` block answer `depth`
  blocks behind the head;
- `drop_pending`: a transaction is accepted (its hash is answered) and then
  dropped from the node's pool before it is mined (anvil_dropTransaction);
- `outage`: the node is gone: this request and every later one is dropped
  until `restore()` (or the `faults_restore` method);
- `reorg`: the last `depth` blocks are replaced by empty ones before the
  request is forwarded (anvil_reorg); with `rollback=True` they are simply
  removed (anvil_rollback).

Tests script the proxy through its Python object; anyone else (for example
`make faults`, which runs `python -m decai.chain.faults`) through JSON-RPC
methods it answers itself: `faults_add` (a rule, as a dict),
`faults_set_rate` (rate, kinds, send_rate), `faults_clear`, `faults_restore` and
`faults_stats`.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from decai.errors import DecaiError

SEND_METHODS = frozenset({"eth_sendRawTransaction", "eth_sendTransaction"})
#: What each kind of fault can apply to (None: any request).
APPLIES_TO: dict[str, frozenset[str] | None] = {
    "drop": None,
    "delay": None,
    "rate_limit": None,
    "server_error": None,
    "timeout_after_send": SEND_METHODS,
    "stale_head": frozenset({"eth_blockNumber", "eth_getBlockByNumber"}),
    "drop_pending": frozenset({"eth_sendRawTransaction"}),
    "outage": None,
    "reorg": None,
}
KINDS = tuple(APPLIES_TO)
#: The kinds a random run injects unless told otherwise. Reorgs and dropped
#: transactions change what the chain holds, so a flow's own checks must
#: expect them: they are opt-in.
TRANSIENT_KINDS = ("drop", "delay", "rate_limit", "server_error", "timeout_after_send", "stale_head")


@dataclass
class Rule:
    """One scripted fault: `kind` on requests for `method` (None: any),
    after skipping `after` matching requests, `times` times (0: always)."""

    kind: str
    method: str | None = None
    after: int = 0
    times: int = 1
    delay_s: float = 0.05
    retry_after_s: float = 0.1
    status: int = 503
    depth: int = 1
    rollback: bool = False
    seen: int = field(default=0, repr=False)
    fired: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in APPLIES_TO:
            raise DecaiError(f"unknown fault kind {self.kind!r} (known: {', '.join(KINDS)})")

    def applies(self, method: str) -> bool:
        allowed = APPLIES_TO[self.kind]
        if allowed is not None and method not in allowed:
            return False
        return self.method is None or self.method == method

    def take(self, method: str) -> bool:
        """Whether this rule fires for this request (and count it)."""
        if not self.applies(method) or (self.times and self.fired >= self.times):
            return False
        self.seen += 1
        if self.seen <= self.after:
            return False
        self.fired += 1
        return True


class FaultProxy:
    """A JSON-RPC proxy to `upstream` that injects faults; a context manager.

    `rate` is the chance that a request meets a random fault of one of
    `kinds`, drawn from a generator seeded with `seed`, so a run repeats;
    `send_rate` is the chance that a transaction sent meets one of the
    faults only sends can meet (`timeout_after_send`, `drop_pending`), which
    plain `rate` would rarely reach. Scripted `rules` come first.
    """

    def __init__(
        self,
        upstream: str,
        *,
        seed: int = 0,
        rate: float = 0.0,
        kinds: tuple[str, ...] = TRANSIENT_KINDS,
        rules: tuple[Rule, ...] = (),
        port: int = 0,
        send_rate: float = 0.0,
    ):
        self.upstream = upstream
        self.random = random.Random(seed)
        self.rate = rate
        self.send_rate = send_rate
        self.kinds = tuple(kinds)
        self.rules: list[Rule] = list(rules)
        self.injected: Counter[str] = Counter()
        self.requests = 0
        self.down = False  # an outage: every request is dropped
        self._lock = threading.Lock()  # rules, counters and the random generator
        self._send_lock = threading.Lock()  # sends, so a dropped one never takes another with it
        self._session = threading.local()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        for kind in self.kinds:
            Rule(kind)  # validates the name

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def total(self) -> int:
        return sum(self.injected.values())

    def start(self) -> FaultProxy:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- scripting ------------------------------------------------------------
    def add(self, kind: str, **options) -> Rule:
        rule = Rule(kind, **options)
        with self._lock:
            self.rules.append(rule)
        return rule

    def set_rate(self, rate: float, kinds: tuple[str, ...] | None = None, send_rate: float = 0.0) -> None:
        with self._lock:
            self.rate = rate
            self.send_rate = send_rate
            if kinds is not None:
                for kind in kinds:
                    Rule(kind)
                self.kinds = tuple(kinds)

    def restore(self) -> None:
        """End an outage: the node answers again."""
        self.down = False

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self.rate = self.send_rate = 0.0

    def stats(self) -> dict:
        with self._lock:
            return {"requests": self.requests, "injected": dict(self.injected), "total": self.total}

    # -- choosing a fault -----------------------------------------------------
    def choose(self, method: str) -> Rule | None:
        """The fault for a request to `method`, if any (and count it)."""
        if method.startswith("faults_") or method.startswith("anvil_") or method.startswith("evm_"):
            return None
        with self._lock:
            self.requests += 1
            for rule in self.rules:
                if rule.take(method):
                    self.injected[rule.kind] += 1
                    return rule
            only_sends = [kind for kind in self.kinds if APPLIES_TO[kind] == SEND_METHODS or kind == "drop_pending"]
            if method in SEND_METHODS and only_sends and self.send_rate and self.random.random() < self.send_rate:
                kinds = [kind for kind in only_sends if Rule(kind).applies(method)]
                if kinds:
                    kind = self.random.choice(kinds)
                    self.injected[kind] += 1
                    return Rule(kind, delay_s=self.random.uniform(0.01, 0.2))
            if self.rate and self.random.random() < self.rate:
                kinds = [kind for kind in self.kinds if Rule(kind).applies(method)]
                if kinds:
                    kind = self.random.choice(kinds)
                    self.injected[kind] += 1
                    return Rule(kind, delay_s=self.random.uniform(0.01, 0.2), depth=self.random.randint(1, 3))
        return None

    # -- talking to the node --------------------------------------------------
    def forward(self, body: bytes) -> bytes:
        session = getattr(self._session, "value", None)
        if session is None:
            session = self._session.value = requests.Session()
        reply = session.post(self.upstream, data=body, headers={"Content-Type": "application/json"}, timeout=60)
        return reply.content

    def call(self, method: str, *params):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
        reply = json.loads(self.forward(body))
        if "error" in reply:
            raise DecaiError(f"{method} at {self.upstream}: {reply['error'].get('message', reply['error'])}")
        return reply["result"]

    def reorg(self, depth: int = 1, *, rollback: bool = False) -> None:
        """Replace (or with `rollback`, remove) the last `depth` blocks now."""
        head = int(self.call("eth_blockNumber"), 16)
        depth = min(depth, head)
        if depth <= 0:
            return
        if rollback:
            self.call("anvil_rollback", depth)
        else:
            self.call("anvil_reorg", depth, [])

    def send_then_drop(self, body: bytes) -> bytes:
        """Let the node accept a transaction, then drop it before it is mined."""
        automine = self.call("anvil_getAutomine")
        if automine:
            self.call("evm_setAutomine", False)
        try:
            answer = self.forward(body)
            reply = json.loads(answer)
            if isinstance(reply, dict) and isinstance(reply.get("result"), str):
                self.call("anvil_dropTransaction", reply["result"])
            return answer
        finally:
            if automine:
                self.call("evm_setAutomine", True)

    def stale(self, request: dict, depth: int) -> bytes:
        head = int(self.call("eth_blockNumber"), 16)
        behind = hex(max(0, head - depth))
        if request["method"] == "eth_blockNumber":
            result = behind
        else:
            params = list(request.get("params") or [])
            if params and params[0] not in ("latest", "pending", "safe", "finalized"):
                return self.forward(json.dumps(request).encode())
            result = self.call("eth_getBlockByNumber", behind, *(params[1:2] or [False]))
        return json.dumps({"jsonrpc": "2.0", "id": request.get("id"), "result": result}).encode()

    # -- the proxy's own methods ----------------------------------------------
    def control(self, request: dict):
        method, params = request["method"], list(request.get("params") or [])
        if method == "faults_add":
            return asdict(self.add(**params[0]))
        if method == "faults_set_rate":
            kinds = tuple(params[1]) if len(params) > 1 and params[1] is not None else None
            self.set_rate(float(params[0]), kinds, float(params[2]) if len(params) > 2 else 0.0)
            return True
        if method == "faults_clear":
            self.clear()
            return True
        if method == "faults_restore":
            self.restore()
            return True
        if method == "faults_stats":
            return self.stats()
        raise DecaiError(f"unknown proxy method {method}")


def _handler(proxy: FaultProxy):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            pass

        def _answer(self, status: int, body: bytes, headers: dict | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _hang_up(self) -> None:
            self.close_connection = True

        def do_POST(self) -> None:  # noqa: N802 - the http.server name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                request = json.loads(body)
            except json.JSONDecodeError:
                self._answer(400, b'{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}')
                return
            single = request if isinstance(request, dict) else (request[0] if request else {})
            method = str(single.get("method", ""))
            try:
                if method.startswith("faults_"):
                    result = proxy.control(single)
                    self._answer(200, json.dumps({"jsonrpc": "2.0", "id": single.get("id"), "result": result}).encode())
                    return
                self._serve(body, single, method, proxy.choose(method))
            except (requests.RequestException, DecaiError) as error:
                reply = {"jsonrpc": "2.0", "id": None, "error": {"code": -32603, "message": str(error)}}
                self._answer(502, json.dumps(reply).encode())

        def _serve(self, body: bytes, request: dict, method: str, rule: Rule | None) -> None:
            kind = rule.kind if rule else None
            if kind == "outage":
                proxy.down = True
            if proxy.down or kind == "drop":
                return self._hang_up()
            if kind == "rate_limit":
                retry = f"{rule.retry_after_s:g}"
                return self._answer(429, b'{"error":"too many requests"}', {"Retry-After": retry})
            if kind == "server_error":
                return self._answer(rule.status, b'{"error":"upstream unavailable"}')
            if kind == "delay":
                time.sleep(rule.delay_s)
            if kind == "reorg":
                proxy.reorg(rule.depth, rollback=rule.rollback)
            if kind == "stale_head":
                return self._answer(200, proxy.stale(request, rule.depth))
            if method in SEND_METHODS:
                with proxy._send_lock:
                    answer = proxy.send_then_drop(body) if kind == "drop_pending" else proxy.forward(body)
            else:
                answer = proxy.forward(body)
            if kind == "timeout_after_send":
                time.sleep(rule.delay_s)
                return self._hang_up()
            self._answer(200, answer)

    return Handler


def main(argv: list[str] | None = None) -> None:
    """`python -m decai.chain.faults --upstream URL`: serve until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m decai.chain.faults", description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", default=None, help="The node to forward to (default: a fresh anvil).")
    parser.add_argument("--port", type=int, default=8555, help="Port to listen on (0: any free one).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rate", type=float, default=0.2, help="Chance that a request meets a random fault.")
    parser.add_argument(
        "--send-rate", type=float, default=0.2, help="Chance that a transaction sent meets a send fault."
    )
    parser.add_argument("--kinds", default=",".join(TRANSIENT_KINDS), help=f"Comma-separated, of: {', '.join(KINDS)}.")
    args = parser.parse_args(argv)
    kinds = tuple(kind for kind in args.kinds.split(",") if kind)
    from decai.chain.node import Anvil

    def interrupt(*_) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)  # `kill` stops the anvil we started too

    node = None
    upstream = args.upstream
    if upstream is None:
        node = Anvil().start()
        upstream = node.url
    try:
        options = {"seed": args.seed, "rate": args.rate, "send_rate": args.send_rate, "kinds": kinds, "port": args.port}
        with FaultProxy(upstream, **options) as proxy:
            faults = f"seed {args.seed}, rate {args.rate:g}: {', '.join(kinds)}"
            print(f"fault proxy on {proxy.url} -> {upstream} ({faults})")
            print(f"point a flow at it, e.g. APE_FOUNDRY_HOST={proxy.url} ape run demo; Ctrl-C stops")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                stats = proxy.stats()
                print(f"\n{stats['requests']} requests, {stats['total']} faults injected: {stats['injected']}")
    finally:
        if node is not None:
            node.stop()


if __name__ == "__main__":
    main()
