"""A private anvil behind the fault proxy, with Ape connected through it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from decai.chain.faults import FaultProxy
from decai.chain.node import Anvil


@contextlib.contextmanager
def faulty_network(seed: int = 0, rate: float = 0.0, **options) -> Iterator[FaultProxy]:
    """Ape's local network on a fresh anvil (with history, so reorgs work),
    every request passing through a `FaultProxy`; yields the proxy (its
    `.upstream` is the node itself, for checks that must not meet faults)."""
    from ape import networks

    with Anvil(keep_history=True) as node, FaultProxy(node.url, seed=seed, rate=rate, **options) as proxy:
        saved = os.environ.pop("APE_FOUNDRY_HOST", None)
        try:
            with networks.parse_network_choice(
                "ethereum:local:foundry", provider_settings={"host": proxy.url}, disconnect_after=True
            ):
                yield proxy
        finally:
            if saved is not None:
                os.environ["APE_FOUNDRY_HOST"] = saved
