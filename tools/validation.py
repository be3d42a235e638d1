"""The validation record (results/validation.jsonl): every run that chose a setting, grouped, and each choice judged
by the series' one paired rule (helpers.stats), on the seeds both arms share."""

import json
import statistics

from helpers.runtime import REPO_ROOT
from helpers.stats import paired_comparison
from tools.scorecard import COLLAPSED_BELOW

# Read from results/ even under the smoke switch: the record is data, nothing here writes it.
RECORD = REPO_ROOT / "results" / "validation.jsonl"

# The choices the record was made for: (question, runs of the baseline, runs of the variant), each arm named by the
# beginnings of its runs' notes. A4 = the 5,818-parameter network of an earlier version, batch 64 and peak 0.2.
CHOICES = [
    ("5,818 parameters: batch 64 and peak 0.2 instead of batch 128 and peak 0.1", ["A: "], ["A_bs64_lr02:"]),
    ("5,818 parameters, batch 128 / peak 0.1: no augmentation", ["A: "], ["A_noaug:"]),
    ("5,818 parameters, batch 64 / peak 0.2: no augmentation", ["A_bs64_lr02:"], ["A_R_noaug:"]),
    ("5,818 parameters, batch 64 / peak 0.2: step schedule instead of one-cycle", ["A_bs64_lr02:"], ["A_R_step:"]),
    ("5,818 parameters, batch 64 / peak 0.2: Dropout 0.1 on the last maps", ["A_bs64_lr02:"], ["A_R_do10last:"]),
    ("5,818 parameters, batch 64 / peak 0.2: gradient clipping at 1.0", ["A_bs64_lr02:"],
     ["A_R_clip1:", "final + gradient clipping at 1.0"]),
    ("8,338 parameters (step 6), batch 128 / peak 0.1: Dropout 0.1 kept", ["v2: final network"],
     ["v2: step-6 network"]),
    ("12,090 parameters (step 3), batch 128 / peak 0.1: gradient clipping at 2.0",
     ["v2: step-3 network (no BatchNorm), 8.3K"], ["v2: step-3 network (no BatchNorm), batch 128, max_lr 0.1, grad"]),
    # The capstone (notebook 7), change 1 then change 2, all under the recipe as it is now:
    ("capstone 1: step 6 (8,338), the bold recipe (batch 64, peak 0.2, no clipping) instead of RECIPE",
     ["capstone change 1: step 6 under RECIPE"], ["capstone change 1: step 6 under the bold recipe"]),
    ("capstone 2: bold recipe, step 6 narrowed to 5,818 parameters (Dropout 0.1 kept)",
     ["capstone change 1: step 6 under the bold recipe"], ["capstone change 2: step 6 narrowed to 5,818 (widths only"]),
    ("capstone 2: bold recipe, 5,818 parameters, Dropout off",
     ["capstone change 2: step 6 narrowed to 5,818 (widths"], ["capstone change 2: step 6 narrowed to 5,818, Drop"]),
    ("capstone 2, control: 5,818 parameters (Dropout off), the bold recipe instead of RECIPE",
     ["capstone change 2, control"], ["capstone change 2: step 6 narrowed to 5,818, Drop"]),
    ("capstone 2 (stretch): bold recipe, 4,614 parameters instead of 5,818, Dropout off",
     ["capstone change 2: step 6 narrowed to 5,818, Drop"], ["capstone change 2 (stretch): step 6 narrowed to 4,614"]),
]


def load_record(path=RECORD):
    """Every validation run, one dict per line of the record, in the order they were made."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def effective_recipe(run):
    """Batch size and peak learning rate a run really used, and its other changes. Runs made before the record kept
    the whole recipe stored their changes to the baseline of the time: batch 128, peak 0.1."""
    recipe = run.get("recipe") or {"batch_size": 128, "max_lr": 0.1, **run["changes"]}
    others = {k: v for k, v in run["changes"].items() if k not in ("batch_size", "max_lr")}
    return recipe["batch_size"], recipe["max_lr"], json.dumps(others, sort_keys=True) if others else ""


def grouped_runs(record):
    """The record grouped by what was tried: seeds, and the mean and minimum final validation accuracy."""
    groups = {}
    for run in record:
        groups.setdefault((run["note"], run["params"], *effective_recipe(run)), []).append(run)
    rows = []
    for (note, params, batch, lr, others), runs in groups.items():
        accs = [run["final_val_acc"] for run in runs]
        rows.append({"tried": note, "params": params, "batch": batch, "peak lr": lr, "other changes": others,
                     "seeds": ", ".join(str(run["seed"]) for run in runs),
                     "mean": f"{statistics.mean(accs):.2f}", "min": f"{min(accs):.2f}"})
    return rows


def arm(record, prefixes):
    """{seed: final validation accuracy} of the runs whose note begins with one of `prefixes`."""
    return {run["seed"]: run["final_val_acc"] for run in record if run["note"].startswith(tuple(prefixes))}


def judged_choices(record, choices=CHOICES):
    """Each choice as a row: the seeds of each arm, the seeds they share, the per-seed differences, and the verdict."""
    rows = []
    for question, before, after in choices:
        base, variant = arm(record, before), arm(record, after)
        row = {"choice": question, "baseline seeds": ", ".join(map(str, sorted(base))),
               "variant seeds": ", ".join(map(str, sorted(variant))), "differences": "", "mean": "", "verdict": ""}
        try:
            result = paired_comparison(base, variant)
        except ValueError:
            row["verdict"] = "no seed in common: cannot be paired"
        else:
            row.update(differences=" ".join(f"{d:+.2f}" for d in result["differences"]),
                       mean=f"{result['mean']:+.2f}", verdict=result["verdict"])
        rows.append(row)
    return rows


def collapsed_runs(record):
    """The runs that collapsed (final validation accuracy below COLLAPSED_BELOW), with their recipe."""
    return [{"run": run["note"].split(":")[0], "params": run["params"], "seed": run["seed"],
             "batch, peak lr": "{}, {:g}".format(*effective_recipe(run)[:2]),
             "clipping": (run.get("recipe") or run["changes"]).get("clip_grad_norm") or "none",
             "final val acc": f"{run['final_val_acc']:.2f}"}
            for run in record if run["final_val_acc"] < COLLAPSED_BELOW]
