"""Shared test set-up: paths of the repository and the generated package on sys.path."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# CAPGEN_ROOT points the contract tests at another project folder (e.g. a scratch copy of specs/
# generated with `capgen --root DIR generate`), so spec work can be checked without touching generated/.
PROJECT_ROOT = Path(os.environ.get("CAPGEN_ROOT", REPO)).resolve()
GENERATED_PYTHON = PROJECT_ROOT / "generated" / "python"

# The contract and runtime tests import the generated package in place, as the checked-in code.
if (GENERATED_PYTHON / "capillary" / "__init__.py").is_file() and str(GENERATED_PYTHON) not in sys.path:
    sys.path.insert(0, str(GENERATED_PYTHON))
