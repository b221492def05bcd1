"""Defaults agree everywhere: the Python parameters, `ape run deploy` and the README."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from decai.core.mechanisms import DepositParameters
from decai.units import parse_duration, parse_wei

ROOT = Path(__file__).resolve().parents[3]


def _deploy_defaults() -> dict[str, str]:
    spec = importlib.util.spec_from_file_location("deploy_script", ROOT / "scripts" / "deploy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {option.name: option.default for option in module.cli.params}


def test_deposit_parameters__defaults__match_the_deploy_script():
    defaults, script = DepositParameters(), _deploy_defaults()
    assert parse_duration(script["refund_wait"]) == defaults.refund_wait_s
    assert parse_duration(script["owner_claim_wait"]) == defaults.owner_claim_wait_s
    assert parse_duration(script["any_claim_wait"]) == defaults.any_address_claim_wait_s
    assert parse_wei(script["cost_weight"]) == defaults.cost_weight


def test_deposit_parameters__defaults__match_the_readme():
    readme = (ROOT / "README.md").read_text()
    match = re.search(
        r"--refund-wait (\S+) --owner-claim-wait (\S+)\s*\\?\s*--any-claim-wait (\S+) --cost-weight (\S+)", readme
    )
    assert match, "the README's deploy example names every deposit option"
    defaults = DepositParameters()
    refund, owner, anyone, weight = match.groups()
    assert (parse_duration(refund), parse_duration(owner), parse_duration(anyone), parse_wei(weight)) == (
        defaults.refund_wait_s,
        defaults.owner_claim_wait_s,
        defaults.any_address_claim_wait_s,
        defaults.cost_weight,
    )


def test_default_steps__match_the_readme_and_docs():
    from decai.models.base import model_class, model_types

    readme = (ROOT / "README.md").read_text()
    docs = (ROOT / "docs" / "SIMULATION.md").read_text()
    for model_type in model_types():
        step, numbers = model_class(model_type).default_step, model_class(model_type).default_step_for("numbers")
        assert f"| `{model_type}` | {step:g} | {numbers:g} |" in readme, model_type
        assert f"| `{model_type}` | {step:g} | {numbers:g} | " in docs, model_type
