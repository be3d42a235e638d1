"""The README's results block and the maintainers' scorecard, generated from results/ (never typed).

    python -m tools.report     # rewrites the RESULTS block of README.md and the SCORECARD block of docs/maintaining.md
"""

import json
import statistics

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

from helpers.runtime import REPO_ROOT, RESULTS_DIR  # noqa: E402
from tools.scorecard import TARGET, accuracies, scorecard_markdown, step_study  # noqa: E402

# The table's rows, in story order: (step, saved study, notebook). Step 3 trains plainly in its notebook; 03b, an
# interlude, trains the same network with the recipe that steps 4 to 6 and the capstone share.
STEPS = [("1", "bad", "01_bad_network"), ("2", "no_relu", "02_no_final_relu"),
         ("3", "new_arch_plain", "03_new_architecture"), ("3b", "new_arch", "03b_training_recipe"),
         ("4", "batchnorm", "04_batch_norm"), ("5", "dropout", "05_dropout"), ("6", "gap", "06_gap"),
         ("capstone", "final", "07_capstone")]
START, END = "<!-- RESULTS:START (python -m tools.report) -->", "<!-- RESULTS:END -->"
CARD_START, CARD_END = "<!-- SCORECARD:START (python -m tools.report) -->", "<!-- SCORECARD:END -->"


def results_rows(results_dir=RESULTS_DIR):
    """One row per step saved in results_dir, in story order, then the capstone: the seed study
    (results/seeds/<model>.json) where there is one, else the single run (results/<model>.json)."""
    rows = []
    for step, name, notebook in STEPS:
        study = step_study(name, results_dir)
        if study is None:
            continue
        accs = accuracies(study)
        rows.append({"step": step, "notebook": notebook, "params": study["params"], "epochs": study["epochs"],
                     "seeds": len(accs), "min": min(accs), "mean": statistics.mean(accs), "max": max(accs),
                     "train": statistics.mean(run["final_train_acc"] for run in study["runs"])})
    return rows


def results_markdown(results_dir=RESULTS_DIR):
    """The README's block: the capstone's seeds in one line, the table of steps and the run times. The scorecard is
    the maintainers' (scorecard_block); each seed's last epochs are notebook 7's; the validation record is the
    appendix's."""
    lines = []
    capstone = step_study("final", results_dir)
    if capstone and (results_dir / "seeds" / "final.json").exists():
        lines += [f"The capstone ([07_capstone](notebooks/07_capstone.ipynb)): {seed_line(capstone)}.", ""]
    lines += ["| step | notebook | parameters | epochs | seeds | test accuracy, final epoch: min / mean / max "
              "| train accuracy (eval mode), mean |",
              "|---:|---|---:|---:|---:|---|---:|"]
    for r in results_rows(results_dir):
        lines.append(f"| {r['step']} | [{r['notebook']}](notebooks/{r['notebook']}.ipynb) | {r['params']:,} "
                     f"| {r['epochs']} | {r['seeds']} | {r['min']:.2f}% / {r['mean']:.2f}% / {r['max']:.2f}% "
                     f"| {r['train']:.2f}% |")
    times = results_dir / "run_times.json"
    if times.exists():
        run = json.loads(times.read_text())
        stems = sorted(p.stem for p in (REPO_ROOT / "notebooks").glob("*.ipynb"))
        seconds = {stem: run["seconds"][stem] for stem in stems if stem in run["seconds"]}  # renamed ones left out
        each = ", ".join(f"{stem.split('_')[0]}: {value / 60:.1f}" for stem, value in seconds.items())
        untimed = [stem for stem in stems if stem not in seconds]
        lines += ["", ("The notebooks timed so far ran in" if untimed else "The whole series ran in")
                  + f" {sum(seconds.values()) / 60:.0f} minutes ({each} minutes) "
                      f"on {run['device']}, torch {run['torch']}, by `python -m tools.run_notebooks`"
                      + (f"; not timed yet: {', '.join(untimed)}." if untimed else ".")]
    if capstone and all(run.get("seconds") for run in capstone["runs"]):  # notebook 7 reads its runs as saved
        minutes = sum(run["seconds"] for run in capstone["runs"]) / 2 / 60
        lines += ["", f"Notebook 7 reads its {len(capstone['runs'])} runs as saved: they trained in {minutes:.0f} "
                      "minutes, two at a time (`python -m tools.train_capstone`)."]
    return "\n".join(lines)


def scorecard_block(results_dir=RESULTS_DIR):
    """docs/maintaining.md's block: what each step costs and buys, by the paired rule."""
    card = scorecard_markdown(results_dir)
    if not card:
        return ""
    seconds = json.loads((results_dir / "epoch_seconds.json").read_text()) if (
        results_dir / "epoch_seconds.json").exists() else {}
    return "\n".join([
        "The change column sets each step against the previous one, the payoff column gives the controlled experiments "
        "of its notebook, both by the series' one paired rule (95% t interval over the seeds both sides share; "
        "\"thin\" where a verdict's interval ends within 0.05 points of zero); the capstone's change is against step "
        "6, both of its changes together. Seconds per epoch: steps 3 to 6 and the capstone measured alone on one "
        "thread, each with its own recipe (`python -m tools.time_steps`; "
        + (f"{seconds['note']}" if "note" in seconds else "where they were measured is not recorded")
        + "), steps 1 and 2 from their notebook's run on two threads; compare them as ratios. The last column is the "
        "first epoch after which the mean over the seeds reached 99.4%.", "", card])


# The series figure's points, in story order: (label, study); "new_arch_plain" is step 3 trained as step 2 was.
SERIES = [("1 bad", "bad"), ("2 no ReLU on the logits", "no_relu"),
          ("3 new architecture, plain training", "new_arch_plain"), ("3 ... with the recipe", "new_arch"),
          ("4 BatchNorm", "batchnorm"), ("5 Dropout", "dropout"), ("6 GAP", "gap"), ("capstone", "final")]


def save_series_figure(results_dir=RESULTS_DIR, path=REPO_ROOT / "images" / "series.png"):
    """images/series.png, the picture the README and the book open with. Left: every step's final-epoch test error
    against its parameters, both on log scales, seeds as small dots, the means joined in story order, the 99.4% line.
    Right: the steps that end above 99% (their dots overlap on the left), each seed's accuracy on a linear scale."""
    points = [(label, study) for label, name in SERIES if (study := step_study(name, results_dir))]
    if not points:
        return
    fig, (ax, zoom) = plt.subplots(1, 2, figsize=(14, 5.2), gridspec_kw={"width_ratios": [1.35, 1]})
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
    close = [(k, label, study) for k, (label, study) in enumerate(points) if statistics.mean(accuracies(study)) > 99]
    for x, (k, _, study) in enumerate(close):
        accs = accuracies(study)
        zoom.plot([x] * len(accs), accs, "o", color=f"C{k}", alpha=0.5, markersize=5)
        zoom.plot([x - 0.25, x + 0.25], [statistics.mean(accs)] * 2, color=f"C{k}", linewidth=3)
    zoom.axhline(TARGET, color="red", linewidth=1, linestyle="--")
    zoom.set_xticks(range(len(close)), [label.replace(" ... with the", ", with the\n") + f"\n{study['params']:,} params"
                                        for _, label, study in close], fontsize=8)
    zoom.set(ylabel="test accuracy at the final epoch (%)",
             title="The steps above 99%, zoomed: each seed (dots), the mean (bar)")
    zoom.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def seed_line(study, target=TARGET):
    accs = accuracies(study)
    return (f"{study['model']}, {study['params']:,} parameters, {study['epochs']} epochs, {len(accs)} seeds, final "
            f"epoch: {sum(acc >= target for acc in accs)} of {len(accs)} at or above {target}%, min {min(accs):.2f}%, "
            f"mean {statistics.mean(accs):.2f}%, max {max(accs):.2f}%")


def fill(path, start, end, content):
    """Replace what lies between the `start` and `end` markers of the file at `path`."""
    text = path.read_text()
    if start not in text or end not in text:
        raise ValueError(f"{path} has no {start} ... {end} block to fill.")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{start}\n{content}\n{end}{tail}")


def update_readme(readme=REPO_ROOT / "README.md", maintaining=REPO_ROOT / "docs" / "maintaining.md"):
    fill(readme, START, END, results_markdown())
    fill(maintaining, CARD_START, CARD_END, scorecard_block())
    save_series_figure()
    print(f"Results written into {readme.name} and {maintaining.name}, and the series figure into images/series.png.")


if __name__ == "__main__":
    update_readme()
