import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def data():
    import geo
    return geo.load()


@pytest.fixture
def data_copy(tmp_path):
    """A private copy of data/plan and data/boundaries that a test may change."""
    plan = tmp_path / "plan"
    bounds = tmp_path / "boundaries"
    shutil.copytree(REPO / "data" / "plan", plan)
    shutil.copytree(REPO / "data" / "boundaries", bounds)
    return plan, bounds
