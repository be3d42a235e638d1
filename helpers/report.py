"""Text tables, and the README's results table generated from the saved runs in results/.

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


def results_markdown(results_dir=RESULTS_DIR):
    """The six steps (and the seed study, if saved) as Markdown, from results/<model>.json and results/seeds.json."""
    lines = ["| step | notebook | parameters | test accuracy, final epoch | epochs | seconds / epoch | device, torch |",
             "|---|---|---:|---:|---:|---:|---|"]
    for step, name in enumerate(MODEL_NAMES, 1):
        path = results_dir / f"{name}.json"
        if not path.exists():
            lines.append(f"| {step} | [{NOTEBOOKS[name]}](notebooks/{NOTEBOOKS[name]}.ipynb) | | not run yet | | | |")
            continue
        history = json.loads(path.read_text())
        epochs = history["epochs"]
        seconds = statistics.mean(e["seconds"] for e in epochs)
        lines.append(f"| {step} | [{NOTEBOOKS[name]}](notebooks/{NOTEBOOKS[name]}.ipynb) | {history['params']:,} "
                     f"| {epochs[-1]['test_acc']:.2f}% | {len(epochs)} | {seconds:.1f} "
                     f"| {history['device']}, torch {history.get('torch', '?')} |")
    seeds = results_dir / "seeds.json"
    if seeds.exists():
        study = json.loads(seeds.read_text())
        accs = [run["final_test_acc"] for run in study["runs"]]
        lines += ["", f"Seed study ({study['model']}, {study['params']:,} parameters, {study['epochs']} epochs, "
                      f"{len(accs)} seeds, final epoch): min {min(accs):.2f}%, mean {statistics.mean(accs):.2f}%, "
                      f"max {max(accs):.2f}%."]
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
