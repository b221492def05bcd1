"""The demo: a model trained by the crowd, on a local chain, in a minute.

A dense perceptron for the breast-cancer set starts from 2% of the training
data. Two honest contributors and one who mislabels on purpose send data
through the deposit mechanism over a simulated day; then refunds are
claimed and the bad deposits reported by each account's keeper
(decai.keeper), without a click. Prints the model's accuracy on a
held-out split before and after, each account's ether flows and the gas of
every kind of transaction.
"""

from __future__ import annotations

import random
from collections import defaultdict
from statistics import mean

from rich.console import Console
from rich.table import Table

from decai.chain.deploy import deploy_trainer
from decai.chain.trainer import Trainer
from decai.core.mechanisms import DepositParameters
from decai.data.training import default_model
from decai.errors import Rejected
from decai.keeper.decisions import Policy
from decai.keeper.runner import Keeper
from decai.keeper.state import KeeperState
from decai.units import DAY, HOUR

PARAMETERS = DepositParameters(
    refund_wait_s=DAY, owner_claim_wait_s=10 * DAY, any_address_claim_wait_s=20 * DAY, cost_weight=10**15
)


def _accuracy(trainer: Trainer, samples, labels) -> float:
    predictions = trainer.predict_many(samples)
    return sum(p == y for p, y in zip(predictions, labels)) / len(labels)


def run_demo(accounts, chain, console: Console | None = None, contributions: int = 60, seed: int = 1) -> dict:
    console = console or Console()
    rng = random.Random(seed)
    owner, alice, bob, mallory = accounts[:4]
    names = {
        owner.address: "owner",
        alice.address: "alice (honest)",
        bob.address: "bob (honest)",
        mallory.address: "mallory (mislabels)",
    }

    model, split = default_model(initial_fraction=0.02, seed=seed)
    console.rule("[bold]decai demo: a breast-cancer classifier trained through deposits")
    console.print(f"model: {model.type}, {model.dimensions} dimensions, classes {model.classes}")
    console.print(
        f"mechanism: refund after {PARAMETERS.refund_wait_s // HOUR} h, owner may take leftovers after "
        f"{PARAMETERS.owner_claim_wait_s // DAY} days, anyone after {PARAMETERS.any_address_claim_wait_s // DAY} days; "
        f"cost weight {PARAMETERS.cost_weight} wei"
    )
    deployment = deploy_trainer(model, PARAMETERS, owner, progress=False)
    trainer = Trainer(deployment.contract)
    gas = defaultdict(list)
    gas["deploy (all transactions)"].append(deployment.total_gas)
    before = _accuracy(trainer, split.test_samples, split.test_labels)
    console.print(
        f"deployed at {trainer.address}; accuracy on {len(split.test_labels)} held-out samples: [bold]{before:.1%}"
    )

    flows = defaultdict(lambda: {"deposited": 0, "refunded": 0, "taken": 0, "added": 0, "good": 0})
    added = []  # (account, contribution)
    pool = list(zip(split.train_samples, split.train_labels))
    rng.shuffle(pool)
    console.print(f"\n[bold]Day 1:[/] {contributions} contributions over a simulated day")
    for sample, label in pool[:contributions]:
        # Honest data arrives every ~20 minutes; mallory strikes a quarter of the time.
        sender = mallory if rng.random() < 0.25 else rng.choice([alice, bob])
        chain.mine(timestamp=chain.blocks.head.timestamp + rng.randint(10 * 60, 30 * 60))
        claimed_label = 1 - label if sender is mallory else label
        try:
            # Everyone adds what they have, as the 2019 experiment's agents
            # did (the SDK's check, which refuses samples the model would not
            # learn at once, is skipped: see the README's deposit section).
            contribution = trainer.add_data(sample, claimed_label, sender=sender, unlearnable=True)
        except Rejected as error:  # pragma: no cover - the demo's data are valid
            console.print(f"  rejected: {error}")
            continue

        gas["add_data"].append(trainer.last_receipt.gas_used)
        flows[sender.address]["deposited"] += contribution.deposit
        flows[sender.address]["added"] += 1
        added.append((sender, contribution))
    middle = _accuracy(trainer, split.test_samples, split.test_labels)
    console.print(f"accuracy after the contributions: [bold]{middle:.1%}")

    chain.mine(timestamp=chain.blocks.head.timestamp + DAY)
    console.print("\n[bold]Day 2:[/] refund wait over; each account's keeper claims, nobody clicks")
    # One keeper per account (decai.keeper): refunds first, then the reports
    # that pay more than their gas. Two rounds: a report needs a good
    # contribution, which the first round's refunds give.
    # Mallory's keeper only refunds (the reporters are the honest two).
    keepers = [
        Keeper(sender, [trainer], KeeperState(sender.address, chain.chain_id), policy, log=lambda line: None)
        for sender, policy in ((alice, Policy()), (bob, Policy()), (mallory, Policy(reports=False)))
    ]
    for _round in range(2):
        for keeper in keepers:
            for action in keeper.tick().sent:
                kind = "refunded" if action["kind"] == "refund" else "taken"
                flows[keeper.me][kind] += action["amount"]
                flows[keeper.me]["good"] += action["kind"] == "refund"
                gas["refund" if kind == "refunded" else "report (take)"].append(action["gas_used"])
    after = _accuracy(trainer, split.test_samples, split.test_labels)

    table = Table(title="Who paid what (ether)")
    for column in ("account", "added", "refunded ok", "deposited", "refunded", "taken", "net"):
        table.add_column(column, justify="right" if column != "account" else "left")
    summary = {}
    for account in (alice, bob, mallory):
        f = flows[account.address]
        net = f["refunded"] + f["taken"] - f["deposited"]
        summary[names[account.address]] = {**f, "net": net}
        table.add_row(
            names[account.address],
            str(f["added"]),
            str(f["good"]),
            f"{f['deposited'] / 1e18:.3f}",
            f"{f['refunded'] / 1e18:.3f}",
            f"{f['taken'] / 1e18:.3f}",
            f"{net / 1e18:+.3f}",
        )
    console.print(table)
    held = sum(trainer.claimable(c) for _, c in added)
    burned = trainer.contract.balance - held
    console.print(
        f"still held by the trainer: {held / 1e18:.3f} ether claimable later (by the owner after 10 days),"
        f" {burned / 1e18:.3f} ether burned by takes of samples the model rejects"
    )

    gas_table = Table(title="Gas per transaction")
    for column in ("action", "count", "mean", "min", "max"):
        gas_table.add_column(column, justify="right" if column != "action" else "left")
    for action, values in gas.items():
        gas_table.add_row(action, str(len(values)), f"{mean(values):,.0f}", f"{min(values):,}", f"{max(values):,}")
    console.print(gas_table)
    console.print(
        f"\naccuracy on held-out data: before [bold]{before:.1%}[/], after contributions {middle:.1%}, "
        f"at the end [bold]{after:.1%}[/]"
    )
    return {
        "accuracy_before": before,
        "accuracy_after": after,
        "accounts": summary,
        "held_wei": held,
        "burned_wei": burned,
        "gas": dict(gas),
    }
