"""The files airbyte-ci reads: the icon metadata.yaml names, and acceptance tests that run on a real account."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_the_icon_metadata_names_exists_and_is_an_svg() -> None:
    icon = ROOT / yaml.safe_load((ROOT / "metadata.yaml").read_text())["data"]["icon"]
    assert icon.is_file(), icon
    root = ElementTree.parse(icon).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox")


def test_acceptance_tests_read_a_real_account_from_git_ignored_secrets() -> None:
    tests = yaml.safe_load((ROOT / "acceptance-test-config.yml").read_text())["acceptance_tests"]
    paths = {t.get("config_path") for section in tests.values() for t in section["tests"]}
    assert "secrets/config.json" in paths
    assert not any("127.0.0.1" in (ROOT / p).read_text() for p in paths if p and (ROOT / p).is_file())
    ignored = subprocess.run(["git", "check-ignore", "-q", "secrets/config.json"], cwd=ROOT, check=False)
    assert ignored.returncode == 0
