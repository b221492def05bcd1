"""ape run gas: replay the gas scenario for every model and write benchmarks/gas.json."""

import json
from pathlib import Path

import click
from ape import accounts, chain
from rich.console import Console

from decai.apps.cli import DecaiCommand
from decai.apps.gas import MODELS, load_reference, render_table, run_scenario

ROOT = Path(__file__).resolve().parent.parent


@click.command(cls=DecaiCommand)
@click.option(
    "--bench-dir",
    type=click.Path(path_type=Path),
    default=ROOT / "benchmarks" / "reference",
    show_default=True,
    help="Folder with original_solidity_gas.json and gas_goals.json (the committed reference figures).",
)
@click.option("--output", type=click.Path(path_type=Path), default=ROOT / "benchmarks" / "gas.json", show_default=True)
@click.option(
    "--model",
    "models",
    multiple=True,
    type=click.Choice(MODELS + ("PM",)),
    help="Only these (default: the five models and the prediction market, PM).",
)
def cli(bench_dir, output, models):
    console = Console()
    results, details = {}, {}
    for key in models or MODELS + ("PM",):
        console.print(f"running the {key} scenario ...")
        details[key] = {}
        if key == "PM":
            from decai.market.gas import pm_gas

            snapshot = chain.snapshot()
            try:
                results[key] = pm_gas()
            finally:
                chain.restore(snapshot)
        else:
            results[key] = run_scenario(key, accounts.test_accounts, chain, details[key])
    output.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(output.read_text()) if output.exists() and models else {}
    previous.update(results)
    tmp = output.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(previous, indent=1) + "\n")
    tmp.replace(output)
    # The checks of every run go beside the output (gas.json -> gas_details.json),
    # so `--output X` never touches the committed benchmark files.
    details_path = output.with_name(f"{output.stem}_details.json")
    details_path.write_text(json.dumps(details, indent=1, default=str) + "\n")
    original, goals = load_reference(bench_dir)
    console.print(render_table({k: v for k, v in results.items() if k != "PM"}, original, goals))
    if "PM" in results:
        console.print("prediction market (PM): " + ", ".join(f"{k} {v:,}" for k, v in results["PM"].items()))
    console.print(f"wrote {output} (and the checks of every run in {details_path.name})")
