"""ape run gas: replay the gas scenario for every model and write benchmarks/gas.json.

    ape run gas                       # measure and write benchmarks/gas.json (make gas)
    ape run gas --check               # measure and compare with it, write nothing (make gas-check)
    ape run gas --output /tmp/g.json  # measure and write elsewhere

With --check, every measured figure is compared with the file at --output;
the command lists those that differ and exits 1 if any does, and no file is
written.
"""

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
    help="Only these (default: every model and the prediction market, PM).",
)
@click.option(
    "--check", is_flag=True, help="Compare with --output (default: the committed benchmarks/gas.json); write nothing."
)
def cli(bench_dir, output, models, check):
    console = Console()
    committed = _committed(output) if check else None
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
    if committed is not None:
        _compare(console, committed, results, output)
        return
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


def _committed(path: Path) -> dict:
    """The figures to check against (read before anything runs)."""
    from decai.data.files import read_json
    from decai.errors import DecaiError

    data, _ = read_json(path, "gas figures file")
    if not isinstance(data, dict):
        raise DecaiError(f"{path}: expected an object of gas figures per model")
    return data


def _compare(console, committed: dict, results: dict, path: Path) -> None:
    """Each measured figure against the committed one; DecaiError if any differs."""
    from decai.errors import DecaiError

    differences = []
    for key, figures in results.items():
        for name, gas in figures.items():
            before = (committed.get(key) or {}).get(name)
            if before != gas:
                change = "" if not isinstance(before, int) or not before else f" ({(gas - before) / before:+.1%})"
                differences.append(f"{key} {name}: {path.name} has {before}, measured {gas:,}{change}")
    for line in differences:
        console.print(line)
    count = sum(len(figures) for figures in results.values())
    if differences:
        raise DecaiError(f"{len(differences)} of {count} gas figures differ from {path}; `make gas` rewrites it")
    console.print(f"all {count} gas figures match {path}")
