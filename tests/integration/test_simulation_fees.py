"""The simulation under a network's gas price (`--network-fees`): the chain
charges every transaction at that price, the agents' books agree with their
balances on chain, and at Base's price the agents do exactly what they do at
the test chain's own: where gas is nearly free only the deposit deters."""

from __future__ import annotations

import pytest

from decai.errors import DecaiError
from decai.simulation.fees import NETWORK_FEES, parse_network_fees
from decai.units import HOUR
from tests.integration.test_simulation import START, run

CHANGES = dict(duration_s=3 * HOUR, settle=False, refund_wait_s=HOUR, owner_claim_wait_s=2 * HOUR)


@pytest.fixture
def fresh_chain(chain, accounts):
    """The test chain at the simulation tests' start time, restored afterwards."""
    snapshot = chain.snapshot()
    chain.mine(timestamp=max(START, chain.blocks.head.timestamp + 1))
    try:
        yield chain
    finally:
        chain.restore(snapshot)


def test_network_fees__gas_charged_on_chain__same_decisions_as_free_gas(tmp_path, fresh_chain, accounts):
    snapshot = fresh_chain.snapshot()
    free = run(tmp_path, fresh_chain, accounts, any_address_claim_wait_s=2 * HOUR, **CHANGES)
    fresh_chain.restore(snapshot)
    price = NETWORK_FEES["base"]
    priced = run(tmp_path, fresh_chain, accounts, any_address_claim_wait_s=2 * HOUR, gas_price=price, **CHANGES)

    assert free.transactions == priced.transactions and sum(priced.transactions.values()) > 15
    assert priced.balance_check["checked"] and priced.balance_check["matches"], priced.balance_check
    assert free.balance_check["matches"]
    for name, agent in priced.agents.items():
        other = free.agents[name]
        sent = agent["contributions"] + agent["refunds"] + agent["takes"] + agent["own_leftovers_swept"]
        if sent:
            # Every transaction paid its gas at the price: between 40k and 400k gas each.
            assert agent["gas_paid"] % price == 0 and 40_000 * sent <= agent["gas_paid"] // price <= 400_000 * sent
        # The deposits, refunds and takes are the same; only the gas differs.
        assert agent["end_balance"] + agent["gas_paid"] == other["end_balance"] + other["gas_paid"]


@pytest.mark.parametrize(
    "text, wei", [("l1", 10**9), ("BASE", 5 * 10**6), ("arbitrum", 10**7), ("0.02gwei", 2 * 10**7), ("free", 0)]
)
def test_parse_network_fees__presets_and_prices(text, wei):
    assert parse_network_fees(text) == wei


def test_parse_network_fees__unknown__names_the_flag():
    with pytest.raises(DecaiError, match=r"^--network-fees 'solana': use free, l1, base, op, arbitrum or a gas price"):
        parse_network_fees("solana")
