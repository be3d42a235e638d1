"""The README's results block, generated from results/ (never typed).

    python -m tools.report     # rewrites the block between the RESULTS markers in README.md
"""

import json
import statistics

import matplotlib

matplotlib.use("Agg")

from helpers import validation  # noqa: E402  (after the backend is chosen)
from helpers.models import MODEL_NAMES  # noqa: E402
from helpers.plots import ablation_rows, last_epochs_line, plot_steps, seed_line, time_to_target  # noqa: E402
from helpers.runtime import REPO_ROOT, RESULTS_DIR  # noqa: E402
from helpers.scorecard import STEP_LABELS, scorecard_markdown, step_study  # noqa: E402
from helpers.train import accuracies  # noqa: E402

NOTEBOOKS = {
    "bad": "01_bad_network", "no_relu": "02_no_final_relu", "new_arch": "03_new_architecture",
    "batchnorm": "04_batch_norm", "dropout": "05_dropout", "gap": "06_gap", "final": "07_capstone",
}
STEPS = [(step, name) for step, name in enumerate(MODEL_NAMES, 1)] + [("capstone", "final")]
START, END = "<!-- RESULTS:START (python -m tools.report) -->", "<!-- RESULTS:END -->"


def results_rows(results_dir=RESULTS_DIR):
    """One row per step saved in results_dir, in story order, then the capstone: the seed study
    (results/seeds/<model>.json) where there is one, else the single run (results/<model>.json)."""
    rows = []
    for step, name in STEPS:
        study = step_study(name, results_dir)
        if study is None:
            continue
        accs = accuracies(study)
        rows.append({"step": step, "notebook": NOTEBOOKS[name], "params": study["params"], "epochs": study["epochs"],
                     "seeds": len(accs), "min": min(accs), "mean": statistics.mean(accs), "max": max(accs),
                     "train": statistics.mean(run["final_train_acc"] for run in study["runs"])})
    return rows


def luck_lines(title, study):
    """The "is it luck?" lines of a seed study: every seed at the final epoch, then each seed's last three epochs."""
    lines = ["", f"{title}, is it luck? {seed_line(study)}."]
    if all("test_acc_by_epoch" in run for run in study["runs"]):
        lines += ["", f"{last_epochs_line(study)}."]
    return lines


def results_markdown(results_dir=RESULTS_DIR):
    """The capstone's headline, the steps and the capstone, the end of the six steps, the scorecard, the ablation,
    the validation summary and the run times."""
    lines = []
    capstone = step_study("final", results_dir)
    if capstone and (results_dir / "seeds" / "final.json").exists():
        lines += luck_lines("The capstone ([07_capstone](notebooks/07_capstone.ipynb))", capstone)[1:] + [""]
    lines += ["| step | notebook | parameters | epochs | seeds | test accuracy, final epoch: min / mean / max "
              "| train accuracy (eval mode), mean |",
              "|---:|---|---:|---:|---:|---|---:|"]
    for r in results_rows(results_dir):
        lines.append(f"| {r['step']} | [{r['notebook']}](notebooks/{r['notebook']}.ipynb) | {r['params']:,} "
                     f"| {r['epochs']} | {r['seeds']} | {r['min']:.2f}% / {r['mean']:.2f}% / {r['max']:.2f}% "
                     f"| {r['train']:.2f}% |")
    seeds = results_dir / "seeds.json"
    if seeds.exists():
        lines += luck_lines("The end of the six steps", json.loads(seeds.read_text()))
    final_run = results_dir / f"{MODEL_NAMES[-1]}.json"
    if final_run.exists():
        history = json.loads(final_run.read_text())
        sharing = history.get("side_by_side", 1)
        lines += ["", f"Time, {time_to_target(history)}" + (f" (while {sharing} runs shared the CPU cores)."
                                                          if sharing > 1 else ".")]
    card = scorecard_markdown(results_dir)
    if card:
        lines += ["", "The scorecard (notebooks 6 and 7): what each step costs and buys. The change and payoff columns "
                      "use the series' one paired rule (95% t interval over the seeds both sides share); the "
                      "capstone's change is against step 6, both of its changes together. Seconds per epoch: steps 3 "
                      "to 6 and the capstone measured alone on one thread, each with its own recipe (`python -m "
                      "tools.time_steps`), steps 1 and 2 from their notebook's run on two threads. The last column is "
                      "the first epoch after which the mean over the seeds reached 99.4%.", "", card]
    ablation = results_dir / "ablation.json"
    if ablation.exists():
        study = json.loads(ablation.read_text())
        seeds = ", ".join(map(str, study["seeds"]))
        lines += ["", f"What each ingredient buys ([08_ablation](notebooks/08_ablation.ipynb)): the capstone's network "
                      f"and recipe with one ingredient taken away, final-epoch test accuracy, seeds {seeds}:",
                  "", "| taken away | parameters | per seed | min | mean | max | paired change against the recipe |",
                  "|---|---:|---|---:|---:|---:|---|"]
        lines += [f"| {r['taken away']} | {r['params']} | {r['per seed']} | {r['min']}% | {r['mean']}% "
                  f"| {r['max']}% | {r['paired change']} |" for r in ablation_rows(study)]
    if validation.RECORD.exists():
        record = validation.load_record()
        verdicts = [row["verdict"].split(" (")[0] for row in validation.judged_choices(record)]
        counts = ", ".join(f"{verdicts.count(v)} {v}" for v in dict.fromkeys(verdicts))
        lines += ["", f"How the settings were chosen: {len(record)} runs on a validation split "
                      f"(`results/validation.jsonl`); of the {len(verdicts)} choices they were made for, judged by the "
                      f"paired rule: {counts} ([09_validation_record](notebooks/09_validation_record.ipynb))."]
    times = results_dir / "run_times.json"
    if times.exists():
        run = json.loads(times.read_text())
        stems = sorted(p.stem for p in (REPO_ROOT / "notebooks").glob("*.ipynb"))
        seconds = {stem: run["seconds"][stem] for stem in stems if stem in run["seconds"]}  # renamed ones left out
        each = ", ".join(f"{stem[:2]}: {value / 60:.1f}" for stem, value in seconds.items())
        untimed = [stem for stem in stems if stem not in seconds]
        lines += ["", ("The notebooks timed so far ran in" if untimed else "The whole series ran in")
                  + f" {sum(seconds.values()) / 60:.0f} minutes ({each} minutes) "
                      f"on {run['device']}, torch {run['torch']}, by `python -m tools.run_notebooks`"
                      + (f"; not timed yet: {', '.join(untimed)}." if untimed else ".")]
    return "\n".join(lines)


def save_series_figure(results_dir=RESULTS_DIR, path=REPO_ROOT / "images" / "series.png"):
    """images/series.png: every step's and the capstone's final test accuracy per seed, the picture the README and the
    book open with."""
    rows = [{"label": STEP_LABELS[name], "accs": accuracies(study)} for _, name in STEPS
            if (study := step_study(name, results_dir))]
    if rows:
        plot_steps(rows, save=path)


def update_readme(readme=REPO_ROOT / "README.md"):
    text = readme.read_text()
    if START not in text or END not in text:
        raise ValueError(f"{readme} has no {START} ... {END} block to fill.")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{results_markdown()}\n{END}{tail}")
    save_series_figure()
    print(f"Results written into {readme.name}, and the series figure into images/series.png.")


if __name__ == "__main__":
    update_readme()
