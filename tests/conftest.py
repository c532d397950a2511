"""Shared fixtures: the five seed documents and their hand-checked gold expectations."""

import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def seeds_gold() -> dict:
    return json.loads((DATA / "seeds_gold.json").read_text(encoding="utf-8"))["documents"]


@pytest.fixture(scope="session")
def seed_dir() -> Path:
    return DATA / "seeds"
