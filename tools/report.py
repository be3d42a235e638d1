"""Text tables, the step-by-step comparison, and the README's results table generated from results/.

    python -m tools.report     # rewrites the block between the RESULTS markers in README.md
"""

import json
import statistics

from helpers.models import MODEL_NAMES
from helpers.plots import ablation_rows, final, seed_line, time_to_target
from helpers.runtime import REPO_ROOT, RESULTS_DIR

NOTEBOOKS = {
    "bad": "01_bad_network", "no_relu": "02_no_final_relu", "new_arch": "03_new_architecture",
    "batchnorm": "04_batch_norm", "dropout": "05_dropout", "gap": "06_gap",
}
START, END = "<!-- RESULTS:START (python -m tools.report) -->", "<!-- RESULTS:END -->"








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
                      f"on {run['device']}, torch {run['torch']}, by `python -m tools.run_notebooks`."]
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
