"""The GitHub Actions workflows in .github/workflows/, checked offline.

What they run must exist here (make targets, `ape run` scripts and their
options), and they keep to the project's rules: every action pinned to a
commit, no pull_request_target, secrets only in the Sepolia deployment job,
no `${{ }}` inside scripts, checkouts that do not keep the token. The last
test runs the linters of `make lint` (actionlint, zizmor) on the workflows.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
WORKFLOWS = ROOT / ".github" / "workflows"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))
SECRET_JOBS = {("deploy-sepolia.yml", "deploy")}  # the only job that may read secrets

USES_PINNED = re.compile(r"^\s*(?:-\s*)?uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d+\.\d+\.\d+\s*$")
MAKE_CALL = re.compile(r"(?<![\w/.-])make\s+([A-Za-z][\w.-]*)")
APE_RUN = re.compile(r"(?<![\w-])ape\s+run\s+([A-Za-z][\w-]*)")
LONG_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
MAKE_TARGET = re.compile(r"^([A-Za-z][\w.-]*)\s*:(?!=)", re.MULTILINE)


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def _triggers(workflow: dict) -> dict:
    # YAML 1.1 (PyYAML) reads the key `on` as the boolean True.
    on = workflow.get("on", workflow.get(True))
    return {on: None} if isinstance(on, str) else dict(on)


def _jobs():
    for path in WORKFLOW_FILES:
        for job_id, job in _load(path)["jobs"].items():
            yield path.name, job_id, job


def _steps():
    for name, job_id, job in _jobs():
        for step in job.get("steps", []):
            yield name, job_id, step


def _run_scripts():
    for name, job_id, step in _steps():
        if "run" in step:
            yield name, job_id, step["run"]


def _makefile_targets() -> set[str]:
    return set(MAKE_TARGET.findall((ROOT / "Makefile").read_text()))


def _script_options(script: str) -> set[str]:
    return set(re.findall(r'"(--[a-z][a-z0-9-]*)"', (ROOT / "scripts" / f"{script}.py").read_text()))


def _lint_commands() -> list[str]:
    """The recipe lines of the Makefile's `lint` target."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = lines.index(next(line for line in lines if re.match(r"^lint\s*:", line)))
    commands = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        commands.append(line.strip())
    return commands


def test_workflows__the_three_exist__each_with_a_trigger_and_jobs():
    assert {p.name for p in WORKFLOW_FILES} >= {"test.yml", "fuzz.yml", "deploy-sepolia.yml"}
    for path in WORKFLOW_FILES:
        workflow = _load(path)
        assert _triggers(workflow), path.name
        assert workflow["jobs"], path.name


def test_run_steps__make_calls__name_existing_makefile_targets():
    targets = _makefile_targets()
    called = [(name, target) for name, _, script in _run_scripts() for target in MAKE_CALL.findall(script)]
    assert called  # the workflows do run make
    missing = [(name, target) for name, target in called if target not in targets]
    assert not missing, f"make targets not in the Makefile: {missing}"


def test_run_steps__ape_run_calls__name_existing_scripts():
    called = [(name, script) for name, _, run in _run_scripts() for script in APE_RUN.findall(run)]
    assert called
    missing = [(name, s) for name, s in called if not (ROOT / "scripts" / f"{s}.py").is_file()]
    assert not missing, f"no scripts/<name>.py for: {missing}"


def test_run_steps__ape_run_options__are_options_of_that_script():
    # A step that calls one script passes it only that script's options
    # (and Ape's --network).
    for name, job_id, run in _run_scripts():
        scripts = set(APE_RUN.findall(run))
        if len(scripts) != 1:
            continue
        (script,) = scripts
        unknown = set(LONG_OPTION.findall(run)) - _script_options(script) - {"--network"}
        assert not unknown, f"{name}/{job_id}: ape run {script} has no option {sorted(unknown)}"


def test_make_test_and_fuzz__run_by_their_workflows__and_lint_by_test():
    def make_calls(file: str) -> set[str]:
        return {t for name, _, run in _run_scripts() if name == file for t in MAKE_CALL.findall(run)}

    assert {"lint", "test", "browser"} <= make_calls("test.yml")
    assert "fuzz" in make_calls("fuzz.yml")


def test_uses__every_action__pinned_to_a_commit_sha_with_a_version_comment():
    for path in WORKFLOW_FILES:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.match(r"^\s*(?:-\s*)?uses:", line):
                assert USES_PINNED.match(line), (
                    f"{path.name}:{number}: not pinned to a SHA with '# vX.Y.Z': {line.strip()}"
                )
    pinned = [step["uses"] for _, _, step in _steps() if "uses" in step]
    assert pinned and all(re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses) for uses in pinned)


def test_triggers__no_workflow__uses_pull_request_target():
    for path in WORKFLOW_FILES:
        assert "pull_request_target" not in _triggers(_load(path)), path.name
        assert "pull_request_target" not in path.read_text(), path.name


def test_triggers__each_workflow__has_its_events():
    assert {"push", "pull_request"} <= set(_triggers(_load(WORKFLOWS / "test.yml")))
    assert set(_triggers(_load(WORKFLOWS / "fuzz.yml"))) == {"schedule", "workflow_dispatch"}
    assert set(_triggers(_load(WORKFLOWS / "deploy-sepolia.yml"))) == {"workflow_dispatch"}


def test_secrets__test_and_fuzz_jobs__reference_none():
    for name in ("test.yml", "fuzz.yml"):
        assert "secrets." not in (WORKFLOWS / name).read_text(), name
    for name, job_id, job in _jobs():
        if (name, job_id) not in SECRET_JOBS:
            assert "secrets." not in yaml.safe_dump(job), f"{name}/{job_id} reads a secret"


def test_deploy_job__reads_secrets__only_in_the_sepolia_environment():
    jobs = _load(WORKFLOWS / "deploy-sepolia.yml")["jobs"]
    assert jobs["deploy"]["environment"] == "sepolia"
    text = yaml.safe_dump(jobs["deploy"])
    for secret in ("SEPOLIA_RPC_URL", "DEPLOYER_KEYFILE", "DEPLOYER_PASSPHRASE"):
        assert f"secrets.{secret}" in text
    # only the environment job is given them
    assert all("environment" not in job for job_id, job in jobs.items() if job_id != "deploy")


def test_checkout__every_step__persist_credentials_false():
    checkouts = [(name, step) for name, _, step in _steps() if step.get("uses", "").startswith("actions/checkout@")]
    assert len(checkouts) >= 3
    for name, step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False, name


def test_run_scripts__no_expression__interpolated_into_the_script():
    for name, job_id, run in _run_scripts():
        assert "${{" not in run, f"{name}/{job_id}: pass the value through env: instead"


def test_permissions__top_level_none__writes_only_in_the_pull_request_job():
    for path in WORKFLOW_FILES:
        workflow = _load(path)
        assert workflow.get("permissions") in ({}, {"contents": "read"}), path.name
        for job_id, job in workflow["jobs"].items():
            assert "permissions" in job, f"{path.name}/{job_id}: state the job's permissions"
            writes = {scope for scope, level in job["permissions"].items() if level == "write"}
            if (path.name, job_id) == ("deploy-sepolia.yml", "pull-request"):
                assert writes == {"contents", "pull-requests"}
            else:
                assert not writes, f"{path.name}/{job_id} writes {writes}"


def test_fuzz__hypothesis_database__rolling_key_restored_by_prefix_and_saved_on_failure():
    steps = _load(WORKFLOWS / "fuzz.yml")["jobs"]["fuzz"]["steps"]
    restore = next(s for s in steps if s.get("uses", "").startswith("actions/cache/restore@"))
    save = next(s for s in steps if s.get("uses", "").startswith("actions/cache/save@"))
    assert restore["with"]["path"] == save["with"]["path"] == ".hypothesis"
    assert "github.run_id" in restore["with"]["key"] and restore["with"]["key"] == save["with"]["key"]
    assert restore["with"]["restore-keys"] == "hypothesis-"
    assert save["if"] == "always()"


def test_test_workflow__reports__junit_and_screenshots_uploaded_even_on_failure():
    steps = _load(WORKFLOWS / "test.yml")["jobs"]["test"]["steps"]
    test_step = next(s for s in steps if s.get("run") == "make test")
    junit = re.search(r"--junitxml=(\S+)", test_step["env"]["PYTEST_ADDOPTS"]).group(1)
    uploads = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")]
    paths = {s["with"]["path"] for s in uploads}
    assert junit in paths and "test-artifacts/screenshots/" in paths
    assert all(s["if"] == "always()" and s["with"]["if-no-files-found"] == "ignore" for s in uploads)


def test_lint__actionlint_and_zizmor_as_make_lint_runs_them__exit_zero():
    commands = _lint_commands()
    assert any(c.startswith("actionlint") for c in commands)
    assert any(c.startswith("zizmor") for c in commands)
    # The tools are installed by `make setup` next to this interpreter.
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    for command in commands:
        result = subprocess.run(command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
