"""pytest runs the unit tests (tests/) and executes every notebook (notebooks/, via nbval) in one command.

Notebook kernels inherit this environment: the smoke switch makes each training a few batches long, so CI
checks that every cell runs, not what a full run prints (the committed notebooks carry that).
"""

import os
from pathlib import Path

os.environ["MNIST_SMOKE"] = "1"


def pytest_report_header(config):
    notebooks = sorted(Path(__file__).parent.glob("notebooks/*.ipynb"))
    if not notebooks:
        return "notebooks: none in notebooks/ yet, so nbval executes nothing"
    return f"notebooks: {len(notebooks)} executed by nbval under MNIST_SMOKE=1: " + ", ".join(p.stem for p in notebooks)
