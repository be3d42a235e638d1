"""Notebook 7's twenty seeds, trained with the call notebook 7 uses, two at a time, each pair saved as it finishes.

    python -m tools.train_capstone

Twenty runs of the capstone take hours on two CPU cores, longer than one sitting: a pair already saved under
results/seeds/final_parts/ is skipped (if it was trained with today's FINAL_RECIPE), so the command resumes where it
stopped. Each run depends only on its seed and
thread count (one thread each, side by side), so the pairs give the numbers of h.train_seeds("final", range(1, 21)).
Nothing outside that folder changes until all ten pairs are saved: then they become results/seeds/final.json, and
seed 1's history and weights results/final.json and results/final.pt. To stop it, end its whole process group
(Ctrl-C, or kill -- -PGID): a worker process left behind finishes its run and slows the next one.
"""

import json
import shutil

import helpers as h
from helpers.runtime import RESULTS_DIR
from helpers.train import resolve_recipe

SEEDS = list(range(1, 21))
PARTS = RESULTS_DIR / "seeds" / "final_parts"


def main():
    device = h.pick_device()
    PARTS.mkdir(parents=True, exist_ok=True)
    for pair in zip(SEEDS[::2], SEEDS[1::2]):
        part = PARTS / f"seeds_{pair[0]}_{pair[1]}.json"
        if part.exists():
            if json.loads(part.read_text())["recipe"] != resolve_recipe(h.FINAL_RECIPE):
                raise SystemExit(f"{part} was trained with another recipe than today's FINAL_RECIPE: delete {PARTS} "
                                 "to train all twenty seeds again.")
            continue
        runs = h.train_seeds("final", list(pair), device=device, **h.FINAL_RECIPE)
        if 1 in pair:  # seed 1's history and weights, kept with the parts until all twenty are done
            model, history = runs[pair.index(1)]
            h.save_results(history, "seeds/final_parts/final.json")
            h.save_weights(model, PARTS / "final.pt")
        part.write_text(json.dumps(h.seed_summary(runs), indent=1) + "\n")
    parts = [json.loads((PARTS / f"seeds_{a}_{b}.json").read_text()) for a, b in zip(SEEDS[::2], SEEDS[1::2])]
    study = {**parts[0], "runs": [run for part in parts for run in part["runs"]]}
    h.save_results(study, "seeds/final.json")
    for name in ("final.json", "final.pt"):
        shutil.move(PARTS / name, RESULTS_DIR / name)
    shutil.rmtree(PARTS)
    print(h.last_epochs_line(study))


if __name__ == "__main__":
    main()
