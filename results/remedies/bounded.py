"""Prototype: bounded-influence updates, measured on the reference backend.

One run of the sweep's experiment (the same as `ape run tune` makes for one
setting, seed and arm) with the model's `update` replaced by a bounded rule;
prints the runs.csv row as JSON, with the rule, its parameter and, per agent,
how many of its additions moved the model and how many the bound stopped.

    python results/remedies/bounded.py MODEL STEP SEED ATTACKED DATASET RULE [TAU]

RULE "original" runs the model classes untouched (to check that "plain" is
the same). RULE, for the averaged (and sparse) perceptron, which as deployed updates by
its whole step on every mistake of its current weights w (score s = b + w.x):
  plain       as deployed;
  skip_mean   no update when the label is a mistake by more than TAU times the
              running mean of |s| over recent additions (exponential, about
              the last 100; every addition counts, agreed or not);
  skip_cos    no update when the mistake is more than TAU in cosine units:
              |s| / (||w|| ||x||), ||x|| = sqrt(number of features);
  pa          passive-aggressive (PA-I): on a mistake, step
              min(STEP, (|s| + 1) / ||x||^2), the smallest move that puts
              the sample one unit on the label's side, never more than STEP;
  pa_skip     pa, and no update beyond TAU as in skip_mean;
  shrink      a soft skip: on a mistake, step STEP / (1 + |s| / (TAU m)), m the
              running mean of |s|: half the step at TAU running means, and
              less the more sure the model was.
For naive Bayes (which as deployed counts every sample):
  plain       as deployed;
  skip_odds   no update when the model's log-odds of its prediction against
              the label exceed TAU (natural log; ln 9 = 2.2: the model gives
              the label under 10%).
The sample is always recorded and pays its deposit: only the model's update
is skipped or scaled. Fixed-point details are approximated: PA steps are
rounded to the model's fixed point (10**9), the skipped averaged perceptron
still counts the sample (count + 1) as the contract does for an agreed one.
"""

import json
import math
import sys

from decai.core.fixed_point import ONE
from decai.models.averaged_perceptron import AveragedPerceptron
from decai.models.naive_bayes import NaiveBayes
from decai.models.perceptron import SparsePerceptron
from decai.simulation import backends
from decai.simulation.sweep import SweepGrid, run_one

model_type, step, seed, attacked, dataset, rule = sys.argv[1:7]
step, seed, attacked = float(step), int(seed), attacked == "1"
tau = float(sys.argv[7]) if len(sys.argv) > 7 else 0.0
DECAY = 0.01  # running mean over about the last 100 additions
STATE = {"agent": None, "mean": None}
STATS: dict[str, dict[str, int]] = {}
MARGINS: dict[str, dict[str, list[float]]] = {}  # per agent, the mistakes' margins in each unit


def note(unit, value):
    MARGINS.setdefault(STATE["agent"], {}).setdefault(unit, []).append(value)


def percentiles(values):
    values = sorted(values)
    return [round(values[int(q * (len(values) - 1))], 3) for q in (0.1, 0.5, 0.9)]


def count(kind):
    agent = STATS.setdefault(STATE["agent"], {"added": 0, "mistakes": 0, "updated": 0, "skipped": 0})
    agent[kind] += 1


original_add = backends.ReferenceBackend.add


def add(self, name, sample, label, value, now):
    STATE["agent"] = name
    count("added")
    return original_add(self, name, sample, label, value, now)


backends.ReferenceBackend.add = add


def beyond_mean(size):
    """Whether |s| = size is more than tau running means; then fold it in."""
    mean = STATE["mean"]
    beyond = mean is not None and size > tau * mean
    STATE["mean"] = size if mean is None else (1 - DECAY) * mean + DECAY * size
    return beyond


def perceptron_step(model, sample, label):
    """The step this rule takes for (sample, label), 0 for none (fixed point)."""
    s = model.score(sample)
    mistake = (1 if s > 0 else 0) != label
    size = abs(s)
    mean = STATE["mean"]
    beyond = beyond_mean(size)
    if not mistake:
        return 0
    count("mistakes")
    norm = math.sqrt(sum(w * w for w in model.weights) + model.intercept**2)
    cosine = size / (norm * math.sqrt(len(sample)))
    note("mean", size / mean if mean else 0.0)
    note("cos", cosine)
    if rule in ("skip_mean", "pa_skip"):
        skip = beyond
    elif rule == "skip_cos":
        skip = cosine > tau
    else:
        skip = False
    if skip:
        count("skipped")
        return 0
    count("updated")
    if rule in ("pa", "pa_skip"):
        return min(model.learning_rate, (size + ONE) // len(sample) + 1)
    if rule == "shrink" and mean:
        return max(1, int(model.learning_rate / (1 + size / (tau * mean))))
    return model.learning_rate


def averaged_update(self, sample, label):
    self.check_training_sample(sample, label)
    seen = self.count
    rate = perceptron_step(self, sample, label)
    self.count = seen + 1
    if rate:
        signed = rate if label == 1 else -rate
        for index in sample:
            self.weights[index] += signed
            self.update_sums[index] += seen * signed


def sparse_update(self, sample, label):
    self.check_training_sample(sample, label)
    rate = perceptron_step(self, sample, label)
    if rate:
        signed = rate if label == 1 else -rate
        for index in sample:
            self.weights[index] += signed


def log2_score(model, sample, label):
    rank = model.rank(sample, label)
    exponent = (rank >> 136) - 2**32
    mantissa = (rank >> 8) & (2**128 - 1)
    return exponent + math.log2(mantissa)


original_nb_update = NaiveBayes.update


def naive_bayes_update(self, sample, label):
    predicted = self.predict(sample)
    if predicted != label:
        count("mistakes")
        if self.class_counts[label]:
            odds = (log2_score(self, sample, predicted) - log2_score(self, sample, label)) * math.log(2)
            note("odds", odds)
            if rule == "skip_odds" and odds > tau:
                self.check_training_sample(sample, label)
                count("skipped")
                return
        count("updated")
    original_nb_update(self, sample, label)


if rule != "original":  # "original": the model classes as they are, to check "plain" against
    AveragedPerceptron.update = averaged_update
    SparsePerceptron.update = sparse_update
    NaiveBayes.update = naive_bayes_update

grid = SweepGrid(model_types=(model_type,), learning_rates=(step,), seeds=(seed,), base={"dataset": dataset})
row = run_one(grid, grid.points()[0], seed, attacked)
margins = {agent: {unit: percentiles(v) for unit, v in units.items()} for agent, units in MARGINS.items()}
row.update(rule=rule, tau=tau, stats=STATS, margins=margins)
print(json.dumps(row))
