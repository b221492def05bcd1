"""What gas costs in a simulation: one price per gas for every transaction.

The local anvil charges nothing for gas, so by default a simulated agent
pays deposits and nothing else. `--network-fees` prices gas as a network
does, so that a run shows the mechanism's economics where gas is dear
(Ethereum) and where it is nearly free (the layer 2s, where the deposit is
what deters). The price is paid as a priority fee on the anvil's zero base
fee: the chain charges it and the agents' balances, as read from the chain,
include it. docs/NETWORKS.md gives the sources of the presets and what they
leave out (the L1 data fee of OP-stack chains is charged per byte, not per
gas).
"""

from __future__ import annotations

from decai.errors import DecaiError
from decai.units import GWEI, parse_wei

#: Wei per gas.
NETWORK_FEES = {
    "free": 0,
    "l1": GWEI,  # Ethereum mainnet: a round 1 gwei (2025 averages ran from about 0.05 to 3 gwei)
    "base": 5_000_000,  # 0.005 gwei: Base's minimum base fee
    "op": 1_000_000,  # 0.001 gwei: OP Mainnet's base fee sits near its floor
    "arbitrum": 10_000_000,  # 0.01 gwei: Arbitrum One's minimum base fee
}


def parse_network_fees(text: str) -> int:
    """A preset name (free, l1, base, op, arbitrum) or a gas price ("0.02gwei", wei) -> wei per gas."""
    name = text.strip().lower()
    if name in NETWORK_FEES:
        return NETWORK_FEES[name]
    try:
        return parse_wei(name)
    except DecaiError:
        raise DecaiError(
            f"--network-fees {text!r}: use {', '.join(NETWORK_FEES)} or a gas price such as 0.02gwei"
        ) from None
