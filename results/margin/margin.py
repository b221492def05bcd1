"""Prototype, measurement only: perceptrons that also learn from samples
they already classify right, but only narrowly (a margin).

As deployed, the sparse and averaged perceptrons change only on a mistake.
An honest contributor who checks its samples adds mostly samples the model
already gets right, so these models learn almost nothing from it. Here the
update also runs when the label's signed score is at most MARGIN (fixed
point, 10**9 = one unit of weight): y * s <= MARGIN, y = +1 or -1.

    MARGIN=2 [FORGET=1] python results/margin/margin.py MODEL STEP SEED ATTACKED DATASET

MARGIN is in units of the step times the sample's length (what one update
moves the score by), so MARGIN=0 is the deployed rule. Prints one JSON row.
"""

import json
import os
import sys
from pathlib import Path

from decai.models.averaged_perceptron import AveragedPerceptron
from decai.models.perceptron import SparsePerceptron
from decai.simulation.sweep import SweepGrid, run_one

FIELDS = (
    "model_type", "learning_rate", "dataset", "seed", "attacked", "accuracy_initial", "accuracy_lowest",
    "accuracy_final_mean_last_day", "baseline_accuracy", "honest_balance_change_percent",
    "adversary_balance_change_percent",
)  # fmt: skip
MARGIN = float(os.environ.get("MARGIN", "0"))
#: FORGET=1: also undo a sample's update at its first take while the model
#: rejects it (the prototype of results/forget/forget.py, deployed check).
FORGET = os.environ.get("FORGET", "0") == "1"
if FORGET:
    os.environ.setdefault("CHECKED", "1")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "forget"))
    import forget  # noqa: F401  (patches the reference backend)
UNIT = os.environ.get("UNIT", "step")  # "step": MARGIN x step x len; "one": MARGIN x 10**9


def learns(model, score, sample, label):
    signed = score if label == 1 else -score
    if UNIT == "step":
        bound = MARGIN * model.learning_rate * len(sample)
    else:
        bound = MARGIN * 10**9
    if MARGIN == 0:
        return (1 if score > 0 else 0) != label
    return signed <= bound


def sparse_update(self, sample, label):
    self.check_training_sample(sample, label)
    if not learns(self, self.score(sample), sample, label):
        return
    step = self.learning_rate if label == 1 else -self.learning_rate
    for index in sample:
        self.weights[index] += step


def averaged_update(self, sample, label):
    self.check_training_sample(sample, label)
    seen = self.count
    self.count = seen + 1
    if not learns(self, self.score(sample), sample, label):
        return
    step = self.learning_rate if label == 1 else -self.learning_rate
    for index in sample:
        self.weights[index] += step
        self.update_sums[index] += seen * step


SparsePerceptron.update = sparse_update
AveragedPerceptron.update = averaged_update

model_type, step, seed, attacked, dataset = sys.argv[1:6]
grid = SweepGrid(
    model_types=(model_type,), learning_rates=(float(step),), seeds=(int(seed),), base={"dataset": dataset}
)
row = run_one(grid, grid.points()[0], int(seed), attacked == "1")
out = {k: row[k] for k in FIELDS}
out.update(margin=MARGIN, unit=UNIT, forget=FORGET)
print(json.dumps(out))
