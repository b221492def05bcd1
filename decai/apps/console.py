"""Helpers for working with trainers in `ape console`.

`ape_console_extras.py` at the project root puts these in the console's
namespace; they are plain functions, usable from any Python session
connected through Ape (the tests call them directly).

    bc = trainer("bc")                     # by record name on this network, or an address
    predict(bc, "17.99,10.38,...")         # raw input goes through the model's encoder
    c = add(bc, "17.99,10.38,...", "malignant")
    mine(bc)                               # my contributions and what I can claim now
    refund(bc)                             # every refund I can claim now
    reportable(bc); report(bc, 0)          # others' contributions the model disagrees with

Accounts: `sender` may be an account, an alias or "TEST::n"; by default the
alias in DECAI_ACCOUNT, or TEST::0 on a local network or fork. Keyfile
accounts sign without prompting when DECAI_PASSPHRASE is set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from decai.errors import DecaiError
from decai.core.contributions import Contribution
from decai.chain.trainer import ClaimStatus, Trainer
from decai.units import format_ether, human_duration

_ACCOUNTS: dict[tuple[str, str], Any] = {}


# -- accounts and trainers -----------------------------------------------------

def account(alias: str | None = None):
    """An account by alias or "TEST::n"; default $DECAI_ACCOUNT, else TEST::0 off live networks.

    Keyfile accounts are unlocked once with $DECAI_PASSPHRASE when it is set.
    """
    from ape import chain

    from decai.apps.cli import load_account

    alias = alias or os.environ.get("DECAI_ACCOUNT")
    key = (chain.provider.network_choice, alias or "")
    if key not in _ACCOUNTS:
        _ACCOUNTS[key] = load_account(alias, chain.provider)
    return _ACCOUNTS[key]


def _sender(sender) -> Any:
    if sender is None or isinstance(sender, str):
        return account(sender)
    return sender


def trainer(reference: str) -> Trainer:
    """The trainer recorded under `reference` on this network (or a fork's upstream), or at that address."""
    if isinstance(reference, Trainer):
        return reference
    return Trainer.find(str(reference))


def records() -> list[dict[str, Any]]:
    """The deployment records that apply on this network, each with its status."""
    from ape import chain

    from decai.chain.records import list_records

    return [
        {
            "name": entry.name,
            "address": entry.address,
            "recorded_on": f"{entry.ecosystem}:{entry.network}",
            "model": entry.record.get("model_name"),
            "status": "ok" if not entry.stale else f"stale: {entry.problem}",
        }
        for entry in list_records(chain.provider)
    ]


# -- the model ---------------------------------------------------------------------

@dataclass(frozen=True)
class Prediction:
    label: int
    name: str

    def __repr__(self) -> str:
        return f"{self.label} ({self.name})"


def encode(model: Trainer | str, raw: Any) -> list[int]:
    """Raw input -> the model's sample, with the encoder the trainer names.

    Text for text models; numbers (a list, or a string "1.5, 2, 3") for
    dense models; feature indices (list or string) for `indices` models.
    """
    from decai.apps.cli import parse_numbers

    model = trainer(model)
    encoder = model.encoder()
    if isinstance(raw, str) and encoder.spec.split(":", 1)[0] in ("indices", "unit", "standard-unit"):
        raw = parse_numbers(raw)
    return encoder.encode(raw)


def _sample(model: Trainer, raw: Any, encoded: bool) -> list[int]:
    return [int(x) for x in raw] if encoded else encode(model, raw)


def predict(model: Trainer | str, raw: Any, *, encoded: bool = False) -> Prediction:
    """The model's prediction (free) for raw input, or for a sample with encoded=True."""
    model = trainer(model)
    label = model.predict(_sample(model, raw, encoded))
    return Prediction(label, model.classes[label])


def _label(model: Trainer, label: int | str) -> int:
    classes = model.classes
    if isinstance(label, str) and not label.isdigit():
        if label not in classes:
            raise DecaiError(f"{label!r} is not one of the model's classes {classes}")
        return classes.index(label)
    return int(label)


def add(model: Trainer | str, raw: Any, label: int | str, sender=None, *, encoded: bool = False, value: int | None = None) -> Contribution:
    """Add a labelled sample, sending the current deposit plus a margin (the excess comes back).

    `label` is a class index or name. Returns the contribution, which
    `refund` and `report` take later.
    """
    model = trainer(model)
    return model.add_data(_sample(model, raw, encoded), _label(model, label), sender=_sender(sender), value=value)


def next_deposit(model: Trainer | str) -> int:
    """Wei that adding data needs in the next block."""
    return trainer(model).next_deposit()


# -- contributions and claims ------------------------------------------------------------

def ether(wei: int) -> str:
    """Wei as ether, for reading: 112500000000000000 -> '0.1125 ETH'."""
    return format_ether(wei)


@dataclass(frozen=True)
class ContributionState:
    """A contribution, its claim status, and what `who` can do with it now."""

    index: int
    contribution: Contribution
    status: ClaimStatus
    action: str | None  # "refund" or "report" if `who` can claim now, else None
    why_not: str | None  # why not, in words

    @property
    def claimable(self) -> int:
        return self.status.claimable

    def __repr__(self) -> str:
        c = self.contribution
        when = datetime.fromtimestamp(c.added_time, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        what = f"can {self.action} now" if self.action else self.why_not
        return (
            f"[{self.index}] label {c.label} added {when} UTC by {c.author[:10]}…, deposit {ether(c.deposit)}, "
            f"claimable {ether(self.status.claimable)}, {self.status.claim_count} claim(s): {what}"
        )


def _now() -> int:
    from ape import chain

    return int(chain.pending_timestamp)


def mine(model: Trainer | str, sender=None) -> list[ContributionState]:
    """My contributions (from events), each with its status and whether I can claim a refund now."""
    model = trainer(model)
    who = _sender(sender)
    now = _now()
    states = []
    for index, contribution in enumerate(model.contributions(author=who.address)):
        problem = model.refund_problem(contribution, now)
        states.append(ContributionState(index, contribution, model.status(contribution), None if problem else "refund", problem))
    return states


def claimable_now(model: Trainer | str, sender=None) -> list[ContributionState]:
    """My contributions that I can be refunded for right now."""
    return [state for state in mine(model, sender) if state.action == "refund"]


def reportable(model: Trainer | str, sender=None) -> list[ContributionState]:
    """Other people's contributions that I can report (take deposit from) right now."""
    model = trainer(model)
    who = _sender(sender)
    now = _now()
    states = []
    for index, contribution in enumerate(model.contributions()):
        if contribution.author == who.address:
            continue
        problem = model.report_problem(contribution, who.address, now)
        if problem is None:
            states.append(ContributionState(index, contribution, model.status(contribution), "report", None))
    return states


def _contribution(item) -> Contribution:
    if isinstance(item, ContributionState):
        return item.contribution
    if isinstance(item, Contribution):
        return item
    raise DecaiError(f"expected a contribution (from add, mine or reportable), got {item!r}")


def refund(model: Trainer | str, contribution=None, sender=None) -> int:
    """Refund one contribution, or (without one) every refund I can claim now; returns wei received.

    `contribution` is a Contribution, an entry of `mine(...)`, or its index there.
    """
    model = trainer(model)
    who = _sender(sender)
    if contribution is None:
        return sum(model.refund(state.contribution, sender=who) for state in claimable_now(model, who))
    if isinstance(contribution, int):
        contribution = mine(model, who)[contribution]
    contribution = _contribution(contribution)
    problem = model.refund_problem(contribution, _now())
    if problem:
        raise DecaiError(problem)
    return model.refund(contribution, sender=who)


def report(model: Trainer | str, contribution, sender=None) -> int:
    """Report someone's contribution the model now disagrees with; returns wei taken.

    `contribution` is a Contribution, an entry of `reportable(...)`, or its
    index among all contributions (the `index` shown by `reportable`).
    """
    model = trainer(model)
    who = _sender(sender)
    if isinstance(contribution, int):
        contribution = model.contributions()[contribution]
    contribution = _contribution(contribution)
    problem = model.report_problem(contribution, who.address, _now())
    if problem:
        raise DecaiError(problem)
    return model.report(contribution, sender=who)


def wait(seconds: int | str) -> int:
    """Local networks and forks only: move time forward (e.g. "1d") and mine a block; returns the new time."""
    from ape import chain

    from decai.apps.cli import is_live, parse_duration

    if is_live(chain.provider):
        raise DecaiError("time only moves by itself on a live network")
    chain.mine(timestamp=chain.blocks.head.timestamp + parse_duration(str(seconds)))
    return int(chain.blocks.head.timestamp)


def refund_opens_in(model: Trainer | str, contribution) -> str:
    """How long until a contribution can be refunded or reported ("0s" if it can now)."""
    model = trainer(model)
    contribution = _contribution(contribution)
    left = int(model.contract.refund_wait_s()) - (_now() - contribution.added_time)
    return human_duration(max(0, left))


# -- the prediction market ------------------------------------------------------------

def market(reference: str):
    """The prediction market recorded under `reference` or at that address (needs decai.market.client)."""
    try:
        from decai.market.client import Market
    except ImportError:
        raise DecaiError("the prediction market is not part of this checkout (no decai.market.client)") from None
    from ape import chain

    from decai.chain.records import resolve_trainer

    address, _ = resolve_trainer(str(reference), chain.provider)
    return Market.at(address)


def market_phase(reference: str):
    """A prediction market's status: phase, deadlines, bounty, contributions (needs decai.market.client)."""
    handle = market(reference)
    return handle.status() if hasattr(handle, "status") else handle.phase


HELPERS = (
    account,
    trainer,
    records,
    encode,
    predict,
    add,
    next_deposit,
    ether,
    mine,
    claimable_now,
    reportable,
    refund,
    report,
    wait,
    refund_opens_in,
    market,
    market_phase,
)


def decai_help() -> None:
    """List the decai console helpers."""
    for helper in HELPERS:
        doc = (helper.__doc__ or "").strip().splitlines()[0]
        print(f"{helper.__name__:<16} {doc}")
