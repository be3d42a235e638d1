"""What the notebooks show: training curves, digits, schedules, seed studies, and small text tables."""

import math
import statistics

import matplotlib.pyplot as plt
import torch
from IPython.display import Image, display

from .data import MEAN, STD, augment
from .runtime import REPO_ROOT
from .stats import by_seed, compare, paired_comparison
from .train import accuracies, noise_yardstick, predict

TARGET = 99.4


def show_figure(filename):
    """A figure from images/, shown as a cell output: it then renders on GitHub, in Colab and locally alike."""
    display(Image(filename=str(REPO_ROOT / "images" / filename)))


def plot_history(history, title=None):
    """Loss and accuracy per epoch. "running" is measured on the augmented batches while the weights move; the
    test line is measured after each epoch, in eval mode; the red line is the series' 99.4% target."""
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


def show_digits(images, labels, count=12, options=None, seed=0):
    """The first `count` digits with their labels, and below them the same digits as one epoch's augmentation
    (per-image rotation and shift, `options` as in RECIPE["augment"]) might serve them."""
    digits = images[:count]
    moved = augment(digits, **(options or {}), generator=torch.Generator().manual_seed(seed))
    fig, axes = plt.subplots(2, count, figsize=(1.05 * count, 2.6))
    for k in range(count):
        for row, batch in enumerate((digits, moved)):
            axes[row, k].imshow((batch[k, 0] * STD + MEAN).cpu().numpy(), cmap="gray_r", vmin=0, vmax=1)
            axes[row, k].set_xticks([])
            axes[row, k].set_yticks([])
        axes[0, k].set_title(str(labels[k].item()), fontsize=10)
    axes[0, 0].set_ylabel("as stored", fontsize=8)
    axes[1, 0].set_ylabel("augmented", fontsize=8)
    fig.tight_layout()
    plt.show()


def plot_schedule(trace):
    """The learning rate and the momentum at every step of the recipe, against the epoch."""
    x = [step / trace["steps_per_epoch"] for step in range(len(trace["lr"]))]
    fig, (lr_ax, m_ax) = plt.subplots(1, 2, figsize=(11, 3.2))
    lr_ax.plot(x, trace["lr"])
    m_ax.plot(x, trace["momentum"], color="C1")
    lr_ax.set(xlabel="epoch", ylabel="learning rate", title=f"learning rate (peak {max(trace['lr']):.2f})")
    m_ax.set(xlabel="epoch", ylabel="momentum", title="momentum (moves against the learning rate)")
    for ax in (lr_ax, m_ax):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    plt.show()


def plot_sweep(records):
    """Loss against learning rate, one line per run, for each network of a sweep; a cross marks each collapse."""
    fig, ax = plt.subplots(figsize=(8, 3.8))
    for color, (name, runs) in zip(("C3", "C0", "C2"), records.items()):
        for k, run in enumerate(runs):
            ax.plot(run["lr"], [min(v, 5.0) if not math.isnan(v) else 5.0 for v in run["loss"]], color=color,
                    alpha=0.6, linewidth=1, label=name if k == 0 else None)
            if run["collapse_lr"]:
                ax.plot(run["collapse_lr"], math.log(10), "x", color=color, markersize=10, markeredgewidth=2)
    ax.axhline(math.log(10), color="gray", linestyle=":", linewidth=1)
    ax.text(next(iter(records.values()))[0]["lr"][0], math.log(10) + 0.1, "chance: ln 10", fontsize=8, color="gray")
    ax.set(xscale="log", xlabel="learning rate (grows every step)", ylabel="training loss (capped at 5)",
           title="learning-rate sweep: x = the step at which a run collapsed")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    plt.show()


def plot_steps(rows, save=None):
    """Every step's final test accuracy, one dot per seed: the whole range on the left, the top on the right.

    With `save` (a path) the figure is written there instead of shown: the README's picture of the series."""
    fig, (full, top) = plt.subplots(1, 2, figsize=(11, 3.6))
    for x, row in enumerate(rows):
        for ax in (full, top):
            ax.plot([x] * len(row["accs"]), row["accs"], "o", color="C0", alpha=0.7)
            ax.plot([x - 0.25, x + 0.25], [statistics.mean(row["accs"])] * 2, color="black")
    for ax, (low, high) in ((full, (0, 100)), (top, (98.0, 99.8))):
        ax.axhline(TARGET, color="red", linewidth=1)
        ax.set_xticks(range(len(rows)), [row["label"] for row in rows], fontsize=8, rotation=20)
        ax.set(ylim=(low, high), ylabel="final test accuracy (%)")
        ax.grid(alpha=0.3)
    full.set_title("every step (dots: seeds, bar: mean)")
    top.set_title(f"the top of the scale (red: {TARGET}%; lower points are off it)")
    fig.tight_layout()
    if save:
        fig.savefig(save, dpi=110)
        plt.close(fig)
    else:
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


def recipe_table(recipe):
    """The training recipe as a reader wants it: one setting per line, in words."""
    rows = [("epochs", recipe["epochs"]), ("batch size", recipe["batch_size"]),
            ("optimizer", f"SGD, {'Nesterov ' if recipe['nesterov'] else ''}momentum, weight decay "
                          f"{recipe['weight_decay']:g}"),
            ("schedule", {"one_cycle": f"one-cycle: learning rate {recipe['max_lr'] / 25:g} -> {recipe['max_lr']:g} "
                                       "(first 30% of the steps) -> near 0; momentum 0.95 -> 0.85 -> 0.95",
                          "step": f"{recipe['max_lr']:g}, divided by 10 at 1/2 and at 3/4 of the steps; momentum "
                                  f"{recipe['momentum']:g}",
                          "constant": f"learning rate {recipe['max_lr']:g} throughout; momentum "
                                      f"{recipe['momentum']:g}"}[recipe["schedule"]]),
            ("augmentation", "none" if not recipe["augment"] else
             f"each image rotated by up to {recipe['augment']['degrees']:g} degrees and shifted by up to "
             f"{recipe['augment']['shift']:g} pixel, drawn afresh every time it is seen"),
            ("gradient clipping", "none" if not recipe["clip_grad_norm"] else
             f"a step's gradient longer than {recipe['clip_grad_norm']:g} is scaled down to that length")]
    return format_table([{"setting": k, "value": v} for k, v in rows])


def final(history):
    """The figures of a run that the series quotes: always the last epoch."""
    last = history["epochs"][-1]
    return {"model": history["model"], "params": history["params"], "epochs": len(history["epochs"]),
            "train_acc": round(history.get("train_eval_acc", last["train_acc"]), 2),
            "test_acc": round(last["test_acc"], 2),
            "s_per_epoch": round(statistics.mean(e["seconds"] for e in history["epochs"]), 1)}


def yardstick_line(study):
    noise = noise_yardstick(study)
    return (f"At {statistics.mean(accuracies(study)):.2f}% on 10,000 test images, the binomial standard error of one "
            f"accuracy is {noise['binomial_se']:.2f} points: how far this test set's figure may lie from the accuracy "
            f"on new digits. The seeds spread by {noise['seed_sd']:.2f} points (standard deviation).")


def compare_studies(studies, against_first=False):
    """{label: seed study} in story order as a table: seeds, min, mean and seed SD, then the paired change against the
    row before (or the first row) on the seeds both share, its 95% interval and the verdict (helpers.stats)."""
    rows, labels = [], list(studies)
    for i, (label, study) in enumerate(studies.items()):
        accs = accuracies(study)
        row = {"step": label, "params": f"{study['params']:,}", "seeds": len(accs), "min": f"{min(accs):.2f}",
               "mean": f"{statistics.mean(accs):.2f}",
               "SD": f"{statistics.stdev(accs):.2f}" if len(accs) > 1 else "", "paired change": "",
               "95% interval": "", "verdict": ""}
        if i:
            result = compare(studies[labels[0] if against_first else labels[i - 1]], study)
            n = len(result["seeds"])
            row["paired change"] = f"{result['mean']:+.2f} ({n} seed{'s' if n > 1 else ''})"
            if not math.isnan(result["low"]):
                row["95% interval"] = f"{result['low']:+.2f} to {result['high']:+.2f}"
            row["verdict"] = result["verdict"].split(" (")[0]
        rows.append(row)
    return format_table(rows)


def plot_paired(studies, key="final_test_acc", ylabel="final test accuracy (%)"):
    """The paired comparison as a picture. Left: one line per seed from each study to the next (seeds that all
    studies share). Right: for each step, the per-seed differences (dots), their mean (bar) and its 95% t interval;
    an interval that crosses the dashed zero line means "no difference shown"."""
    labels = list(studies)
    values = [by_seed(study, key) for study in studies.values()]
    seeds = sorted(set.intersection(*(set(v) for v in values)))
    fig, (lines, diffs) = plt.subplots(1, 2, figsize=(11, 3.8))
    for seed in seeds:
        lines.plot(range(len(labels)), [v[seed] for v in values], "o-", alpha=0.7, label=f"seed {seed}")
    lines.set_xticks(range(len(labels)), labels, fontsize=8, rotation=15)
    lines.set(ylabel=ylabel, title="each seed, step to step")
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


def seed_line(study):
    accs = accuracies(study)
    return (f"{study['model']}, {study['params']:,} parameters, {study['epochs']} epochs, {len(accs)} seeds "
            f"({', '.join(str(run['seed']) for run in study['runs'])}), final epoch: min {min(accs):.2f}%, "
            f"mean {statistics.mean(accs):.2f}%, max {max(accs):.2f}%")


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


def plot_gap(model, digit, shown=8):
    """What global average pooling does, on the given (trained) model and one digit: the feature maps that enter
    `model.gap` (after the last BatchNorm, ReLU and, in eval mode, no Dropout), `shown` of them, each above its
    average, the one number GAP keeps of it. The model runs in eval mode; its modes are put back afterwards."""
    captured = {}
    hook = model.gap.register_forward_pre_hook(lambda module, args: captured.setdefault("maps", args[0][0]))
    modes = {module: module.training for module in model.modules()}
    device = next(model.parameters()).device
    try:
        model.eval()
        with torch.no_grad():
            model(digit.reshape(1, 1, 28, 28).to(device))
    finally:
        hook.remove()
        for module, training in modes.items():
            module.training = training
    maps = captured["maps"].float().cpu()
    count, size = maps.shape[0], maps.shape[-1]
    fig, axes = plt.subplots(2, min(shown, count), figsize=(1.3 * min(shown, count), 3.3), squeeze=False)
    for k, feature in enumerate(maps[:shown]):
        low, high = feature.min().item(), feature.max().item()
        axes[0, k].imshow(feature.numpy(), cmap="magma", vmin=low, vmax=high)
        axes[0, k].set_title(f"map {k + 1}", fontsize=8)
        axes[1, k].imshow(feature.mean().view(1, 1).numpy(), cmap="magma", vmin=low, vmax=high)
        axes[1, k].set_xlabel(f"{feature.mean():.3f}", fontsize=8)
        for ax in axes[:, k]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel(f"{size}x{size} map", fontsize=8)
    axes[1, 0].set_ylabel("its average", fontsize=8)
    kernel = "x".join(str(k) for k in model.head.kernel_size)
    fig.suptitle(f"each of the {count} last {size}x{size} maps becomes its average ({min(shown, count)} shown);\n"
                 f"a {kernel} convolution then maps the averages to {model.head.out_channels} scores", fontsize=9)
    fig.tight_layout()
    plt.show()
