"""The README's fresh-machine commands are the ones CI runs and the ones that exist."""
import re

from tests.conftest import REPO


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, re.S)
    test_cmd = next(b for b in blocks if "pytest" in b)
    assert test_cmd in (REPO / ".ci" / "run").read_text(encoding="utf-8")
    start_cmd = next(b for b in blocks if "server.py" in b)
    assert "pip install -e ." in start_cmd and "npm ci --prefix assets" in start_cmd
