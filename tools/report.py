"""The README's results block, generated from results/ (never typed).

    python -m tools.report     # rewrites the block between the RESULTS markers in README.md
"""

import json
import statistics

from helpers.models import MODEL_NAMES
from helpers.plots import ablation_rows, final, seed_line, time_to_target
from helpers.train import accuracies, seed_summary
from helpers.runtime import REPO_ROOT, RESULTS_DIR

NOTEBOOKS = {
    "bad": "01_bad_network", "no_relu": "02_no_final_relu", "new_arch": "03_new_architecture",
    "batchnorm": "04_batch_norm", "dropout": "05_dropout", "gap": "06_gap",
}
START, END = "<!-- RESULTS:START (python -m tools.report) -->", "<!-- RESULTS:END -->"


def results_rows(results_dir=RESULTS_DIR):
    """One row per step saved in results_dir, in story order: the seed study (results/seeds/<model>.json) where there
    is one, else the single run; seconds per epoch from seed 1's full history (results/<model>.json)."""
    rows = []
    for step, name in enumerate(MODEL_NAMES, 1):
        path, study_path = results_dir / f"{name}.json", results_dir / "seeds" / f"{name}.json"
        if not path.exists():
            continue
        history = json.loads(path.read_text())
        study = json.loads(study_path.read_text()) if study_path.exists() else seed_summary([(None, history)])
        accs = accuracies(study)
        rows.append({"step": step, "notebook": NOTEBOOKS[name], "params": study["params"], "epochs": study["epochs"],
                     "seeds": len(accs), "min": min(accs), "mean": statistics.mean(accs), "max": max(accs),
                     "train": statistics.mean(run["final_train_acc"] for run in study["runs"]),
                     "s_per_epoch": final(history)["s_per_epoch"], "device": history["device"],
                     "threads": history.get("threads", ""), "torch": history.get("torch", "")})
    return rows


def effective_recipe(run):
    """Batch size and peak learning rate a validation run really used, and its other changes. Runs made before the
    record kept the whole recipe stored their changes to the baseline of the time: batch 128, peak 0.1."""
    recipe = run.get("recipe") or {"batch_size": 128, "max_lr": 0.1, **run["changes"]}
    others = {k: v for k, v in run["changes"].items() if k not in ("batch_size", "max_lr")}
    return recipe["batch_size"], recipe["max_lr"], json.dumps(others, sort_keys=True) if others else ""


def validation_rows(path=RESULTS_DIR / "validation.jsonl"):
    """The validation record grouped by what was tried: seeds, and the mean and minimum final validation accuracy."""
    groups = {}
    for line in path.read_text().splitlines():
        run = json.loads(line)
        groups.setdefault((run["note"], run["params"], *effective_recipe(run)), []).append(run)
    rows = []
    for (note, params, batch, lr, others), runs in groups.items():
        accs = [run["final_val_acc"] for run in runs]
        rows.append({"tried": note, "params": params, "batch": batch, "lr": lr, "changes": others,
                     "seeds": ", ".join(str(run["seed"]) for run in runs),
                     "mean": round(statistics.mean(accs), 2), "min": round(min(accs), 2)})
    return rows


def results_markdown(results_dir=RESULTS_DIR):
    """The six steps, the final seed study, the ablation, the validation record and the run times, as Markdown."""
    lines = ["| step | notebook | parameters | epochs | seeds | test accuracy, final epoch: min / mean / max "
             "| train accuracy (eval mode), mean | seconds / epoch (seed 1) | device |",
             "|---:|---|---:|---:|---:|---|---:|---:|---|"]
    for r in results_rows(results_dir):
        lines.append(f"| {r['step']} | [{r['notebook']}](notebooks/{r['notebook']}.ipynb) | {r['params']:,} "
                     f"| {r['epochs']} | {r['seeds']} | {r['min']:.2f}% / {r['mean']:.2f}% / {r['max']:.2f}% "
                     f"| {r['train']:.2f}% | {r['s_per_epoch']} | {r['device']}, {r['threads']} thread(s), "
                     f"torch {r['torch']} |")
    seeds = results_dir / "seeds.json"
    if seeds.exists():
        lines += ["", f"The final network, is it luck? {seed_line(json.loads(seeds.read_text()))}."]
    final_run = results_dir / f"{MODEL_NAMES[-1]}.json"
    if final_run.exists():
        lines += ["", f"Time, {time_to_target(json.loads(final_run.read_text()))}."]
    ablation = results_dir / "ablation.json"
    if ablation.exists():
        study = json.loads(ablation.read_text())
        seeds = ", ".join(map(str, study["seeds"]))
        lines += ["", f"What each ingredient buys ([07_ablation](notebooks/07_ablation.ipynb)): the final network and "
                      f"recipe with one ingredient taken away, final-epoch test accuracy, seeds {seeds}:",
                  "", "| taken away | parameters | per seed | min | mean | max |", "|---|---:|---|---:|---:|---:|"]
        lines += [f"| {r['taken away']} | {r['params']:,} | {r['per seed']} | {r['min']:.2f}% | {r['mean']:.2f}% "
                  f"| {r['max']:.2f}% |" for r in ablation_rows(study)]
    validation = results_dir / "validation.jsonl"
    if validation.exists():
        lines += ["", "<details><summary>How the networks and the recipe were chosen: every run on the validation "
                      "split (<code>results/validation.jsonl</code>), grouped</summary>", "",
                  "Trained on the first 50,000 training images, measured on the last 10,000; the test set played no "
                  "part. Batch and peak learning rate are those each run used; other changes are to the recipe of "
                  "the time. The runs named A to H (and A3, their step 3) explored an earlier, smaller family of "
                  "networks; the \"v2\" runs chose the recipe and the networks of this series.", "",
                  "| tried | parameters | batch | peak lr | other changes | seeds | mean | min |",
                  "|---|---:|---:|---:|---|---|---:|---:|"]
        lines += [f"| {r['tried'].replace('|', '&#124;')} | {r['params']:,} | {r['batch']} | {r['lr']:g} "
                  f"| {'`' + r['changes'] + '`' if r['changes'] else ''} | {r['seeds']} | {r['mean']:.2f}% "
                  f"| {r['min']:.2f}% |" for r in validation_rows(validation)]  # a | would split a cell
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
