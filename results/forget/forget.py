"""Prototype, measurement only: a take of a sample the model rejects also
removes that sample's update from the model ("forget on take").

Patches the reference backend for one run of the sweep's experiment
(`decai.simulation.sweep.run_one`). The add records exactly what the
update changed; a report or sweep made while the model rejects the sample
undoes it. Refunds, and takes of samples the model accepts, leave the model.

    FORGET=1 CHECKED=1 python results/forget/forget.py MODEL STEP SEED ATTACKED DATASET
"""

import json
import os
import sys

from decai.simulation import backends, engine
from decai.simulation.agents import REFUND
from decai.simulation.sweep import SweepGrid, run_one

FIELDS = (
    "model_type", "learning_rate", "dataset", "seed", "attacked", "accuracy_initial", "accuracy_lowest",
    "accuracy_final_mean_last_day", "baseline_accuracy", "honest_balance_change_percent",
    "adversary_balance_change_percent",
)  # fmt: skip

#: "1": forget at every take of a rejected sample (as deployed for naive
#: Bayes); "0": never; "reports": at reports only, not at sweeps.
FORGET_MODE = os.environ.get("FORGET", "1")
FORGET = FORGET_MODE != "0"
#: "1": the deployed check (the model, trained with the sample, predicts its
#: label); "0": no check; "clean": a model trained off chain on all the clean
#: data predicts its label; "twice": the model, trained with the sample twice,
#: predicts its label.
CHECKED = os.environ.get("CHECKED", "1")
FORGOTTEN: dict = {}


def snapshot(model, sample, label):
    """The parameters an update of `sample` with `label` may touch."""
    kind = model.type
    if kind == "naive_bayes":
        row = model.feature_counts[label]
        return ("nb", label, {i: row[i] for i in sample}, model.class_counts[label], model.total_counts[label])
    if kind == "sparse_nearest_centroid":
        row = model.feature_counts[label]
        return ("snc", label, {i: row[i] for i in sample}, model.class_counts[label], model.norms[label])
    if kind == "sparse_perceptron":
        return ("sp", {i: model.weights[i] for i in sample})
    if kind == "averaged_perceptron":
        return ("ap", {i: (model.weights[i], model.update_sums[i]) for i in sample})
    raise SystemExit(f"no forget prototype for {kind}")


def delta(model, before):
    """What the update changed, as (parameter, change) pairs."""
    if before[0] in ("nb", "snc"):
        _, label, row, n, t = before
        counts = model.feature_counts[label]
        last = model.total_counts[label] if before[0] == "nb" else model.norms[label]
        return (before[0], label, {i: counts[i] - c for i, c in row.items()}, model.class_counts[label] - n, last - t)
    if before[0] == "sp":
        return ("sp", {i: model.weights[i] - w for i, w in before[1].items()})
    return ("ap", {i: (model.weights[i] - w, model.update_sums[i] - u) for i, (w, u) in before[1].items()})


def undo(model, change):
    if change[0] in ("nb", "snc"):
        _, label, row, n, t = change
        counts = model.feature_counts[label]
        for i, c in row.items():
            counts[i] -= c
        model.class_counts[label] -= n
        if change[0] == "nb":
            model.total_counts[label] -= t
        else:
            model.norms[label] -= t
    elif change[0] == "sp":
        for i, c in change[1].items():
            model.weights[i] -= c
    else:
        for i, (w, u) in change[1].items():
            model.weights[i] -= w
            model.update_sums[i] -= u


CHANGES: dict = {}
SUPPRESS: set = set()  # non-empty while a take must not forget (FORGET=reports, sweeps)
deployed_add = backends.ReferenceBackend.add
deployed_claim = backends.ReferenceBackend.claim


def add(self, name, sample, label, value, now):
    before = snapshot(self.model, list(sample), label)
    contribution, gas = deployed_add(self, name, sample, label, value, now)
    CHANGES[contribution.key] = delta(self.model, before)
    return contribution, gas


def claim(self, kind, name, contribution, now):
    agrees = self.model.predict(list(contribution.data)) == contribution.label
    result = deployed_claim(self, kind, name, contribution, now)
    change = CHANGES.pop(contribution.key, None)
    # Models that forget on chain (`forgets_taken`) are forgotten by the deployed backend.
    if (
        FORGET
        and kind != REFUND
        and not agrees
        and change is not None
        and not self.model.forgets_taken
        and not SUPPRESS
    ):
        undo(self.model, change)
        author = self.names.get(contribution.author, contribution.author)
        FORGOTTEN[author] = FORGOTTEN.get(author, 0) + 1
    return result


def problem(self, kind, name, contribution, now):
    """Forgetting one sample can change the model between an agent's
    decision and its next claim in the same round; refuse, as the chain's
    pre-check would, a claim the model no longer allows."""
    agrees = self.model.predict(list(contribution.data)) == contribution.label
    if kind == REFUND:
        return None if agrees else "deposit: model disagrees with the label"
    age = now - contribution.added_time
    if agrees and age < self.ledger.parameters.any_address_claim_wait_s:
        return "deposit: model agrees with the label"
    return None


backends.ReferenceBackend.problem = problem

if not FORGET:  # measure the deployed forgetting models without it
    from decai.models.base import Model

    Model.forgets_taken = False
    for kind in Model.__subclasses__():
        for sub in [kind, *kind.__subclasses__()]:
            if "forgets_taken" in vars(sub):
                sub.forgets_taken = False
backends.ReferenceBackend.add = add
backends.ReferenceBackend.claim = claim
if FORGET_MODE == "reports":
    from decai.simulation.agents import SWEEP

    reports_only_claim = backends.ReferenceBackend.claim

    def claim_forgetting_at_reports(self, kind, name, contribution, now):
        kept = type(self.model).forgets_taken
        if kind == SWEEP:
            type(self.model).forgets_taken = False
            SUPPRESS.add(kind)  # nor does the prototype forget it
        try:
            return reports_only_claim(self, kind, name, contribution, now)
        finally:
            type(self.model).forgets_taken = kept
            SUPPRESS.clear()

    backends.ReferenceBackend.claim = claim_forgetting_at_reports
if CHECKED == "0":

    def unchecked(self, agent, book):
        sample, true_label = self._next_sample()
        return sample, agent.label_for(true_label, self.prepared.num_classes)

    engine.Simulation._checked_sample = unchecked
elif CHECKED == "clean":
    from decai.simulation import data

    trained: list = []
    deployed_train = data.train_initial_model

    def train(*args, **kwargs):
        model = deployed_train(*args, **kwargs)
        trained.append(model)  # the last one `prepare` trains is the clean baseline
        return model

    data.train_initial_model = train
    backends.ReferenceBackend.would_learn = lambda self, sample, label: trained[-1].predict(list(sample)) == label
elif CHECKED == "twice":

    def twice(self, sample, label):
        trial = self.model.copy()
        trial.update(list(sample), label)
        trial.update(list(sample), label)
        return trial.predict(list(sample)) == label

    backends.ReferenceBackend.would_learn = twice

if CHECKED.startswith("batch"):
    # "batchN": the agent draws N samples at once, trains a copy of the
    # model with all of them and queues those the copy then predicts; it
    # adds one queued sample a turn, re-checking it against the current model
    # trained with it and the rest of the queue.
    from decai.simulation import engine as _engine

    BATCH = int(CHECKED[5:] or 20)
    QUEUES: dict = {}

    def learns_with(model, samples, labels):
        trial = model.copy()
        for sample, label in zip(samples, labels):
            trial.update(list(sample), label)
        return [trial.predict(list(s)) == y for s, y in zip(samples, labels)]

    def batch_checked(self, agent, book):
        if not (agent.spec.checks_samples and not self.points):
            sample, true_label = self._next_sample()
            return sample, agent.label_for(true_label, self.prepared.num_classes)
        queue = QUEUES.setdefault(agent.name, [])
        if not queue:
            drawn = [self._next_sample() for _ in range(BATCH)]
            pairs = [(s, agent.label_for(y, self.prepared.num_classes)) for s, y in drawn]
            ok = learns_with(self.backend.model, [p[0] for p in pairs], [p[1] for p in pairs])
            queue.extend(p for p, good in zip(pairs, ok) if good)
            book.passed_by += len(pairs) - len(queue)
        while queue:
            ok = learns_with(self.backend.model, [p[0] for p in queue], [p[1] for p in queue])
            sample, label = queue.pop(0)
            if ok[0]:
                return sample, label
            book.passed_by += 1
        book.turns_without_a_learnable_sample += 1
        return None

    _engine.Simulation._checked_sample = batch_checked

if CHECKED == "backlog":
    # The deployed check, but a sample the model would not learn yet is kept
    # and tried again at the agent's later turns (oldest first, up to 20
    # re-checks a turn) before new samples are drawn.
    from decai.simulation import engine as _engine

    BACKLOGS: dict = {}

    def backlog_checked(self, agent, book):
        checks = agent.spec.checks_samples and not self.points
        if not checks:
            sample, true_label = self._next_sample()
            return sample, agent.label_for(true_label, self.prepared.num_classes)
        backlog = BACKLOGS.setdefault(agent.name, [])
        for _ in range(min(len(backlog), _engine.CHECK_DRAWS)):
            sample, label = backlog.pop(0)
            if self.backend.would_learn(sample, label):
                return sample, label
            backlog.append((sample, label))  # to the back: the next turn tries others
        for _ in range(_engine.CHECK_DRAWS):
            sample, true_label = self._next_sample()
            label = agent.label_for(true_label, self.prepared.num_classes)
            if self.backend.would_learn(sample, label):
                return sample, label
            backlog.append((sample, label))
            book.passed_by += 1
        book.turns_without_a_learnable_sample += 1
        return None

    _engine.Simulation._checked_sample = backlog_checked

if __name__ == "__main__":
    model, step, seed, attacked, dataset = sys.argv[1:6]
    grid = SweepGrid(model_types=(model,), learning_rates=(float(step),), seeds=(int(seed),), base={"dataset": dataset})
    row = run_one(grid, grid.points()[0], int(seed), attacked == "1")
    out = {key: row.get(key) for key in FIELDS}
    out.update(forget=FORGET if FORGET_MODE != "reports" else "reports", checked=CHECKED, forgotten=FORGOTTEN)
    print(json.dumps(out))
