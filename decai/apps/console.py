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

In the console, amounts show in ether (they are still ints of wei: `Wei`),
times as UTC dates and ages, and a DecaiError or a contract's revert prints
as one `error: ...` line instead of a traceback (`install`, called by
ape_console_extras.py when the console starts).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from decai.chain.trainer import ClaimStatus, Trainer
from decai.core.contributions import Contribution
from decai.errors import DecaiError
from decai.units import format_ether, human_duration

_ACCOUNTS: dict[tuple[str, str], Any] = {}


# -- how results and errors show in the console ----------------------------------


class Wei(int):
    """An amount of wei that shows as ether: 3600000000000000000 -> 3.6 ETH.

    It is an int in every other way (compare it, add it, send it); `str` is
    the plain number of wei."""

    def __repr__(self) -> str:
        return format_ether(self)

    __str__ = int.__repr__


def _utc(timestamp: int) -> str:
    return datetime.fromtimestamp(int(timestamp), timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


class Time(int):
    """A block timestamp that shows as a UTC date."""

    def __repr__(self) -> str:
        return _utc(self)

    __str__ = int.__repr__


def error_line(error: BaseException) -> str:
    """The one line the console prints for a DecaiError or a contract revert."""
    from decai.errors import revert_reason

    if isinstance(error, DecaiError):
        text = str(error).strip()
        return "error: " + (text.splitlines()[0] if text else type(error).__name__)
    return f"error: transaction reverted: {revert_reason(error)}"


def _one_line(shell, etype, value, tb, tb_offset=None) -> None:
    print(error_line(value), file=sys.stderr)


def _show_contribution(contribution: Contribution, printer, cycle) -> None:
    printer.text(
        f"Contribution(label {contribution.label}, {len(contribution.data)} value(s), "
        f"deposit {format_ether(contribution.deposit)}, "
        f"added {_utc(contribution.added_time)}, by {contribution.author})"
    )


def install(shell=None) -> bool:
    """Make the IPython `shell` (default: the running one) print DecaiError and
    contract reverts as one `error: ...` line, and contributions with ether and
    dates. Returns False when there is no IPython shell."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - Ape's console always has IPython
            return False
        shell = get_ipython()
    if shell is None:
        return False
    from ape.exceptions import ContractLogicError

    shell.set_custom_exc((DecaiError, ContractLogicError), _one_line)
    shell.display_formatter.formatters["text/plain"].for_type(Contribution, _show_contribution)
    return True


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
    dense and column-mean models; feature indices (list or string) for `indices` models.
    """
    from decai.apps.cli import parse_numbers

    model = trainer(model)
    encoder = model.encoder()
    if isinstance(raw, str) and encoder.spec.split(":", 1)[0] in ("indices", "unit", "standard-unit", "column-mean"):
        raw = parse_numbers(raw)
    return encoder.encode(raw)


def _sample(model: Trainer, raw: Any, encoded: bool) -> list[int]:
    return [int(x) for x in raw] if encoded else encode(model, raw)


def predict(model: Trainer | str, raw: Any, *, encoded: bool = False) -> Prediction:
    """The model's prediction (free) for raw input, or for a sample with encoded=True."""
    model = trainer(model)
    sample = _sample(model, raw, encoded)
    if not sample:
        what = "no feature indices" if encoded else "nothing the encoder knows (empty text or only unknown words)"
        print(f"warning: the sample is empty: {what}; the prediction says nothing about the input", file=sys.stderr)
    label = model.predict(sample)
    return Prediction(label, model.classes[label])


def _label(model: Trainer, label: int | str) -> int:
    classes = model.classes
    if isinstance(label, str) and not label.isdigit():
        if label not in classes:
            raise DecaiError(f"{label!r} is not one of the model's classes {classes}")
        return classes.index(label)
    return int(label)


def add(
    model: Trainer | str,
    raw: Any,
    label: int | str,
    sender=None,
    *,
    encoded: bool = False,
    value: int | None = None,
    max_deposit: int | None = None,
    unlearnable: bool = False,
) -> Contribution:
    """Add a labelled sample, sending twice the current deposit (the excess comes back).

    `label` is a class index or name. `max_deposit` (wei, default twice the quote) caps what is sent
    if the price rises first. A sample the model would still reject after learning it is refused
    before sending (its deposit would be taken, half burned) unless `unlearnable=True`. Returns the
    contribution, which `refund` and `report` take later.
    """
    model = trainer(model)
    return model.add_data(
        _sample(model, raw, encoded),
        _label(model, label),
        sender=_sender(sender),
        value=value,
        max_deposit=max_deposit,
        unlearnable=unlearnable,
    )


def next_deposit(model: Trainer | str) -> Wei:
    """Wei that adding data needs in the next block (shown in ether)."""
    return Wei(trainer(model).next_deposit())


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
    now: int | None = field(default=None, compare=False)  # when the state was read

    @property
    def claimable(self) -> Wei:
        return Wei(self.status.claimable)

    def __repr__(self) -> str:
        c = self.contribution
        age = f" ({human_duration(self.now - c.added_time)} ago)" if self.now is not None else ""
        what = f"can {self.action} now" if self.action else self.why_not
        return (
            f"[{self.index}] label {c.label} added {_utc(c.added_time)}{age} by {c.author[:10]}…, "
            f"deposit {ether(c.deposit)}, "
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
        states.append(
            ContributionState(
                index, contribution, model.status(contribution), None if problem else "refund", problem, now
            )
        )
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
            states.append(ContributionState(index, contribution, model.status(contribution), "report", None, now))
    return states


def _contribution(item) -> Contribution:
    if isinstance(item, ContributionState):
        return item.contribution
    if isinstance(item, Contribution):
        return item
    raise DecaiError(f"expected a contribution (from add, mine or reportable), got {item!r}")


def refund(model: Trainer | str, contribution=None, sender=None) -> Wei:
    """Refund one contribution, or (without one) every refund I can claim now; returns wei received.

    `contribution` is a Contribution, an entry of `mine(...)`, or its index there.
    """
    model = trainer(model)
    who = _sender(sender)
    if contribution is None:
        return Wei(sum(model.refund(state.contribution, sender=who) for state in claimable_now(model, who)))
    if isinstance(contribution, int):
        contribution = mine(model, who)[contribution]
    contribution = _contribution(contribution)
    problem = model.refund_problem(contribution, _now())
    if problem:
        raise DecaiError(problem)
    return Wei(model.refund(contribution, sender=who))


def report(model: Trainer | str, contribution, sender=None) -> Wei:
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
    return Wei(model.report(contribution, sender=who))


def wait(seconds: int | str) -> Time:
    """Local networks and forks only: move time forward (e.g. "1d") and mine a block; returns the new time (UTC)."""
    from ape import chain

    from decai.apps.cli import is_live, parse_duration

    if is_live(chain.provider):
        raise DecaiError("time only moves by itself on a live network")
    chain.mine(timestamp=chain.blocks.head.timestamp + parse_duration(str(seconds)))
    return Time(chain.blocks.head.timestamp)


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
