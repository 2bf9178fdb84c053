"""The manifest stays a set of templates: short, each line said once, the API root written in one place."""

from __future__ import annotations

from pathlib import Path

import source_pinterest

MANIFEST = Path(source_pinterest.__file__).with_name("manifest.yaml")


def test_the_manifest_is_at_most_1000_lines_and_80_percent_of_its_lines_are_distinct() -> None:
    lines = MANIFEST.read_text(encoding="utf-8").splitlines()
    content = [line for line in lines if line.strip()]
    assert len(lines) <= 1000
    assert len(set(content)) / len(content) >= 0.80, f"{len(set(content))} distinct of {len(content)}"


def test_only_the_shared_requester_names_the_api_root() -> None:
    assert MANIFEST.read_text(encoding="utf-8").count("config['api_base_url']") == 1
