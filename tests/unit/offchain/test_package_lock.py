"""package-lock.json lists everything `npm install` would add, so installing
in a fresh clone leaves it unchanged, and the Makefile installs with `npm ci`
(which never rewrites it)."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_package_lock__every_dependency_including_optional_ones__has_an_entry():
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    packages = lock["packages"]
    assert packages[""]["devDependencies"] == package["devDependencies"]
    missing = []
    for key, entry in packages.items():
        wanted = {
            **entry.get("dependencies", {}),
            **entry.get("optionalDependencies", {}),
            **entry.get("devDependencies", {}),
        }
        for name, version in wanted.items():
            found = packages.get(f"node_modules/{name}")
            if found is None or found.get("version") != version:
                missing.append(f"{key or '<root>'} -> {name}@{version}")
    assert missing == []


def test_makefile__installs_node_modules_with_npm_ci():
    makefile = (ROOT / "Makefile").read_text()
    rule = makefile.split("node_modules/.bin/anvil:", 1)[1].split("\n\n", 1)[0]
    assert "npm ci" in rule and "npm install" not in rule
