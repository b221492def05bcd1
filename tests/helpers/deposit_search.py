"""A search for the front-runner's best strategy against an honest addition,
on the Python mirror of the deposit's price (decai.core.mechanisms, no chain).

The world: the price clock last moved `quiet_s` seconds before the honest
user's quote. `Trainer.add_data` quotes the pending block and sends
DEPOSIT_CAP_FACTOR (2) times the quote; its transaction is mined `delay_s`
seconds after the quote (0: in the very block it quoted). A front-runner
watching the mempool places k additions of ordinary samples, at times of
its choice between the quote and the honest transaction (at the latest in
the same block, ahead of it). The objective is the honest transaction's
price over its quote; above 2 the honest transaction reverts with
"deposit: insufficient deposit" and its sender pays that transaction's gas.

What it costs the front-runner: its k deposits, each at the price of its
moment (locked for `refund_wait_s` and refunded in full, since the model
agrees with ordinary samples), and the gas of k additions and k refunds
(benchmarks/gas.json).

The search is a hill climb with restarts over the k addition times (move
one to a random time or to an end of the window, nudge it by a second, or
copy another's time);
tests/unit/deposit/test_front_running_search.py adds a Hypothesis search
(`target`) over quiet periods, delays and timings, and asserts the bounds
the docs state; test_front_running.py performs the worst case found here
on chain. `python -m tests.helpers.deposit_search` prints the table the
README quotes.
"""

from __future__ import annotations

import json
import random
from copy import deepcopy
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from decai.chain.trainer import ADD_RETRIES, DEPOSIT_CAP_FACTOR
from decai.core.mechanisms import DepositLedger, DepositParameters
from decai.units import DAY, HOUR

# Any timestamp will do: the price depends only on differences.
START = 1_750_000_000
GAS = Path(__file__).resolve().parents[2] / "benchmarks" / "gas.json"
QUIET_S = (2, 4, 5, 12, 60, HOUR, DAY, 7 * DAY)
DELAYS_S = (0, 12)
MAX_ADDITIONS = 8


@dataclass(frozen=True)
class Outcome:
    quote: int  # wei, the honest user's quote on the pending block
    price: int  # wei, the deposit the honest transaction meets when mined
    deposits: tuple[int, ...]  # wei, what each of the front-runner's additions paid
    elapsed_s: int  # seconds on the price clock when the honest transaction is mined

    @property
    def ratio(self) -> Fraction:
        return Fraction(self.price, self.quote)

    @property
    def reverts(self) -> bool:
        """The SDK's default value (twice the quote) no longer covers the price."""
        return self.price > DEPOSIT_CAP_FACTOR * self.quote

    @property
    def locked(self) -> int:
        return sum(self.deposits)


def run(parameters: DepositParameters, quiet_s: int, delay_s: int, offsets: tuple[int, ...]) -> Outcome:
    """The honest quote `quiet_s` after the clock's last move, the front-runner's
    additions at `offsets` seconds after the quote (each in 0..delay_s, in the
    order given, as the mirror requires), the honest transaction at
    `delay_s`."""
    ledger = DepositLedger(parameters, owner="owner", deployed_at=START)
    quoted = START + quiet_s
    quote = ledger.next_deposit(quoted)
    deposits = []
    for i, offset in enumerate(sorted(offsets)):
        if not 0 <= offset <= delay_s:
            raise ValueError(f"addition at {offset} s is outside the window 0..{delay_s} s")
        now = quoted + offset
        deposits.append(ledger.add(("front-run", i), "attacker", now, value=ledger.next_deposit(now)))
    mined = quoted + delay_s
    return Outcome(quote, ledger.next_deposit(mined), tuple(deposits), mined - ledger.last_update_time)


def search(
    parameters: DepositParameters,
    quiet_s: int,
    delay_s: int,
    additions: int,
    *,
    restarts: int = 3,
    steps: int = 200,
    seed: int = 0,
) -> tuple[Outcome, tuple[int, ...]]:
    """Hill climb with restarts over the times of `additions` additions;
    returns the outcome with the highest price over quote, and its times."""
    rng = random.Random(seed)
    best: tuple[Outcome, tuple[int, ...]] | None = None
    for _ in range(restarts):
        times = sorted(rng.randint(0, delay_s) for _ in range(additions))
        outcome = run(parameters, quiet_s, delay_s, tuple(times))
        for _ in range(steps if delay_s else 0):
            candidate = list(times)
            i = rng.randrange(additions)
            move = rng.randrange(4)
            if move == 0:
                candidate[i] = rng.randint(0, delay_s)
            elif move == 1:
                candidate[i] = rng.choice((0, delay_s))
            elif move == 2:
                candidate[i] = min(delay_s, max(0, candidate[i] + rng.choice((-1, 1))))
            else:
                candidate[i] = candidate[rng.randrange(additions)]
            candidate.sort()
            tried = run(parameters, quiet_s, delay_s, tuple(candidate))
            if tried.ratio >= outcome.ratio:
                times, outcome = candidate, tried
        if best is None or outcome.ratio > best[0].ratio:
            best = (outcome, tuple(times))
    assert best is not None
    return best


def fewest_to_revert(
    parameters: DepositParameters, quiet_s: int, delay_s: int, most: int = MAX_ADDITIONS, **options
) -> tuple[int | None, Outcome, tuple[int, ...]]:
    """The fewest additions whose best timing makes the honest transaction
    revert (None if `most` do not), with that outcome and timing (for None:
    the best outcome with `most` additions)."""
    for additions in range(1, most + 1):
        outcome, times = search(parameters, quiet_s, delay_s, additions, **options)
        if outcome.reverts:
            return additions, outcome, times
    return None, outcome, times


@dataclass(frozen=True)
class Siege:
    """A front-runner against the SDK's whole send loop (one honest intent)."""

    reverted: int  # honest transactions mined and reverted
    additions: int  # the front-runner's additions, over all bursts
    locked: int  # wei the front-runner deposited (refunded later)
    end: str  # "stops" (a quote above the cap), "gives up" (retries spent) or "mined"


def siege(parameters: DepositParameters, quiet_s: int, block_s: int = 1, most: int = MAX_ADDITIONS) -> Siege:
    """`Trainer.add_data` (quote the pending block, send min(2 x quote, cap),
    the cap twice the first quote; after a revert for an insufficient
    deposit quote the next block and resend, ADD_RETRIES times at most)
    against a front-runner who reverts every attempt with the fewest
    additions it can, all in the attempt's block ahead of it (the best
    timing). Attempts are `block_s` apart."""
    ledger = DepositLedger(parameters, owner="owner", deployed_at=START)
    now = START + quiet_s
    cap = DEPOSIT_CAP_FACTOR * ledger.next_deposit(now)
    reverted = additions = locked = 0
    for _ in range(ADD_RETRIES + 1):
        quote = ledger.next_deposit(now)
        if quote > cap:
            return Siege(reverted, additions, locked, "stops")
        send = min(DEPOSIT_CAP_FACTOR * quote, cap)
        trial = deepcopy(ledger)
        for k in range(most):
            trial.add(("siege", additions + k), "attacker", now, value=trial.next_deposit(now))
            if trial.next_deposit(now) > send:
                break
        else:
            return Siege(reverted, additions, locked, "mined")
        locked += trial.deposited - ledger.deposited
        additions, ledger = additions + k + 1, trial
        reverted += 1
        now += block_s
    return Siege(reverted, additions, locked, "gives up")


def gas_figures(model: str = "SP") -> tuple[int, int]:
    """Gas of one addition the model agrees with and of one refund, as the
    benchmark measured them for `model` (benchmarks/gas.json)."""
    rows = json.loads(GAS.read_text())[model]
    return rows["add_agree"], rows["refund"]


def _duration(seconds: int) -> str:
    for unit, name in ((7 * DAY, "week"), (DAY, "day"), (HOUR, "h"), (60, "min")):
        if seconds >= unit and seconds % unit == 0:
            return f"{seconds // unit} {name}"
    return f"{seconds} s"


def _eth(wei: int) -> str:
    return f"{wei / 10**18:.4f}"


def _siege(parameters: DepositParameters, quiet_s: int, block_s: int) -> str:
    found = siege(parameters, quiet_s, block_s)
    if not found.reverted:
        return "-"
    return f"{found.reverted} reverted, {found.end} ({found.additions} additions, {_eth(found.locked)} ETH)"


def table(parameters: DepositParameters, model: str = "SP") -> list[str]:
    """The searched residual as the rows of a Markdown table, by quiet
    period: the fewest additions that make the honest transaction revert
    when it is mined in the block it quoted (their price over the quote,
    deposits and gas) or 12 s later; and the SDK's whole send loop against
    a front-runner reverting every attempt, with blocks 1 s apart (anvil)
    and 12 s apart (Ethereum's slots)."""
    add_gas, refund_gas = gas_figures(model)
    rows = [
        "| quiet before the quote | fewest additions that revert it, in the quoted block (price / quote) "
        "| mined 12 s after the quote | front-runner's deposits, ETH (quote) | its gas: additions + refunds "
        "| the SDK's sends, 1 s blocks | the SDK's sends, 12 s slots |",
        "|---|---|---|---|---|---|---|",
    ]
    for quiet_s in QUIET_S:
        additions, outcome, _ = fewest_to_revert(parameters, quiet_s, 0)
        later, _, _ = fewest_to_revert(parameters, quiet_s, 12)
        sieges = f"| {_siege(parameters, quiet_s, 1)} | {_siege(parameters, quiet_s, 12)} |"
        if additions is None:
            rows.append(
                f"| {_duration(quiet_s)} | none of 1..{MAX_ADDITIONS} (at most {float(outcome.ratio):.3f}) "
                f"| {later or 'none'} | - | - " + sieges
            )
            continue
        rows.append(
            f"| {_duration(quiet_s)} | {additions} ({float(outcome.ratio):.3f}) | {later or 'none'} "
            f"| {_eth(outcome.locked)} ({_eth(outcome.quote)}) "
            f"| {additions * add_gas:,} + {additions * refund_gas:,} " + sieges
        )
    return rows


def main() -> None:  # pragma: no cover - prints the table the README quotes
    parameters = DepositParameters()
    print(f"cost_weight {parameters.cost_weight} wei; gas from benchmarks/gas.json (SP: add_agree, refund)")
    print("\n".join(table(parameters)))


if __name__ == "__main__":
    main()
