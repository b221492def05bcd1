"""A prototype of another check for the honest agent, measured and not adopted.

Instead of the deployed check (the public model, trained with the sample,
must predict its label), the honest agent adds a sample only if a model
trained off chain on all the clean data (the simulation's baseline) predicts
its label: a sample typical of its class, which the crowd's data should
teach the deployed model in time. Results in clean_check.jsonl; see the
README's deposit section.

    python results/burn/clean_check.py MODEL STEP SEED ATTACKED DATASET
"""

import json
import sys

from decai.simulation import data, engine
from decai.simulation.sweep import SweepGrid, run_one

FIELDS = (
    "model_type", "dataset", "seed", "attacked", "accuracy_initial", "accuracy_final_mean_last_day",
    "baseline_accuracy", "honest_balance_change_percent", "adversary_balance_change_percent", "kept",
)  # fmt: skip

trained: list = []
deployed_train = data.train_initial_model
deployed_prepare = data.prepare


def train(*args, **kwargs):
    model = deployed_train(*args, **kwargs)
    trained.append(model)
    return model


def prepare(*args, **kwargs):
    """`data.prepare`, keeping its clean model (the last one it trains)."""
    trained.clear()
    prepared = deployed_prepare(*args, **kwargs)
    CLEAN.append(trained[-1])
    return prepared


CLEAN: list = []


def checked_sample(self, agent, book):
    checks = agent.spec.checks_samples and not self.points
    for _ in range(engine.CHECK_DRAWS if checks else 1):
        sample, true_label = self._next_sample()
        label = agent.label_for(true_label, self.prepared.num_classes)
        if not checks or CLEAN[-1].predict(list(sample)) == label:
            return sample, label
        book.passed_by += 1
    book.turns_without_a_learnable_sample += 1
    return None


data.train_initial_model = train
data.prepare = prepare
engine.Simulation._checked_sample = checked_sample

if __name__ == "__main__":
    model, step, seed, attacked, dataset = sys.argv[1:6]
    grid = SweepGrid(model_types=(model,), learning_rates=(float(step),), seeds=(int(seed),), base={"dataset": dataset})
    row = run_one(grid, grid.points()[0], int(seed), attacked == "1")
    print(json.dumps({key: row[key] for key in FIELDS}))
