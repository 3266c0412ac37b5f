"""The apps' dependency direction (pyproject.toml's import-linter contract): core <- audit <- facilities <- api <-
approvals <- emergencies <- calls. make check runs it too; here it fails the suite the moment a module imports
upward (audit used to import facilities for its admin, its login events and role-change events)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_app_imports_only_the_layers_below_it():
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "1 kept, 0 broken" in out.stdout
