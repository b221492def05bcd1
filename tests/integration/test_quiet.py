"""Quiet by default: what a user runs prints what decai has to say and
nothing a user cannot act on (library warnings, the Makefile's own checks)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_make_browser__chromium_present__prints_nothing():
    # Every make target depends on it through `setup`.
    assert shutil.which("chromium") or shutil.which("chromium-browser"), "run `make browser` once"
    done = subprocess.run(["make", "--no-print-directory", "browser"], cwd=ROOT, capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_compile__in_the_project_environment__no_library_warning():
    done = subprocess.run(
        ["bash", "-c", "source .envrc && ape compile"], cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stdout + done.stderr and "warnings.warn" not in done.stdout + done.stderr


def test_train__digits_nearest_centroid__no_scikit_learn_warning(tmp_path):
    done = subprocess.run(
        ["ape", "run", "train", "--data", "digits", "--model-type", "nearest_centroid", "--out", str(tmp_path / "m")],
        cwd=ROOT, capture_output=True, text=True, timeout=600, env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )  # fmt: skip
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.startswith(f"wrote {tmp_path / 'm'} (nearest_centroid, 10 classes")
