"""A private anvil behind the fault proxy, with Ape connected through it;
and a small simulation for the chaos suite."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from decai.chain.faults import FaultProxy
from decai.chain.node import Anvil


@contextlib.contextmanager
def faulty_network(
    seed: int = 0, rate: float = 0.0, anvil_args: tuple[str, ...] = (), **options
) -> Iterator[FaultProxy]:
    """Ape's local network on a fresh anvil (with history, so reorgs work),
    every request passing through a `FaultProxy`; yields the proxy (its
    `.upstream` is the node itself, for checks that must not meet faults)."""
    from ape import networks

    with Anvil(*anvil_args, keep_history=True) as node, FaultProxy(node.url, seed=seed, rate=rate, **options) as proxy:
        saved = os.environ.pop("APE_FOUNDRY_HOST", None)
        try:
            with networks.parse_network_choice(
                "ethereum:local:foundry", provider_settings={"host": proxy.url}, disconnect_after=True
            ):
                yield proxy
        finally:
            if saved is not None:
                os.environ["APE_FOUNDRY_HOST"] = saved


#: The simulation's clock starts here on every chain, so that runs compare exactly.
SIMULATION_START = 1_900_000_000


def chaos_config(tmp_path, hours: int):
    """A short, deterministic simulation: text reviews whose labels follow
    their opinion words, honest contributors, an adversary and a free rider,
    on a sparse perceptron with waits of hours."""
    import random

    from decai.simulation.agents import UNIT, adversary_agent, free_rider_agent, honest_agent
    from decai.simulation.config import SimulationConfig
    from decai.units import HOUR, MINUTE
    from tests.helpers.data import write_csv

    positive, negative = "great superb lovely moving witty".split(), "dull awful boring tedious flat".split()
    filler = "the a film movie plot of and it cast story scene".split()
    rng = random.Random(4)
    rows = []
    for _ in range(300):
        label = rng.randrange(2)
        mine, theirs = (positive, negative) if label else (negative, positive)
        words = [rng.choice(mine if rng.random() < 0.8 else theirs) for _ in range(3)] + rng.sample(filler, 4)
        rows.append({"review": " ".join(words), "verdict": "fresh" if label else "rotten"})
    path = tmp_path / "reviews.csv"
    write_csv(path, rows)
    return SimulationConfig(
        dataset=str(path),
        label_column="verdict",
        model_type="sparse_perceptron",
        agents=[
            honest_agent(mean_wait_s=10 * MINUTE, claim_interval_s=HOUR, start_balance=1_000 * UNIT),
            adversary_agent(mean_wait_s=HOUR, claim_interval_s=HOUR, start_balance=1_000 * UNIT),
            free_rider_agent(mean_wait_s=HOUR),
        ],
        duration_s=hours * HOUR,
        refund_wait_s=HOUR,
        owner_claim_wait_s=2 * HOUR,
        any_address_claim_wait_s=2 * HOUR,
        eval_interval_s=HOUR,
        learning_rate=0.25,
        seed=1,
        transport="sdk",
        settle=False,
    )


def chain_log(url: str) -> list[str]:
    """Every transaction of the node at `url`, one line each, in chain order:
    block, block timestamp, sender, function (named from decai's compiled
    contracts), value, gas used and status; straight from the node."""
    import json
    from pathlib import Path

    from decai.chain.node import rpc

    names = {}
    for artifact in (Path(__file__).resolve().parents[2] / "decai" / "artifacts").glob("*.json"):
        for signature, selector in json.loads(artifact.read_text()).get("methodIdentifiers", {}).items():
            names["0x" + selector.removeprefix("0x")] = signature.split("(")[0]
    lines = []
    for number in range(int(rpc(url, "eth_blockNumber"), 16) + 1):
        block = rpc(url, "eth_getBlockByNumber", hex(number), True)
        for tx in block["transactions"]:
            receipt = rpc(url, "eth_getTransactionReceipt", tx["hash"])
            function = "create" if tx["to"] is None else names.get(tx["input"][:10], tx["input"][:10] or "transfer")
            lines.append(
                f"block {number} t={int(block['timestamp'], 16)} from={tx['from'][:10]} {function}"
                f" value={int(tx['value'], 16)} gas={int(receipt['gasUsed'], 16)} status={int(receipt['status'], 16)}"
            )
    return lines
