"""Deployment hardening, read from the files themselves: the base image pinned by digest, one
constraints file that make and the Dockerfile install with and that meets pyproject's floors,
and compose running the bot read-only, without capabilities, with only the variables it needs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def pins() -> dict[str, Version]:
    found = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"not an exact pin: {line}"
            found[name.lower().replace("_", "-")] = Version(version)
    return found


def test_the_base_image_is_pinned_by_digest() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    image = re.search(r"(?m)^ARG PYTHON_IMAGE=(\S+)$", dockerfile)
    assert image is not None
    assert image.group(1).startswith("python:3.11")
    assert DIGEST.search(image.group(1))
    stages = re.findall(r"(?m)^FROM (\S+)", dockerfile)
    assert stages
    assert set(stages) == {"${PYTHON_IMAGE}"}


def test_make_and_the_dockerfile_install_with_the_constraints() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "COPY pyproject.toml README.md constraints.txt" in dockerfile
    assert "pip install --constraint constraints.txt ." in dockerfile
    assert "--constraint constraints.txt -e '.[dev]'" in makefile
    assert re.search(r"(?m)^audit: .*\n(\t.*\n)*\t.*pip_audit .*constraints\.txt", makefile)


def test_every_dependency_is_pinned_within_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pinned = pins()
    for spec in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        requirement = Requirement(spec)
        name = requirement.name.lower().replace("_", "-")
        assert name in pinned, f"{name} is not in constraints.txt"
        assert requirement.specifier.contains(pinned[name]), (name, str(pinned[name]))


def test_the_floors_are_above_the_known_advisories() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    floors = {
        Requirement(spec).name.lower(): Requirement(spec) for spec in project["dependencies"]
    }
    # aiohttp: advisories fixed up to 3.14.3 (e.g. GHSA-cq5v-8q36-5273); Pillow up to 12.3.0.
    assert not floors["aiohttp"].specifier.contains(Version("3.14.2"))
    assert not floors["pillow"].specifier.contains(Version("12.2.0"))
    assert "viberbot" not in floors  # the bot does not run on it (bot/viber/__init__.py)


def test_compose_runs_the_bot_locked_down_with_only_its_variables() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    bot = compose["services"]["bot"]
    assert bot["read_only"] is True
    assert bot["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in bot["security_opt"]
    assert "env_file" not in bot  # not the whole .env: POSTGRES_PASSWORD only inside the URL
    names = set(bot["environment"])
    assert all(name.startswith("METERBOT_") for name in names)
    assert {"METERBOT_STORAGE__URL", "METERBOT_STORAGE__PSEUDONYM_KEY"} <= names
