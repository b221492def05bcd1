"""One reference-backend run under a candidate rule for taking deposits.

A measurement tool, not product code: it patches the Python mirror of the
deposit mechanism (`decai.core.mechanisms.DepositLedger.report`) and the
simulation engine for one run, and leaves the contracts alone.

    python results/burn/take_rule.py MODEL STEP SEED ATTACKED DATASET

Environment:
- RULE=today: the deployed rule.
- RULE=half (default): every take made while the model rejects the sample
  (a report, or a sweep after the claim waits) pays the taker half of what
  it removes and burns the other half; a sweep while the model accepts the
  sample, and every refund, pay in full. So of any deposit the model
  rejects when it is taken, at most half reaches any account, whoever
  reports, sweeps or dilutes the reporters' shares.
- CHECKED=1: the honest agent adds a sample only if the model, after the
  sample's own update, would accept it (a check any contributor can run on
  a local copy of the public model); otherwise it passes the sample by and
  draws the next one (up to 20). Without it, the honest agent adds every
  sample it draws, as the default agents do.

Prints the runs.csv row of `decai.simulation.sweep.run_one` as JSON, with
the wei burned per author and the samples the honest agent passed by.
"""

import json
import os
import sys

from decai.core import mechanisms
from decai.simulation import engine
from decai.simulation.sweep import SweepGrid, run_one

RULE = os.environ.get("RULE", "half")
CHECKED = os.environ.get("CHECKED") == "1"
BURNED: dict[str, int] = {}
PASSED_BY = {"samples": 0}

deployed_report = mechanisms.DepositLedger.report


def report(self, key, reporter, now, model_agrees):
    amount = deployed_report(self, key, reporter, now, model_agrees)
    if RULE == "today" or model_agrees:
        return amount
    paid = amount // 2
    self.paid_out -= amount - paid
    author = str(self.records[key].author)
    BURNED[author] = BURNED.get(author, 0) + amount - paid
    return paid


deployed_claims = engine.Simulation._claims


def claims(self, agent, when):
    """The engine's claim round, then each open entry's claimable re-read
    from the ledger (a take may now remove more than it pays)."""
    deployed_claims(self, agent, when)
    for key in list(self.open_keys):
        entry = self.entries[key]
        record = self.backend.ledger.records.get(entry.contribution.key)
        if record is not None:
            entry.claimable = record.claimable
        if not entry.open:
            self.open_keys.discard(key)


acting = [None]
deployed_act = engine.Simulation._act
deployed_next = engine.Simulation._next_sample


def act(self, agent, when):
    acting[0] = agent
    try:
        return deployed_act(self, agent, when)
    finally:
        acting[0] = None


def next_sample(self):
    agent = acting[0]
    if not (CHECKED and agent is not None and agent.spec.honest):
        return deployed_next(self)
    for _ in range(20):
        sample, label = deployed_next(self)
        trial = self.backend.model.copy()
        trial.update(list(sample), label)
        if trial.predict(list(sample)) == label:
            break
        PASSED_BY["samples"] += 1
    return sample, label


mechanisms.DepositLedger.report = report
engine.Simulation._claims = claims
engine.Simulation._act = act
engine.Simulation._next_sample = next_sample

if __name__ == "__main__":
    model, step, seed, attacked, dataset = sys.argv[1:6]
    grid = SweepGrid(model_types=(model,), learning_rates=(float(step),), seeds=(int(seed),), base={"dataset": dataset})
    row = run_one(grid, grid.points()[0], int(seed), attacked == "1")
    row.update(rule=RULE, checked=CHECKED, burned_wei=BURNED, passed_by=PASSED_BY["samples"])
    print(json.dumps(row))
