"""One reference-backend run with or without the half-burned rule for takes.

A measurement tool, not product code. The deployed mechanism burns half of
every take made while the model rejects the sample, and the simulation's
honest agent checks each sample first (`AgentSpec.checks_samples`: it adds
a sample only if the model, after learning it, would predict its label,
and passes it by otherwise, up to 20 draws a turn). This tool runs one
experiment of the sweep (`decai.simulation.sweep.run_one`) either way.

    python results/burn/take_rule.py MODEL STEP SEED ATTACKED DATASET

Environment:
- RULE=half (default): the deployed rule, nothing patched.
- RULE=today: the rule before it, patched into the Python copy of the
  mechanism: every take pays the taker all it removes.
- CHECKED=1 (default): the honest agent checks its samples, as deployed;
  CHECKED=0: it adds every sample it draws.

Prints the runs.csv row of `decai.simulation.sweep.run_one` as JSON, with
the rule, the check, and the burned wei and samples passed by that the
run's summary reports. Rows measured before the rule was deployed (a
prototype whose check added the 20th draw anyway, instead of passing the
turn) have no "check" field.
"""

import json
import os
import sys

from decai.core import mechanisms
from decai.simulation import agents
from decai.simulation.sweep import SweepGrid, run_one

RULE = os.environ.get("RULE", "half")
CHECKED = os.environ.get("CHECKED", "1") == "1"

if RULE == "today":
    mechanisms.take_paid = lambda removed, model_agrees: removed
if not CHECKED:
    deployed_honest = agents.honest_agent
    agents.honest_agent = lambda name="honest", **changes: deployed_honest(name, **{"checks_samples": False, **changes})

if __name__ == "__main__":
    model, step, seed, attacked, dataset = sys.argv[1:6]
    grid = SweepGrid(model_types=(model,), learning_rates=(float(step),), seeds=(int(seed),), base={"dataset": dataset})
    row = run_one(grid, grid.points()[0], int(seed), attacked == "1")
    row.update(rule=RULE, checked=CHECKED, check="passes the turn")
    print(json.dumps(row))
