"""environment.yml (conda/Binder) must install exactly what requirements.lock pins."""

from __future__ import annotations

import tomllib

import yaml

from analysis.config import REPO_ROOT
from analysis.environment import LOCK, environment_yml, locked_pins


def test_environment_yml_is_generated_from_the_lock():
    committed = (REPO_ROOT / "environment.yml").read_text(encoding="utf-8")
    expected = environment_yml(LOCK.read_text(encoding="utf-8"))
    assert committed == expected, (
        "environment.yml disagrees with requirements.lock: regenerate it with "
        "`python -m analysis.environment > environment.yml`"
    )


def test_environment_yml_pins_python_quarto_and_every_locked_package():
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text(encoding="utf-8"))
    deps = env["dependencies"]
    assert "python=3.11" in deps and "quarto" in deps
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    assert pip[:-1] == locked_pins(LOCK.read_text(encoding="utf-8"))
    assert all("==" in pin for pin in pip[:-1])


def test_every_direct_dependency_is_locked_and_jupyter_is_not_in_the_runtime_set():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    locked = {p.split("==")[0].lower() for p in locked_pins(LOCK.read_text(encoding="utf-8"))}
    direct = project["dependencies"] + project["optional-dependencies"]["test"]
    for requirement in direct:
        name = requirement.split(">")[0].split("=")[0].split("<")[0].strip().lower()
        assert name in locked, f"{name} is a dependency but not in requirements.lock"
    assert "jupyter" not in locked
    assert not any(d.startswith("jupyter") for d in project["dependencies"])


def test_lock_carries_hashes_for_every_pin():
    text = LOCK.read_text(encoding="utf-8")
    blocks = [b for b in text.split("\n") if b and not b.startswith(("#", " "))]
    assert blocks, "the lock is empty"
    assert text.count("--hash=sha256:") >= len(blocks)
