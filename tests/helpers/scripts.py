"""Running `ape run` scripts as a user does: a separate process reaching a
node through APE_FOUNDRY_HOST, with deployment records in a folder of the
test's own."""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = (
    "17.99,10.38,122.8,1001,0.1184,0.2776,0.3001,0.1471,0.2419,0.07871,1.095,0.9053,8.589,153.4,0.006399,"
    "0.04904,0.05373,0.01587,0.03003,0.006193,25.38,17.33,184.6,2019,0.1622,0.6656,0.7119,0.2654,0.4601,0.1189"
)
TEST_ACCOUNTS = {
    0: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    1: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    2: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
}
#: How long one script may run (`run_script`).
STEP_TIMEOUT_S = 300
#: How long one step of a `ScriptSession` may run (its first answer includes Ape's start-up).
SESSION_STEP_TIMEOUT_S = 600
#: What a printed trace looks like (Python's or Ape's call trace).
TRACE_MARKS = ("Traceback", 'File "', "tx.origin=", "Usage:")


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def errors(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("error: ")]

    @property
    def traced(self) -> bool:
        return any(mark in self.out + self.err for mark in TRACE_MARKS)


def run_script(
    url: str, records: Path, *args: str, network: str | None = "ethereum:local:foundry", **env: str
) -> Result:
    """`ape run *args` against the node at `url`; `env` adds (or, with None, removes) variables."""
    environment = dict(os.environ, APE_FOUNDRY_HOST=url, DECAI_DEPLOYMENTS=str(records), PYTHONPATH=str(ROOT))
    for name, value in env.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    extra = ["--network", network] if network else []
    done = subprocess.run(
        ["ape", "run", *args, *extra], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=STEP_TIMEOUT_S
    )
    return Result(done.returncode, done.stdout, done.stderr)


class ScriptSession:
    """`ape run` commands against one node, in one long-lived process
    (tests/helpers/script_worker.py): what `run_script` checks, without
    paying Ape's start-up for every step. Use it where a test runs many
    steps and the separate process is not what it tests; keep a
    `run_script` test for every script. `env` is fixed for the session
    (Ape reads its configuration once); `run(..., **env)` adds variables
    that the scripts read (or, with None, removes them) for one step."""

    def __init__(self, url: str | None, records: Path, *, network: str | None = "ethereum:local:foundry", **env: str):
        from tests.helpers.script_worker import MARK

        self.mark = MARK
        self.network = network
        environment = dict(os.environ, DECAI_DEPLOYMENTS=str(records), PYTHONPATH=str(ROOT))
        if url is not None:
            environment["APE_FOUNDRY_HOST"] = url
        for name, value in env.items():
            if value is None:
                environment.pop(name, None)
            else:
                environment[name] = value
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.helpers.script_worker"],
            cwd=ROOT,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        # A thread reads the worker's lines so that a step that hangs fails
        # after SESSION_STEP_TIMEOUT_S, as `run_script`'s process does.
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._answer()  # started: Ape imported

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _answer(self) -> tuple[dict, list[str]]:
        stray = []
        deadline = time.monotonic() + SESSION_STEP_TIMEOUT_S
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.process.kill()
                raise TimeoutError(f"a step took more than {SESSION_STEP_TIMEOUT_S} s:\n" + "".join(stray)) from None
            if line is None:
                raise RuntimeError("the script worker stopped:\n" + "".join(stray))
            if line.startswith(self.mark):
                return json.loads(line[len(self.mark) :]), stray
            stray.append(line)

    def run(self, *args: str, network: str | None = "", **env: str | None) -> Result:
        """`ape run *args [--network N]` (N: the session's unless given; None: no option)."""
        network = self.network if network == "" else network
        extra = ["--network", network] if network else []
        self.process.stdin.write(json.dumps({"args": [*args, *extra], "env": env}) + "\n")
        self.process.stdin.flush()
        answer, stray = self._answer()
        return Result(answer["code"], answer["out"], answer["err"] + "".join(stray))

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> ScriptSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def rpc(url: str, method: str, *params):
    return requests.post(
        url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}, timeout=10
    ).json()["result"]


def nonce(url: str, address: str) -> int:
    return int(rpc(url, "eth_getTransactionCount", address, "latest"), 16)


def closed_port() -> int:
    """A port nothing listens on (the kernel's pick, released at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
