"""Choose recipes and widths on a validation split, never on the test set.

    python -m tools.validate --seeds 100 101 102 [--model final] [--set max_lr=0.2 --set batch_size=64]

Trains on the first 50,000 training images and measures the last 10,000 (held out from training), with RECIPE
changed by each --set KEY=VALUE, the seeds side by side (one thread each). One line per run is appended to
results/validation.jsonl: the record of how the recipe was chosen. The test set is not loaded here.
"""

import argparse
import functools
import json

from helpers.models import get_model
from helpers.runtime import RESULTS_DIR, pick_device
from helpers.train import RECIPE, train_seeds
from tools.variants import VARIANTS


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="final", help=f"a step's name, or one of {', '.join(VARIANTS)}")
    parser.add_argument("--seeds", type=int, nargs="+", default=[100])
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help=f"change one recipe entry (JSON value); keys: {', '.join(RECIPE)}")
    parser.add_argument("--model-set", action="append", default=[], metavar="KEY=VALUE",
                        help="change one argument of the model (JSON value), e.g. dropout=0.1")
    parser.add_argument("--note", default="", help="what this run tries, kept in the record")
    args = parser.parse_args()
    changes = {key: json.loads(value) for key, value in (item.split("=", 1) for item in args.set)}
    model_changes = {key: json.loads(value) for key, value in (item.split("=", 1) for item in args.model_set)}
    device = pick_device()
    if args.model in VARIANTS:
        model = functools.partial(VARIANTS[args.model], **model_changes)
    else:
        model = functools.partial(get_model, args.model, **model_changes) if model_changes else args.model
    for _, history in train_seeds(model, args.seeds, device, split="validation", **changes):
        record = {"model": args.model, "params": history["params"], "seed": history["seed"], "split": "validation",
                  "changes": changes, "model_changes": model_changes, "note": args.note,
                  "final_val_acc": history["epochs"][-1]["test_acc"],
                  "val_acc_by_epoch": [round(e["test_acc"], 2) for e in history["epochs"]],
                  "recipe": history["recipe"], "threads": history["threads"]}
        RESULTS_DIR.mkdir(exist_ok=True)
        with open(RESULTS_DIR / "validation.jsonl", "a") as f:
            f.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
