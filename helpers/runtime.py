"""Where things live, which device runs them, how runs are seeded, and the one smoke switch."""

import os
import random
from pathlib import Path

import torch

# The one smoke switch: MNIST_SMOKE=1 makes every training a few batches long, so CI can execute the notebooks
# in minutes. It is read here and nowhere else; fit() prints "SMOKE MODE" so such output never passes for a real run.
SMOKE = os.environ.get("MNIST_SMOKE", "0") not in ("", "0")

REPO_ROOT = Path(__file__).resolve().parent.parent
# Smoke runs write their (meaningless) results aside, so they never overwrite those of a full run.
RESULTS_DIR = REPO_ROOT / "results" / "smoke" if SMOKE else REPO_ROOT / "results"
SMOKE_BATCHES = 5
SMOKE_EPOCHS = 2
SMOKE_TEST_EXAMPLES = 1000


def seed_everything(seed, verbose=True):
    """Seed Python and torch (CPU and CUDA), so that a run on the CPU with the same seed repeats exactly."""
    random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    if verbose:
        print(f"Seed: {seed}")
    return seed


def pick_device():
    """CUDA when there is a GPU, else the CPU; said out loud because the speed (and rounding) depends on it."""
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"Device: {device} ({name}), torch {torch.__version__}")
    if SMOKE:
        print(f"SMOKE MODE: at most {SMOKE_EPOCHS} epochs of {SMOKE_BATCHES} batches; no number below means anything.")
    return device
