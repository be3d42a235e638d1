"""Text tables, the step-by-step comparison, and the README's results table generated from results/.

    python -m helpers.report     # rewrites the block between the RESULTS markers in README.md
"""

import json
import statistics

from .models import MODEL_NAMES
from .runtime import REPO_ROOT, RESULTS_DIR

NOTEBOOKS = {
    "bad": "01_bad_network", "no_relu": "02_no_final_relu", "new_arch": "03_new_architecture",
    "batchnorm": "04_batch_norm", "dropout": "05_dropout", "gap": "06_gap",
}
START, END = "<!-- RESULTS:START (python -m helpers.report) -->", "<!-- RESULTS:END -->"


def format_table(rows, columns=None):
    """A list of dicts as an aligned text table: text columns left, numbers right."""
    columns = columns or list(rows[0])
    cells = [[str(row[c]) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    numeric = [all(isinstance(row[c], (int, float)) or row[c] == "" for row in rows) for c in columns]

    def line(values):
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)).rstrip()

    return "\n".join([line(columns), *(line(r) for r in cells)])


def final(history):
    """The figures of a run that the series quotes: always the last epoch."""
    last = history["epochs"][-1]
    return {"model": history["model"], "params": history["params"], "epochs": len(history["epochs"]),
            "train_acc": round(last["train_acc"], 2), "test_acc": round(last["test_acc"], 2),
            "s_per_epoch": round(statistics.mean(e["seconds"] for e in history["epochs"]), 1)}


def step_summary(history, previous=None):
    """The last epoch of this step next to the last epoch of the step before, as a small table."""
    rows = [final(previous)] if previous else []
    return format_table([*rows, final(history)])


def results_rows(results_dir=RESULTS_DIR):
    """One row per step saved in results_dir, in story order."""
    rows = []
    for step, name in enumerate(MODEL_NAMES, 1):
        path = results_dir / f"{name}.json"
        if path.exists():
            history = json.loads(path.read_text())
            rows.append({"step": step, "notebook": NOTEBOOKS[name], **final(history),
                         "device": history["device"], "torch": history.get("torch", "")})
    return rows


def seed_line(study):
    accs = [run["final_test_acc"] for run in study["runs"]]
    return (f"{study['model']}, {study['params']:,} parameters, {study['epochs']} epochs, {len(accs)} seeds "
            f"({', '.join(str(run['seed']) for run in study['runs'])}), final epoch: min {min(accs):.2f}%, "
            f"mean {statistics.mean(accs):.2f}%, max {max(accs):.2f}%")


def ablation_rows(ablation):
    """One row per ingredient taken away: final-epoch test accuracy of every seed, then min, mean and max."""
    rows = []
    for row in ablation["rows"]:
        accs = [run["final_test_acc"] for run in row["runs"]]
        rows.append({"taken away": row["removed"], "params": row["params"],
                     "per seed": " ".join(f"{a:.2f}" for a in accs), "min": round(min(accs), 2),
                     "mean": round(statistics.mean(accs), 2), "max": round(max(accs), 2)})
    return rows


def time_to_target(history, target=99.4):
    """How long the run took on its device, and the first epoch whose test accuracy reached `target` (reported,
    never used to stop: the schedule always runs to its end, and the figure we quote is the last epoch)."""
    seconds = [e["seconds"] for e in history["epochs"]]
    line = (f"{history['model']}: the {len(seconds)}-epoch schedule took {_minutes(sum(seconds))} of training "
            f"on {history['device']} (torch {history.get('torch', '?')})")
    reached = [e["epoch"] for e in history["epochs"] if e["test_acc"] >= target]
    if reached:
        line += (f"; test accuracy first reached {target}% at epoch {reached[0]}, after "
                 f"{_minutes(sum(seconds[: reached[0]]))}")
    return line + f"; final epoch {history['epochs'][-1]['test_acc']:.2f}%"


def validation_rows(path=RESULTS_DIR / "validation.jsonl"):
    """The validation record grouped by what was tried: seeds, and the mean and minimum final validation accuracy."""
    groups = {}
    for line in path.read_text().splitlines():
        run = json.loads(line)
        what = run.get("architecture") or run.get("model_changes") or {}
        key = (run["note"], json.dumps(run["changes"], sort_keys=True), json.dumps(what, sort_keys=True))
        groups.setdefault(key, []).append(run)
    rows = []
    for (note, changes, _), runs in groups.items():
        accs = [run["final_val_acc"] for run in runs]
        rows.append({"tried": note, "params": runs[0]["params"], "changes": changes,
                     "seeds": ", ".join(str(run["seed"]) for run in runs),
                     "mean": round(statistics.mean(accs), 2), "min": round(min(accs), 2)})
    return rows


def _minutes(seconds):
    return f"{seconds / 60:.1f} minutes ({seconds:.0f} s)"


def results_markdown(results_dir=RESULTS_DIR):
    """The six steps, and the seed study if saved, as Markdown for the README."""
    lines = ["| step | notebook | parameters | test accuracy (final epoch) | train accuracy | epochs "
             "| seconds / epoch | device, torch |", "|---:|---|---:|---:|---:|---:|---:|---|"]
    for r in results_rows(results_dir):
        lines.append(f"| {r['step']} | [{r['notebook']}](notebooks/{r['notebook']}.ipynb) | {r['params']:,} "
                     f"| {r['test_acc']:.2f}% | {r['train_acc']:.2f}% | {r['epochs']} | {r['s_per_epoch']} "
                     f"| {r['device']}, torch {r['torch']} |")
    seeds = results_dir / "seeds.json"
    if seeds.exists():
        lines += ["", f"Is it luck? {seed_line(json.loads(seeds.read_text()))}."]
    final_run = results_dir / f"{MODEL_NAMES[-1]}.json"
    if final_run.exists():
        lines += ["", f"Time, {time_to_target(json.loads(final_run.read_text()))}."]
    ablation = results_dir / "ablation.json"
    if ablation.exists():
        study = json.loads(ablation.read_text())
        seeds = ", ".join(map(str, study["seeds"]))
        lines += ["", f"What each ingredient buys ([07_ablation](notebooks/07_ablation.ipynb)): the final recipe with "
                      f"one ingredient taken away, final-epoch test accuracy, seeds {seeds}:",
                  "", "| taken away | parameters | per seed | min | mean | max |", "|---|---:|---|---:|---:|---:|"]
        lines += [f"| {r['taken away']} | {r['params']:,} | {r['per seed']} | {r['min']:.2f}% | {r['mean']:.2f}% "
                  f"| {r['max']:.2f}% |" for r in ablation_rows(study)]
    validation = results_dir / "validation.jsonl"
    if validation.exists():
        lines += ["", "<details><summary>How the final model and recipe were chosen: every run on the validation "
                      "split (<code>results/validation.jsonl</code>), grouped</summary>", "",
                  "Trained on the first 50,000 training images, measured on the last 10,000; the test set played no "
                  "part. Recipe changes are against the recipe in force when the run was made (each record's "
                  "`baseline` field: batch 128 and max_lr 0.1 throughout); \"final\" is model A with batch 64 "
                  "and max_lr 0.2.", "",
                  "| tried | parameters | recipe changes | seeds | mean | min |", "|---|---:|---|---|---:|---:|"]
        lines += [f"| {r['tried'].replace('|', '&#124;')} | {r['params']:,} | `{r['changes']}` | {r['seeds']} "
                  f"| {r['mean']:.2f}% | {r['min']:.2f}% |" for r in validation_rows(validation)]  # a | splits a cell
        lines += ["", "</details>"]
    times = results_dir / "run_times.json"
    if times.exists():
        run = json.loads(times.read_text())
        each = ", ".join(f"{stem[:2]}: {seconds / 60:.1f}" for stem, seconds in sorted(run["seconds"].items()))
        lines += ["", f"The whole series ran in {sum(run['seconds'].values()) / 60:.0f} minutes ({each} minutes) "
                      f"on {run['device']}, torch {run['torch']}, by `python -m helpers.run_notebooks`."]
    return "\n".join(lines)


def update_readme(readme=REPO_ROOT / "README.md"):
    text = readme.read_text()
    if START not in text or END not in text:
        raise ValueError(f"{readme} has no {START} ... {END} block to fill.")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{results_markdown()}\n{END}{tail}")
    print(f"Results table written into {readme.name}.")


if __name__ == "__main__":
    update_readme()
