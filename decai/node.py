"""A local anvil for long runs.

Ape starts anvil with `--steps-tracing`, which keeps the step-by-step trace
of every transaction in memory: fine for tests, but a full simulation sends
thousands of transactions and that anvil grew past 13 GB. `private_anvil()`
starts one without it (same mnemonic, accounts, zero base fee and gas price
as Ape's), in its own session so that Ctrl-C in the terminal reaches the
simulation and not the node (the run can then still read the chain to
finish), and stops it afterwards.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from typing import Iterator

import requests

from decai import DecaiError

MNEMONIC = "test test test test test test test test test test test junk"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def private_anvil(accounts: int = 10) -> Iterator[str]:
    """Start anvil on a free port; yields its URL."""
    binary = shutil.which("anvil")
    if binary is None:
        raise DecaiError("anvil is not on PATH (run `make setup`)")
    port = _free_port()
    command = [
        binary,
        "--port", str(port),
        "--mnemonic", MNEMONIC,
        "--accounts", str(accounts),
        "--balance", "10000",
        "--block-base-fee-per-gas", "0",
        "--gas-price", "0",
        # Keep no old states: by default anvil writes them to ~/.foundry/anvil/tmp
        # (gigabytes over a full run) and leaves them there when it is stopped.
        "--prune-history",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if process.poll() is not None:
                raise DecaiError(f"anvil exited at start (status {process.returncode})")
            try:
                requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        else:
            raise DecaiError("anvil did not answer within 15 seconds")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
