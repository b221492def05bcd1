"""The market at the largest supported test set (4096 feature indices: 32
samples of 128 features, or 256 samples of 16) with contributions of 128
features that meet most of it: every transaction a keeper needs stays under
10,000,000 gas.

Runs on an anvil of its own without step tracing (decai/market/gas.py
explains why): Ape's node keeps every step of every transaction in memory,
gigabytes for transactions this size.
"""

LIMIT = 10_000_000


def benchmark_module():
    import decai.market.gas

    return decai.market.gas


def test_every_transaction_stays_under_ten_million_gas():
    gas = benchmark_module().pm_bounds_gas_untraced(contributions=4)
    assert gas["max_tx"] < LIMIT, gas
    for shape in ("wide", "many"):
        # The smallest unit of each kind of work fits with room to spare.
        assert gas[f"{shape}_reveal"] < 8_000_000
        assert gas[f"{shape}_process_score_1"] < 1_000_000
        assert gas[f"{shape}_replay_1"] < 7_000_000
        assert gas[f"{shape}_keeper_rounds"] < LIMIT
