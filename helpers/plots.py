"""What the notebooks show: training curves, comparisons, digits, the confusion matrix, and small text tables."""

import statistics

import matplotlib.pyplot as plt
import torch

from .data import MEAN, STD
from .train import predict


def plot_history(history, title=None):
    """Loss and accuracy per epoch, train against test: the gap between the lines is the overfitting."""
    epochs = [e["epoch"] for e in history["epochs"]]
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(11, 3.8))
    for split, style in (("train", "o-"), ("test", "s-")):
        loss_ax.plot(epochs, [e[f"{split}_loss"] for e in history["epochs"]], style, label=split)
        acc_ax.plot(epochs, [e[f"{split}_acc"] for e in history["epochs"]], style, label=split)
    loss_ax.set(xlabel="epoch", ylabel="loss", title="loss")
    acc_ax.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)
        ax.legend()
        ax.set_xticks(epochs if len(epochs) <= 20 else epochs[:: len(epochs) // 10])
    fig.suptitle(title or f"{history['model']} ({history['params']:,} parameters)")
    fig.tight_layout()
    plt.show()


def compare_histories(histories, key="test_acc", ylim=None):
    """One curve per history (e.g. every step of the series) of one metric per epoch."""
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for history in histories:
        ax.plot([e["epoch"] for e in history["epochs"]], [e[key] for e in history["epochs"]], "o-", markersize=3,
                label=f"{history['model']} ({history['params']:,} params)")
    ax.set(xlabel="epoch", ylabel=key.replace("_", " ") + (" (%)" if key.endswith("acc") else ""), ylim=ylim)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    plt.show()


def show_misclassified(model, images, labels, count=24, columns=8):
    """The first `count` test images the model gets wrong, titled 'predicted (true)'; returns how many it missed."""
    log_probs = predict(model, images)
    predicted = log_probs.argmax(dim=1)
    wrong = (predicted != labels).nonzero().flatten()
    shown = wrong[:count].tolist()
    rows = max(1, -(-len(shown) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.4 * columns, 1.6 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, shown):
        ax.imshow((images[i, 0] * STD + MEAN).cpu().numpy(), cmap="gray_r")
        ax.set_title(f"{predicted[i].item()} ({labels[i].item()})", fontsize=10)
    fig.suptitle(f"{len(wrong)} of {len(labels):,} test images misclassified: predicted (true)", fontsize=11)
    fig.tight_layout()
    plt.show()
    return len(wrong)


def confusion_matrix(model, images, labels):
    """10x10 counts: row = true digit, column = predicted digit."""
    predicted = predict(model, images).argmax(dim=1)
    return torch.bincount(labels.cpu() * 10 + predicted.cpu(), minlength=100).reshape(10, 10)


def top_confusions(matrix, count=6):
    """The most frequent mistakes in a confusion matrix, as rows of (true digit, predicted digit, times)."""
    mistakes = matrix.clone()
    mistakes.fill_diagonal_(0)
    order = mistakes.flatten().argsort(descending=True, stable=True)[:count]
    return [{"true": i // 10, "predicted": i % 10, "times": mistakes.flatten()[i].item()}
            for i in order.tolist() if mistakes.flatten()[i] > 0]


def plot_confusion(matrix, title="confusion matrix"):
    """The matrix as an image with its counts written in; an empty column is a class never predicted."""
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
    ax.legend(fontsize=8, loc="lower left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    plt.show()


def plot_ablation(ablation, target=99.4, floor=98.0):
    """One line per ingredient taken away: every seed's final-epoch test accuracy as a dot, the mean as a bar.

    A run below `floor` (one that failed to train) is drawn at the left edge with its value written next to it.
    """
    rows = ablation["rows"]
    accs = [[run["final_test_acc"] for run in row["runs"]] for row in rows]
    low = max(floor, min(min(a) for a in accs) - 0.05)
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(rows) + 1.4))
    for y, values in enumerate(accs):
        for value in values:
            ax.plot(max(value, low), y, "o", color="C0" if value >= low else "C3", alpha=0.8)
            if value < low:
                ax.text(low, y + 0.22, f"{value:.1f}%", fontsize=7, color="C3")
        mean = sum(values) / len(values)
        if mean >= low:
            ax.plot([mean, mean], [y - 0.3, y + 0.3], color="black", linewidth=2)
    ax.axvline(target, color="red", linewidth=1, label=f"target {target}%")
    ax.set_yticks(range(len(rows)), [row["removed"] for row in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set(xlabel="final-epoch test accuracy (%); bar = mean over seeds", xlim=(low - 0.02, None),
           title=f"{ablation['model']}: the final recipe with one ingredient taken away, "
                 f"{len(ablation['seeds'])} seeds each")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3, axis="x")
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
    line = (f"{history['model']}: the {len(seconds)}-epoch schedule took {minutes(sum(seconds))} of training "
            f"on {history['device']} (torch {history.get('torch', '?')})")
    reached = [e["epoch"] for e in history["epochs"] if e["test_acc"] >= target]
    if reached:
        line += (f"; test accuracy first reached {target}% at epoch {reached[0]}, after "
                 f"{minutes(sum(seconds[: reached[0]]))}")
    return line + f"; final epoch {history['epochs'][-1]['test_acc']:.2f}%"

def minutes(seconds):
    return f"{seconds / 60:.1f} minutes ({seconds:.0f} s)"
