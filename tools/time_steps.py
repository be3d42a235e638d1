"""Seconds per epoch of each step's network, measured alone: one thread, nothing else training.

    python -m tools.time_steps [--names new_arch batchnorm dropout gap final]   # about 20 s per network here

The seed studies train several runs side by side, so their epoch lines time runs that share the cores; this is the
figure the scorecard quotes instead. Each network trains one full epoch of its recipe (seed 1; the capstone's
"final" with FINAL_RECIPE, the steps with RECIPE); the result goes to
results/epoch_seconds.json with the device, thread count and torch version. Run it on an otherwise idle machine.
"""

import argparse
import json

import torch

from helpers.models import MODELS
from helpers.runtime import RESULTS_DIR
from helpers.data import load_split
from helpers.train import FINAL_RECIPE, train_with_recipe


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--names", nargs="+", default=list(MODELS)[2:])
    args = parser.parse_args()
    torch.set_num_threads(1)
    train, test = load_split("test")
    path = RESULTS_DIR / "epoch_seconds.json"
    record = json.loads(path.read_text()) if path.exists() else {"seconds": {}}
    record.update(device="cpu", threads=1, torch=torch.__version__, note="one epoch of each network's recipe, alone")
    for name in args.names:
        recipe = FINAL_RECIPE if name == "final" else {}
        _, history = train_with_recipe(name, train, test, seed=1, verbose=False, **{**recipe, "epochs": 1})
        record["seconds"][name] = round(history["epochs"][0]["seconds"], 1)
        print(f"{name}: {record['seconds'][name]:.1f} s per epoch (one thread, alone)", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
