"""Where things live, which device runs them, how runs are seeded, and the one smoke switch."""

import os
import random
from pathlib import Path

import torch

# The one smoke switch: MNIST_SMOKE=1 makes every training a few batches of a few epochs, so CI can execute the
# notebooks in minutes. It is read here; it acts in smoke_cut (for every training) and on load_mnist's test split.
SMOKE = os.environ.get("MNIST_SMOKE", "0") not in ("", "0")
SMOKE_EPOCHS, SMOKE_TRAIN_EXAMPLES, SMOKE_TEST_EXAMPLES = 2, 640, 1000

REPO_ROOT = Path(__file__).resolve().parent.parent
# Smoke runs write their (meaningless) results aside, so they never overwrite those of a full run.
RESULTS_DIR = REPO_ROOT / "results" / "smoke" if SMOKE else REPO_ROOT / "results"


def smoke_cut(train, test, epochs, verbose=True):
    """Under the smoke switch, at most SMOKE_EPOCHS epochs on the first few images; otherwise all of them, unchanged."""
    if not SMOKE:
        return train, test, epochs
    train, test = tuple(t[:SMOKE_TRAIN_EXAMPLES] for t in train), tuple(t[:SMOKE_TEST_EXAMPLES] for t in test)
    epochs = min(epochs, SMOKE_EPOCHS)
    if verbose:
        print(f"SMOKE MODE: {epochs} epochs on {len(train[1])} images, tested on {len(test[1])} images.")
    return train, test, epochs


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
        print(f"SMOKE MODE: at most {SMOKE_EPOCHS} epochs on {SMOKE_TRAIN_EXAMPLES} images; no number below means much")
    return device
