"""Do fast blocks change the time-based deposit? A measurement.

The deposit for an addition is cost_weight * 3600 / sqrt(seconds on the
price clock), at least one second; each addition moves the clock 7/10 of
the way to its block's time (decai.core.mechanisms, which the
parity tests hold equal to the contracts). A chain only offers the times of
its blocks: every 12 s on Ethereum, every 2 s on Base and OP, several blocks
a second on Arbitrum (whose block timestamps are whole seconds, so
consecutive blocks can share one). This measures, for each block time:

- flooding: one addition in every block: the deposit per addition and the
  ether an hour of it locks up (until refunded or taken);
- arrivals at random (exponential gaps of 1, 10 and 60 minutes, 20,000 each,
  seeded), each included in the first block at or after it: the mean deposit,
  against the same arrivals on a clock with no blocks at all.

    python -m benchmarks.block_times          # prints the table, writes benchmarks/block_times.json
"""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

from decai.core.mechanisms import DepositParameters, advance_clock

#: Seconds between blocks; 0.25: Arbitrum One.
BLOCK_TIMES = {"ethereum": 12.0, "base / op": 2.0, "one second": 1.0, "arbitrum": 0.25}
MEAN_GAPS_S = (60, 600, 3600)
ARRIVALS = 20_000
COST_WEIGHT = 10**15  # `ape run deploy`'s default


def _block_timestamp(t: float, block_time: float) -> int:
    """The timestamp of the first block at or after `t` (whole seconds, as chains give them)."""
    return int(math.ceil(t / block_time) * block_time)


def flooding(block_time: float, parameters: DepositParameters) -> dict:
    """One addition in every block for an hour, after a quiet hour. Blocks
    within one second share its timestamp: the deposit is then the one for
    zero seconds, which the contract counts as one. The price clock lags
    the additions, so the deposit settles after the first few; the figure
    is the hour's mean."""
    per_hour = int(3600 / block_time)
    clock, total = 0, 0
    for index in range(1, per_hour + 1):
        now = 3600 + _block_timestamp(index * block_time, block_time)
        total += parameters.deposit(now, clock)
        clock = advance_clock(clock, now)
    return {
        "deposit_per_addition_in_cost_weights": total // per_hour // parameters.cost_weight,
        "additions_per_hour": per_hour,
        "locked_per_hour_ether": total / 10**18,
    }


def arrivals(block_time: float | None, mean_gap_s: float, parameters: DepositParameters, seed: int = 1) -> float:
    """Mean deposit (in cost weights) of additions arriving at random, each in the next block."""
    rng = random.Random(seed)
    t, last, total = 1_000.0, 0, 0
    for _ in range(ARRIVALS):
        t += rng.expovariate(1 / mean_gap_s)
        now = int(t) if block_time is None else _block_timestamp(t, block_time)
        total += parameters.deposit(now, last)
        last = advance_clock(last, now)
    return total / ARRIVALS / parameters.cost_weight


def measure() -> dict:
    parameters = DepositParameters(cost_weight=COST_WEIGHT)
    result = {"cost_weight_wei": COST_WEIGHT, "arrivals_per_case": ARRIVALS, "networks": {}}
    for name, block_time in BLOCK_TIMES.items():
        entry = {"block_time_s": block_time, "flooding": flooding(block_time, parameters), "random_arrivals": {}}
        for gap in MEAN_GAPS_S:
            blocked = arrivals(block_time, gap, parameters)
            unblocked = arrivals(None, gap, parameters)
            entry["random_arrivals"][f"mean_gap_{gap}s"] = {
                "mean_deposit_in_cost_weights": round(blocked, 2),
                "without_blocks": round(unblocked, 2),
                "change_percent": round(100 * (blocked / unblocked - 1), 2),
            }
        result["networks"][name] = entry
    return result


def main() -> int:
    result = measure()
    print(f"{'network':<12} {'block':>6} {'flood: deposit':>15} {'adds/h':>7} {'ETH locked/h':>13}", end="")
    print("".join(f" {f'gap {gap}s':>14}" for gap in MEAN_GAPS_S))
    for name, entry in result["networks"].items():
        flood = entry["flooding"]
        print(
            f"{name:<12} {entry['block_time_s']:>5g}s {flood['deposit_per_addition_in_cost_weights']:>13,} w "
            f"{flood['additions_per_hour']:>7,} {flood['locked_per_hour_ether']:>13,.1f}",
            end="",
        )
        for gap in MEAN_GAPS_S:
            case = entry["random_arrivals"][f"mean_gap_{gap}s"]
            print(f" {case['mean_deposit_in_cost_weights']:>7,.1f} ({case['change_percent']:+.1f}%)", end="")
        print()
    path = Path(__file__).with_name("block_times.json")
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
