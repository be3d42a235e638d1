"""What the notebooks show: training curves, digits, mistakes, seed studies compared, and small text tables."""

import math
import statistics

import matplotlib.pyplot as plt
import torch

from .models import predict
from .stats import by_seed, compare, paired_comparison, unlike

TARGET = 99.4


def plot_history(history, title=None):
    """Loss and accuracy per epoch: "running" on the augmented batches as the weights move, test after each epoch."""
    epochs = [e["epoch"] for e in history["epochs"]]
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(11, 3.6))
    for split, style, label in (("train", "o-", "running (training batches)"), ("test", "s-", "test")):
        loss_ax.plot(epochs, [e[f"{split}_loss"] for e in history["epochs"]], style, label=label)
        acc_ax.plot(epochs, [e[f"{split}_acc"] for e in history["epochs"]], style, label=label)
    acc_ax.axhline(TARGET, color="red", linewidth=1, label=f"{TARGET}%")
    low = min(e["test_acc"] for e in history["epochs"][len(epochs) // 3:])
    acc_ax.set_ylim(max(0, min(low, 98.0) - 0.5), 100)
    loss_ax.set(xlabel="epoch", ylabel="loss", title="loss", yscale="log")
    acc_ax.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy (early epochs may lie below the axis)")
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_xticks(epochs)
    fig.suptitle(title or f"{history['model']} ({history['params']:,} parameters), seed {history['seed']}")
    fig.tight_layout()
    plt.show()


def plot_confusion(model, images, labels, title="confusion matrix"):
    """The 10x10 counts (row = true digit, column = predicted digit) as an image with its counts written in, and
    returned; an empty column is a class never predicted."""
    predicted = predict(model, images).argmax(dim=1)
    matrix = torch.bincount(labels.cpu() * 10 + predicted.cpu(), minlength=100).reshape(10, 10)
    fig, ax = plt.subplots(figsize=(5.6, 5))
    ax.imshow(matrix.numpy(), cmap="Blues")
    for true in range(10):
        for pred in range(10):
            count = matrix[true, pred].item()
            if count:
                color = "white" if count > matrix.max().item() / 2 else "black"
                ax.text(pred, true, str(count), ha="center", va="center", fontsize=7, color=color)
    ax.set(xticks=range(10), yticks=range(10), xlabel="predicted", ylabel="true", title=title)
    fig.tight_layout()
    plt.show()
    return matrix


def plot_seeds(study, target=99.4):
    """Every seed's final-epoch test accuracy as a dot, with min, mean and max, against the target line."""
    seeds = [run["seed"] for run in study["runs"]]
    accs = [run["final_test_acc"] for run in study["runs"]]
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot(seeds, accs, "o", markersize=8, label="final epoch, one seed each")
    for value, style, name in ((min(accs), ":", "min"), (sum(accs) / len(accs), "--", "mean"), (max(accs), ":", "max")):
        ax.axhline(value, linestyle=style, color="gray", linewidth=1)
        ax.text(seeds[-1] + 0.3, value, f"{name} {value:.2f}%", va="center", fontsize=8)
    ax.axhline(target, color="red", linewidth=1, label=f"target {target}%")
    ax.set(xlabel="seed", ylabel="test accuracy (%)", xticks=seeds, xlim=(seeds[0] - 0.5, seeds[-1] + 1.5),
           title=f"{study['model']}: {study['params']:,} parameters, {study['epochs']} epochs, {len(seeds)} seeds")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)  # below the axes: over no seed
    ax.grid(alpha=0.3)
    fig.tight_layout()
    plt.show()


def format_table(rows, columns=None):
    """A list of dicts as an aligned text table: text columns left, numbers right."""
    columns = columns or list(rows[0])
    cells = [[str(row[c]) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    numeric = [all(isinstance(row[c], (int, float)) or row[c] == "" for row in rows) for c in columns]

    def line(values):
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)).rstrip()

    return "\n".join([line(columns), *(line(r) for r in cells)])


def compare_studies(studies, against_first=False, changed=()):
    """{label: seed study} as a table: seeds, min, mean, SD, and the paired change against the row before (or the
    first row) with its 95% interval and verdict. Unlike studies (another split, training subset or length) are
    not paired, unless `changed` names how they differ on purpose (e.g. ("epochs",)): their row says why."""
    rows, labels = [], list(studies)
    for i, (label, study) in enumerate(studies.items()):
        accs = [run["final_test_acc"] for run in study["runs"]]
        row = {"step": label, "params": f"{study['params']:,}", "seeds": len(accs), "min": f"{min(accs):.2f}",
               "mean": f"{statistics.mean(accs):.2f}", "SD": f"{statistics.stdev(accs):.2f}" if len(accs) > 1 else "",
               "paired change": "", "95% interval": "", "verdict": ""}
        before = studies[labels[0] if against_first else labels[i - 1]]
        why = unlike(before, study, changed) if i else ""
        if why:
            row["verdict"] = f"not paired: {why}"
        elif i:
            result = compare(before, study, changed=changed)
            n = len(result["seeds"])
            row["paired change"] = f"{result['mean']:+.2f} ({n} seed{'s' if n > 1 else ''})"
            if not math.isnan(result["low"]):
                row["95% interval"] = f"{result['low']:+.2f} to {result['high']:+.2f}"
            row["verdict"] = result["verdict"]
        rows.append(row)
    return format_table(rows)


def plot_paired(studies, key="final_test_acc", ylabel="final test accuracy (%)"):
    """Left: each shared seed as a line from study to study. Right: per change, the per-seed differences (dots), their
    mean (bar) and its 95% t interval; one that crosses the dashed zero line means "no difference shown"."""
    labels = list(studies)
    values = [by_seed(study, key) for study in studies.values()]
    seeds = sorted(set.intersection(*(set(v) for v in values)))
    fig, (lines, diffs) = plt.subplots(1, 2, figsize=(11, 3.8))
    for seed in seeds:
        lines.plot(range(len(labels)), [v[seed] for v in values], "o-", alpha=0.7, label=f"seed {seed}")
    lines.set_xticks(range(len(labels)), labels, fontsize=8, rotation=15)
    lines.set(ylabel=ylabel, title="each seed, a line from run to run")
    if len(seeds) <= 10:  # beyond ten seeds the colours repeat and the legend would cover the lines
        lines.legend(fontsize=7)
    for x in range(1, len(labels)):
        result = paired_comparison(values[x - 1], values[x])
        diffs.plot([x] * len(result["differences"]), result["differences"], "o", color="C0", alpha=0.6)
        if not math.isnan(result["low"]):
            below, above = result["mean"] - result["low"], result["high"] - result["mean"]
            diffs.errorbar(x, result["mean"], yerr=[[below], [above]], color="black", capsize=6, linewidth=1.5)
        diffs.plot([x - 0.2, x + 0.2], [result["mean"]] * 2, color="black", linewidth=2)
    diffs.axhline(0, color="gray", linestyle="--", linewidth=1)
    diffs.set_xticks(range(1, len(labels)), [f"{labels[x - 1]}\n-> {labels[x]}" for x in range(1, len(labels))],
                     fontsize=8)
    diffs.set(xlim=(0.5, len(labels) - 0.5), ylabel="difference (points)",
              title="per-seed differences, mean and 95% interval")
    for ax in (lines, diffs):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    plt.show()


def last_epochs_line(study, count=3):
    """Each seed's lowest test accuracy over its last `count` epochs: the "consistently in the last epochs" view."""
    lows = {run["seed"]: min(run["test_acc_by_epoch"][-count:]) for run in study["runs"]}
    return (f"Lowest of the last {count} epochs, per seed: "
            + ", ".join(f"seed {seed} {low:.2f}%" for seed, low in lows.items()) + f" (min {min(lows.values()):.2f}%)")


