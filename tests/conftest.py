"""Shared test set-up: paths of the repository and the generated package on sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GENERATED_PYTHON = REPO / "generated" / "python"

# The contract and runtime tests import the generated package in place, as the checked-in code.
if (GENERATED_PYTHON / "capillary" / "__init__.py").is_file() and str(GENERATED_PYTHON) not in sys.path:
    sys.path.insert(0, str(GENERATED_PYTHON))
