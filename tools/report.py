"""The README's results block, generated from results/ (never typed).

    python -m tools.report     # rewrites the block between the RESULTS markers in README.md
"""

import json
import statistics

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

from helpers.plots import last_epochs_line  # noqa: E402
from helpers.runtime import REPO_ROOT, RESULTS_DIR  # noqa: E402
from helpers.stats import compare  # noqa: E402
from tools import validation  # noqa: E402
from tools.scorecard import MODEL_NAMES, TARGET, accuracies, scorecard_markdown, step_study  # noqa: E402

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
        lines += ["", "The scorecard: what each step costs and buys. The change column sets each step against the "
                      "previous one, the payoff column gives the controlled experiments of its notebook, both by the "
                      "series' one paired rule (95% t interval over the seeds both sides share; \"thin\" where a "
                      "verdict's interval ends within 0.05 points of zero); the capstone's change is against step 6, "
                      "both of its changes together. Seconds per epoch: steps 3 to 6 and the capstone measured alone "
                      "on one thread, each with its own recipe (`python -m tools.time_steps`), steps 1 and 2 from "
                      "their notebook's run on two threads. The last column is the first epoch after which the mean "
                      "over the seeds reached 99.4%.", "", card]
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


# The series figure's points, in story order: (label, study); "new_arch_plain" is step 3 trained as step 2 was.
SERIES = [("1 bad", "bad"), ("2 no ReLU on the logits", "no_relu"),
          ("3 new architecture, plain training", "new_arch_plain"), ("3 ... with the recipe", "new_arch"),
          ("4 BatchNorm", "batchnorm"), ("5 Dropout", "dropout"), ("6 GAP", "gap"), ("capstone", "final")]


def save_series_figure(results_dir=RESULTS_DIR, path=REPO_ROOT / "images" / "series.png"):
    """images/series.png, the picture the README and the book open with: every step's final-epoch test error against
    its parameters, both on log scales, seeds as small dots, the means joined in story order, the 99.4% line."""
    points = [(label, study) for label, name in SERIES if (study := step_study(name, results_dir))]
    if not points:
        return
    fig, ax = plt.subplots(figsize=(9, 5.2))
    means = []
    for k, (label, study) in enumerate(points):
        errors = [100 - acc for acc in accuracies(study)]
        ax.plot([study["params"]] * len(errors), errors, ".", color=f"C{k}", alpha=0.6, markersize=5)
        means.append((study["params"], statistics.mean(errors)))
        ax.plot(*means[-1], "o", color=f"C{k}", markersize=9,
                label=f"{label}: {study['params']:,} parameters, {study['epochs']} epoch(s), {len(errors)} seed(s), "
                      f"mean {100 - means[-1][1]:.2f}%")
    ax.plot(*zip(*means), color="gray", linewidth=1, zorder=0)
    ax.axhline(100 - TARGET, color="red", linewidth=1, linestyle="--")
    ax.annotate(f"{TARGET}% accuracy", (means[0][0], 100 - TARGET), xytext=(0, -12), textcoords="offset points",
                ha="right", fontsize=8, color="red")
    ax.set(xscale="log", yscale="log", xlabel="parameters (log scale)", ylabel="test error at the final epoch, % (log "
           "scale)", title="The series: test error against parameters, each step joined to the next (dots: seeds)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def seed_line(study):
    accs = accuracies(study)
    return (f"{study['model']}, {study['params']:,} parameters, {study['epochs']} epochs, {len(accs)} seeds "
            f"({', '.join(str(run['seed']) for run in study['runs'])}), final epoch: min {min(accs):.2f}%, "
            f"mean {statistics.mean(accs):.2f}%, max {max(accs):.2f}%")


def time_to_target(history, target=TARGET):
    """How long the run took on its device, and the first epoch whose test accuracy reached `target` (reported,
    never used to stop: the schedule always runs to its end, and the figure we quote is the last epoch)."""
    seconds = [e["seconds"] for e in history["epochs"]]
    line = (f"{history['model']}: the {len(seconds)}-epoch schedule took {minutes(sum(seconds))} of training "
            f"on {history['device']} ({history.get('threads', '?')} thread(s), torch {history.get('torch', '?')})")
    reached = [e["epoch"] for e in history["epochs"] if e["test_acc"] >= target]
    if reached:
        line += (f"; test accuracy first reached {target}% at epoch {reached[0]}, after "
                 f"{minutes(sum(seconds[: reached[0]]))}")
    return line + f"; final epoch {history['epochs'][-1]['test_acc']:.2f}%"


def minutes(seconds):
    return f"{seconds / 60:.1f} minutes ({seconds:.0f} s)"


def ablation_rows(ablation):
    """One row per ingredient taken away: every seed's final-epoch test accuracy, min, mean and max, and the paired
    change against the first row (the unchanged recipe) with its verdict."""
    rows, reference = [], ablation["rows"][0]
    for row in ablation["rows"]:
        accs = accuracies(row)
        entry = {"taken away": row["removed"], "params": f"{row['params']:,}",
                 "per seed": " ".join(f"{a:.2f}" for a in accs), "min": f"{min(accs):.2f}",
                 "mean": f"{statistics.mean(accs):.2f}", "max": f"{max(accs):.2f}", "paired change": ""}
        if row is not reference:
            result = compare(reference, row)
            entry["paired change"] = f"{result['mean']:+.2f}: {result['verdict']}"
        rows.append(entry)
    return rows


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
