"""The monitor on anvil: its series is the accuracy measured directly at the
same blocks, and its alert fires when an adversary drags the model down.

A sparse perceptron whose first 50 features mean "positive" and next 50
"negative", with weak weights (1.0) and a full step (1.0): every wrongly
labelled sample zeroes the weights it touches, so a few dozen of them
visibly lower the accuracy on the held-out set.
"""

from __future__ import annotations

import csv
import json
import random
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from decai.chain.deploy import deploy_trainer
from decai.chain.trainer import Trainer
from decai.core.fixed_point import ONE
from decai.keeper.monitor import Monitor, load_heldout
from decai.models import SparsePerceptron
from decai.units import HOUR
from tests.helpers.chain import PARAMETERS

FEATURES = 100


def weak_model() -> SparsePerceptron:
    return SparsePerceptron(
        name="monitored",
        description="features 0-49 positive, 50-99 negative",
        encoder="indices",
        weights=[ONE] * (FEATURES // 2) + [-ONE] * (FEATURES // 2),
        intercept=0,
        learning_rate=ONE,
    )


def sample(rng: random.Random, label: int) -> list[int]:
    low = 0 if label == 1 else FEATURES // 2
    return sorted(rng.sample(range(low, low + FEATURES // 2), 3))


class Hook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - the handler's name is http.server's
        Hook.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    server = HTTPServer(("127.0.0.1", 0), Hook)
    Hook.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", Hook.received
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def monitored(owner, chain, tmp_path):
    snapshot = chain.snapshot()
    try:
        deployment = deploy_trainer(weak_model(), PARAMETERS, owner, progress=False)
        trainer = Trainer(deployment.contract)
        trainer.record = {"block": deployment.block_number}
        rng = random.Random(3)
        heldout = tmp_path / "heldout.csv"
        with heldout.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["data", "label"])
            for _ in range(80):
                label = rng.randrange(2)
                writer.writerow([" ".join(map(str, sample(rng, label))), ["negative", "positive"][label]])
        yield trainer, heldout
    finally:
        chain.restore(snapshot)


def test_monitor__series_equals_direct_accuracy_and_alert_fires_on_a_drop(
    monitored, chain, contributor, stranger, tmp_path, webhook
):
    trainer, heldout = monitored
    url, posted = webhook
    samples, labels = load_heldout(heldout, trainer)
    assert len(samples) == 80 and set(labels) == {0, 1}
    lines: list[str] = []
    series = tmp_path / "series.csv"
    monitor = Monitor(
        trainer, samples, labels, series=series, max_drop=0.05, webhook=url, after_additions=4, log=lines.append
    )
    rng = random.Random(5)
    alerts = []
    for step in range(40):
        chain.mine(timestamp=chain.blocks.head.timestamp + HOUR)
        label = rng.randrange(2)
        if step < 10:
            trainer.add_data(sample(rng, label), label, sender=contributor, unlearnable=True)
        else:  # the adversary: positive-looking samples labelled negative and the reverse
            trainer.add_data(sample(rng, label), 1 - label, sender=stranger, unlearnable=True)
        if monitor.due():
            alerts.append(monitor.check(monitor.measure()))

    rows = list(csv.DictReader(series.open()))
    assert len(rows) == len(monitor.rows) >= 10
    for row in rows:
        block = int(row["block"])
        direct = [int(trainer.contract.predict(s, block_id=block)) for s in samples]  # one call per sample
        assert float(row["accuracy"]) == sum(p == y for p, y in zip(direct, labels)) / len(labels)
        assert int(row["contributions"]) == len(
            list(trainer.contract.AddData.range(trainer.deployment_block, block + 1))
        )
        assert int(row["deposits_held_wei"]) == chain.provider.get_balance(trainer.address, block_id=hex(block))
        assert int(row["timestamp"]) == chain.blocks[block].timestamp
        assert int(row["reports"]) == 0
    # Measured after every 4 additions.
    counts = [int(row["contributions"]) for row in rows]
    assert all(b - a == 4 for a, b in zip(counts, counts[1:]))

    accuracies = [float(row["accuracy"]) for row in rows]
    assert accuracies[0] == 1.0 and accuracies[-1] < 0.9
    fired = [i for i, message in enumerate(alerts) if message]
    first = next(i for i, a in enumerate(accuracies) if max(accuracies[:i], default=0) - a > 0.05)
    assert fired and fired[0] == first
    assert [line for line in lines if line.startswith("alert: ")]
    assert len(posted) == len(fired)
    assert posted[0]["accuracy"] == accuracies[first] and posted[0]["best"] == 1.0
    assert posted[0]["block"] == int(rows[first]["block"])

    # A restarted monitor reads the series back: the best survives.
    again = Monitor(trainer, samples, labels, series=series, max_drop=0.05, log=lines.append)
    assert again.best == 1.0 and len(again.rows) == len(rows)
