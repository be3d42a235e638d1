"""Where things live, which device runs them, how runs are seeded, and the two switches: smoke and retrain."""

import os
import random
from pathlib import Path

import torch

# The smoke switch: MNIST_SMOKE=1 gives every notebook the first few images of each split (data.load_mnist, the one
# place it acts), so CI can execute them all in minutes. Nothing else changes: the recipe, epochs and code are those
# of a full run, and no number printed under it means anything.
SMOKE = os.environ.get("MNIST_SMOKE", "0") not in ("", "0")
SMOKE_TRAIN_EXAMPLES, SMOKE_TEST_EXAMPLES = 256, 500
# The retrain switch: cells that read recorded runs from results/ train them again instead (MNIST_RETRAIN=1, or
# RETRAIN = True in the cell). The smoke run always retrains, so CI runs that code too.
RETRAIN = SMOKE or os.environ.get("MNIST_RETRAIN", "0") not in ("", "0")

REPO_ROOT = Path(__file__).resolve().parent.parent
COMMITTED_RESULTS = REPO_ROOT / "results"
# Smoke runs write their (meaningless) results aside, so they never overwrite those of a full run.
RESULTS_DIR = COMMITTED_RESULTS / "smoke" if SMOKE else COMMITTED_RESULTS


def smoke_cut(images, labels, examples):
    """Under the smoke switch, the first `examples` images and labels; otherwise all of them, unchanged."""
    return (images[:examples], labels[:examples]) if SMOKE else (images, labels)


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
        print(f"SMOKE MODE: {SMOKE_TRAIN_EXAMPLES} training and {SMOKE_TEST_EXAMPLES} test images; no number below "
              "means anything")
    return device
