"""The README's scorecard (python -m tools.report): per step, what it costs and buys, from the saved results."""

import json
import statistics

from helpers.models import MODELS
from helpers.runtime import RESULTS_DIR
from helpers.stats import change_text, compare
from helpers.train import seed_summary

MODEL_NAMES = list(MODELS)[:6]  # the six steps
TARGET = 99.4  # the exercise's test accuracy
# A run has collapsed when it ends below this test accuracy: near a guess (10%), where a network that answers the
# same digit for every image ends (11.35%: the share of 1s among the test digits).
COLLAPSED_BELOW = 20.0


def accuracies(study):
    return [run["final_test_acc"] for run in study["runs"]]


def collapsed(study):
    """The seeds of a study whose run collapsed (ended below COLLAPSED_BELOW)."""
    return [run["seed"] for run in study["runs"] if run["final_test_acc"] < COLLAPSED_BELOW]

STEP_LABELS = {"bad": "1 bad", "no_relu": "2 no_relu", "new_arch": "3b new_arch, recipe", "batchnorm": "4 batchnorm",
               "dropout": "5 dropout", "gap": "6 gap", "final": "7 capstone"}
# The controlled experiments of each step's notebook: [(what, study before, study after)]. Step 3's first two measure
# its architecture (the third convolution in block 1, trained plainly and with the recipe, notebook 3); the others
# the recipe and two of its ingredients (notebook 03b), not the architecture.
PAYOFFS = {
    "new_arch": [("block 1 of three 3x3 convolutions against two, plain training", "new_arch_two_convs_plain",
                  "new_arch_plain"),
                 ("block 1 of three 3x3 convolutions against two, the recipe", "new_arch_two_convs", "new_arch"),
                 ("PyTorch's default initialisation instead of He's, plain training", "new_arch_plain",
                  "new_arch_plain_no_he"),
                 ("the recipe against plain training", "new_arch_plain", "new_arch"),
                 ("the recipe with a constant rate of 0.01 instead of one-cycle", "new_arch", "new_arch_constant_lr"),
                 ("the recipe without augmentation", "new_arch", "new_arch_no_augment")],
    "batchnorm": [("under the bold recipe (batch 64, peak 0.2, no clipping), step 3 -> 4", "new_arch_bold",
                   "batchnorm_bold")],
    "dropout": [("on 5,000 training images, step 4 -> 5", "batchnorm_5k", "dropout_5k"),
                ("on 5,000 training images without augmentation and weight decay, step 4 -> 5",
                 "batchnorm_5k_bare", "dropout_5k_bare")],
    "final": [("the bold recipe alone, on step 6's network", "gap", "gap_final_recipe"),
              ("then the narrower widths, at 15 epochs", "gap_final_recipe", "final_15_epochs"),
              ("then 19 epochs instead of 15, on twenty seeds", "final_15_epochs", "final")],
}
# A step whose change is also the length of training: the capstone's third change is 19 epochs instead of 15.
CHANGED = {"final": ("epochs",)}
THIN = 0.05  # a verdict whose interval ends within this many points of zero is said to be thin


def verdict_text(result):
    """change_text, saying so when a verdict of better or worse rests on an interval that ends close to zero."""
    text = change_text(result)
    near = result["low"] if result["verdict"] == "better" else result["high"] if result["verdict"] == "worse" else None
    if near is not None and abs(near) < THIN:
        text += f" (thin: the interval ends {near:+.3f} points from zero)"
    return text


def _load(path):
    return json.loads(path.read_text()) if path.exists() else None


def step_study(name, results_dir=RESULTS_DIR):
    """A step's seed study, or for steps 1 and 2 (one run each) their single run as a one-seed study."""
    study = _load(results_dir / "seeds" / f"{name}.json")
    if study is None and (results_dir / f"{name}.json").exists():
        study = seed_summary([(None, _load(results_dir / f"{name}.json"))])
    return study


def first_epoch_reaching(study, target=TARGET):
    """The first epoch after which the mean test accuracy over the seeds reached `target` (None if never)."""
    means = [statistics.mean(values) for values in zip(*(run["test_acc_by_epoch"] for run in study["runs"]))]
    return next((epoch for epoch, mean in enumerate(means, 1) if mean >= target), None)


def payoff_text(name, results_dir=RESULTS_DIR):
    parameters = ""
    if name in ("gap", "final"):  # GAP's payoff, and the capstone's: parameters
        before = step_study({"gap": "dropout", "final": "gap"}[name], results_dir)
        after = step_study(name, results_dir)
        parameters = f"parameters {before['params']:,} -> {after['params']:,}" if before and after else ""
    parts = [parameters] if parameters else []
    for what, before_name, after_name in PAYOFFS.get(name, []):
        before, after = (_load(results_dir / "seeds" / f"{n}.json") for n in (before_name, after_name))
        if not before or not after:
            continue
        parts.append(f"{what}: {verdict_text(compare(before, after, changed=CHANGED.get(name, ())))}")
        if collapsed(before) or collapsed(after):
            parts[-1] += (f"; runs below {COLLAPSED_BELOW:g}% (collapsed): {len(collapsed(before))} of "
                          f"{len(before['runs'])} before, {len(collapsed(after))} of {len(after['runs'])} after")
    return "; ".join(parts)


def change_against(previous, study, changed=()):
    """The paired change from the previous row, unless the two trained for different numbers of epochs and the step
    does not name that change (step 2's one epoch against step 3's fifteen): then no change is quoted."""
    if previous is None:
        return ""
    if previous["epochs"] != study["epochs"] and "epochs" not in changed:
        return f"not compared ({previous['epochs']} epoch(s) against {study['epochs']}: more than the step differs)"
    return verdict_text(compare(previous, study, changed=changed))


def scorecard_rows(results_dir=RESULTS_DIR):
    """One row per step that has results, then the capstone's (notebook 7; its change is against step 6, both of its
    changes together): parameters, mean +- seed SD (final epoch), the paired change against the previous row, the
    payoff experiment, seconds per epoch and the first epoch at which the mean reached 99.4%.

    Seconds per epoch: steps 3 to 6 and the capstone from results/epoch_seconds.json (python -m tools.time_steps: one
    thread, alone, each with its own recipe); steps 1 and 2 from their notebook's one epoch (all the machine's
    threads, nothing else training).
    """
    alone = _load(results_dir / "epoch_seconds.json") or {"seconds": {}}
    rows, previous = [], None
    for name in [*MODEL_NAMES, "final"]:
        study = step_study(name, results_dir)
        if study is None:
            continue
        accs = accuracies(study)
        sd = f" +- {statistics.stdev(accs):.2f}" if len(accs) > 1 else " (one seed)"
        if name in alone["seconds"]:
            seconds = f"{alone['seconds'][name]:.1f} (1 thread)"
        elif study["epochs"] == 1 and study["runs"][0].get("seconds"):
            seconds = f"{study['runs'][0]['seconds']:.0f} ({study.get('threads', '?')} threads)"
        else:
            seconds = ""
        known = all("test_acc_by_epoch" in run for run in study["runs"])
        reached = first_epoch_reaching(study) if known else None
        rows.append({"step": STEP_LABELS[name], "params": f"{study['params']:,}", "epochs": study["epochs"],
                     "seeds": len(accs), "test acc: mean +- SD": f"{statistics.mean(accs):.2f}{sd}",
                     "change against the previous step": change_against(previous, study, CHANGED.get(name, ())),
                     "payoff": payoff_text(name, results_dir), "s / epoch": seconds,
                     f"mean first >= {TARGET}%": f"epoch {reached}" if reached else
                     (f"never ({study['epochs']} epoch{'s' if study['epochs'] > 1 else ''})" if known else "")})
        previous = study
    return rows


def scorecard_markdown(results_dir=RESULTS_DIR):
    rows = scorecard_rows(results_dir)
    if not rows:
        return ""
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(str(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines)

