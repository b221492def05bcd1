"""Local anvil nodes: one launcher for every node decai starts itself, and a
bounded wait for receipts from nodes that mine on an interval.

Ape starts anvil with `--steps-tracing`, which keeps the step-by-step trace
of every transaction in memory: fine for tests, but a full simulation sends
thousands of transactions and that anvil grew past 13 GB. `Anvil` starts one
without it (same mnemonic, accounts, zero base fee and gas price as Ape's),
in its own process group so that Ctrl-C in the terminal reaches the caller
and not the node, and stops the whole group afterwards.

Every anvil decai starts, and every anvil Ape starts for decai (see
`cap_ape_anvils`), enforces the per-transaction gas cap of EIP-7825
(`--enable-tx-gas-limit`), as Ethereum mainnet, its testnets and Base do
since the Fusaka upgrade: what passes in the tests passes there.

The node is started with `--port 0`: the kernel picks a free port and anvil
prints it, so no port is chosen first and bound later (a second anvil
starting at the same moment cannot take it in between).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator

import requests

from decai.errors import DecaiError

MNEMONIC = "test test test test test test test test test test test junk"
# EIP-7825: no transaction may ask for more gas than this (2**24).
TX_GAS_CAP = 16_777_216
TX_GAS_CAP_FLAG = "--enable-tx-gas-limit"
_LISTENING = re.compile(r"Listening on ([0-9.]+):(\d+)")


def rpc(url: str, method: str, *params, timeout: float = 10):
    """One JSON-RPC call; a node error raises DecaiError with its message."""
    reply = requests.post(
        url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}, timeout=timeout
    ).json()
    if "error" in reply:
        raise DecaiError(f"{method}: {reply['error'].get('message', reply['error'])}")
    return reply["result"]


def wait_for_receipt(url: str, transaction_hash: str, timeout_s: float = 30.0, poll_s: float = 0.05) -> dict:
    """The receipt of `transaction_hash`, polled until the node has mined it.

    A node with interval mining (or automine, which mines just after the
    send returns) answers `null` until the block exists; reading once right
    after the send is a race."""
    deadline = time.monotonic() + timeout_s
    while True:
        receipt = rpc(url, "eth_getTransactionReceipt", transaction_hash)
        if receipt is not None:
            return receipt
        if time.monotonic() >= deadline:
            raise DecaiError(f"transaction {transaction_hash} has no receipt after {timeout_s:g} s at {url}")
        time.sleep(poll_s)


class Anvil:
    """An anvil of our own on a port the kernel picks; a context manager
    yielding itself (`.url`, `.port`, `.pid`).

    `untraced=True` (the default) gives Ape's accounts and zero fees without
    step tracing; `untraced=False` passes only `extra` (for a plain node such
    as a Sepolia stand-in). Either way the node enforces the gas cap.
    `keep_history=True` keeps old states, which reorgs and rollbacks
    (anvil_reorg, anvil_rollback) need."""

    def __init__(
        self,
        *extra: str,
        accounts: int = 10,
        untraced: bool = True,
        start_timeout_s: float = 30.0,
        keep_history: bool = False,
    ):
        binary = shutil.which("anvil")
        if binary is None:
            raise DecaiError("anvil is not on PATH (run `make setup`, which installs it into node_modules/.bin)")
        command = [binary, "--port", "0", TX_GAS_CAP_FLAG]
        if untraced:
            command += [
                "--mnemonic", MNEMONIC,
                "--accounts", str(accounts),
                "--balance", "10000",
                "--block-base-fee-per-gas", "0",
                "--gas-price", "0",
            ]  # fmt: skip
            if not keep_history:
                # Keep no old states: by default anvil writes them to ~/.foundry/anvil/tmp
                # (gigabytes over a long run) and leaves them there when it is stopped.
                command.append("--prune-history")
        self.command = command + list(extra)
        self.start_timeout_s = start_timeout_s
        self.process: subprocess.Popen | None = None
        self.url = ""
        self.port = 0

    @property
    def pid(self) -> int:
        return self.process.pid if self.process else 0

    def start(self) -> Anvil:
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        found = threading.Event()

        def read() -> None:  # find the port, then keep draining so anvil never blocks on a full pipe
            for line in self.process.stdout:
                if not found.is_set():
                    match = _LISTENING.search(line)
                    if match:
                        self.port = int(match.group(2))
                        self.url = f"http://127.0.0.1:{self.port}"
                        found.set()

        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + self.start_timeout_s
        while not found.wait(0.05):
            if self.process.poll() is not None:
                raise DecaiError(f"anvil exited at start (status {self.process.returncode})")
            if time.monotonic() >= deadline:
                self.stop()
                raise DecaiError(f"anvil did not start within {self.start_timeout_s:g} s")
        while True:  # it prints the address just before it serves it
            try:
                rpc(self.url, "eth_chainId", timeout=1)
                return self
            except requests.ConnectionError:
                if time.monotonic() >= deadline:
                    self.stop()
                    raise DecaiError(f"anvil at {self.url} did not answer within {self.start_timeout_s:g} s") from None
                time.sleep(0.02)

    def stop(self) -> None:
        """Stop the node's process group (the npm wrapper and anvil itself)."""
        if self.process is None:
            return
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        self.process = None

    def __enter__(self) -> Anvil:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def cap_ape_anvils() -> None:
    """Make the anvils Ape starts itself (`ape test`, and `ape run` on a local
    or fork network) enforce the gas cap too: ape-foundry has no setting for
    extra arguments, so its command line gets the flag here. Idempotent."""
    try:
        from ape_foundry.provider import FoundryProvider
    except ImportError:  # the foundry plugin is not installed: Ape starts no anvil
        return
    build = FoundryProvider.build_command
    if getattr(build, "caps_tx_gas", False):
        return

    def build_command(self) -> list[str]:
        command = build(self)
        return command if TX_GAS_CAP_FLAG in command else [*command, TX_GAS_CAP_FLAG]

    build_command.caps_tx_gas = True
    FoundryProvider.build_command = build_command


@contextlib.contextmanager
def private_anvil(accounts: int = 10, *extra: str) -> Iterator[str]:
    """An untraced anvil for a long run; yields its URL."""
    with Anvil(*extra, accounts=accounts) as node:
        yield node.url


@contextlib.contextmanager
def simulation_network(provider) -> Iterator[None]:
    """Where a simulation should run: on a private anvil when Ape started
    the connected one itself (local network), else on the connected node."""
    from ape import networks

    if not provider.network.is_dev:
        raise DecaiError("the simulation sets balances and moves the clock: use a local network")
    managed = getattr(provider, "process", None) is not None
    if not managed:
        yield
        return
    with private_anvil() as url:
        choice = f"{provider.network.ecosystem.name}:{provider.network.name}:{provider.name}"
        with networks.parse_network_choice(choice, provider_settings={"host": url}, disconnect_after=True):
            yield


@contextlib.contextmanager
def fresh_local_chain(genesis_timestamp: int = 1_700_000_000) -> Iterator[str]:
    """Connect Ape's local network to a new private anvil for the duration,
    whatever APE_FOUNDRY_HOST names (a demo must not touch the user's node);
    yields its URL. Its clock starts at `genesis_timestamp` and moves one
    second per block unless set, so block hashes (and so the market's draw)
    repeat from run to run."""
    from ape import networks

    with Anvil("--timestamp", str(genesis_timestamp)) as node:
        rpc(node.url, "anvil_setBlockTimestampInterval", 1)
        # ape-foundry prefers this variable over the host it is given.
        saved = os.environ.pop("APE_FOUNDRY_HOST", None)
        try:
            with networks.parse_network_choice(
                "ethereum:local:foundry", provider_settings={"host": node.url}, disconnect_after=True
            ):
                yield node.url
        finally:
            if saved is not None:
                os.environ["APE_FOUNDRY_HOST"] = saved
