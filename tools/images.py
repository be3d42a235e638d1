"""The explanatory figures in images/ (not training output), drawn from the models and the data themselves.

    python -m tools.images     # redraws every figure in images/
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from matplotlib.patches import FancyBboxPatch, Rectangle  # noqa: E402

from helpers.data import MEAN, STD, load_mnist  # noqa: E402
from helpers.models import MODEL_NAMES, count_params, get_model  # noqa: E402
from helpers.runtime import REPO_ROOT  # noqa: E402
from helpers.train import load_weights  # noqa: E402

IMAGES = REPO_ROOT / "images"
COLORS = {"Conv2d": "#4C72B0", "MaxPool2d": "#DD8452", "AdaptiveAvgPool2d": "#55A868"}


def layer_shapes(model):
    """(name, parts, output shape, parameters) for each top-level layer, from one forward pass."""
    shapes = {}
    hooks = [child.register_forward_hook(lambda m, i, o, name=name: shapes.__setitem__(name, tuple(o.shape[1:])))
             for name, child in model.named_children()]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, 28, 28))
    for hook in hooks:
        hook.remove()
    return [(name, [type(m).__name__ for m in child.modules() if not list(m.children())], shapes[name],
             sum(p.numel() for p in child.parameters())) for name, child in model.named_children()]


def draw_architecture(name):
    """One box per layer: height follows the map size, the label gives channels x size and parameters."""
    model = get_model(name)
    layers = [("input", ["Input"], (1, 28, 28), 0), *layer_shapes(model)]
    fig, ax = plt.subplots(figsize=(1.05 * len(layers) + 1, 3.4))
    for i, (layer, parts, shape, params) in enumerate(layers):
        size = shape[-1] if len(shape) == 3 else 1
        height = 0.4 + 2.2 * size / 28
        kind = parts[0]
        ax.add_patch(FancyBboxPatch((i + 0.1, 1.5 - height / 2), 0.8, height, boxstyle="round,pad=0.02",
                                    color=COLORS.get(kind, "#8172B2"), alpha=0.85))
        extras = " ".join(p[0] for p in parts[1:] if p in ("BatchNorm2d", "Dropout"))
        ax.text(i + 0.5, 2.85, layer, ha="center", fontsize=8, weight="bold")
        label = f"{shape[0]}x{size}x{size}" if len(shape) == 3 else f"{shape[0]}"
        ax.text(i + 0.5, 0.05, f"{label}\n{params:,} p" + (f"\n+{extras}" if extras else ""), ha="center",
                va="top", fontsize=7)
        ax.text(i + 0.5, 1.5, "\n".join(p.replace("2d", "") for p in parts if p not in ("ReLU",))[:40],
                ha="center", va="center", fontsize=6, color="white")
    ax.set(xlim=(0, len(layers)), ylim=(-0.9, 3.1))
    ax.axis("off")
    ax.set_title(f"{name}: {count_params(model):,} parameters (B = BatchNorm, D = Dropout; every conv has a ReLU)",
                 fontsize=9)
    fig.tight_layout()
    return fig


def draw_receptive_field(digit):
    """Nested windows on a real digit: what one unit sees after each 3x3 convolution of block 1, and the pool."""
    fig, ax = plt.subplots(figsize=(4.4, 4.4))
    ax.imshow((digit * STD + MEAN).numpy(), cmap="gray_r")
    centre = (16, 9)  # (column, row): where the bar of the 7 meets its stem
    for size, color, label in ((3, "#4C72B0", "conv1: 3x3"), (5, "#55A868", "conv2: 5x5"),
                               (7, "#C44E52", "conv3: 7x7"), (8, "#DD8452", "pool: 8x8")):
        half = size / 2
        ax.add_patch(Rectangle((centre[0] - half, centre[1] - half), size, size, fill=False, lw=2, color=color,
                               label=label))
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("receptive field through block 1", fontsize=10)
    ax.axis("off")
    fig.tight_layout()
    return fig


def draw_dropout():
    """A layer of units during training: a random share p of them zeroed each step, the others scaled by 1/(1-p).

    p is the rate of the `dropout` model of the series.
    """
    rate = next(m.p for m in get_model("dropout").modules() if isinstance(m, torch.nn.Dropout))
    generator = torch.Generator().manual_seed(3)
    activations = torch.rand(10, 10, generator=generator)
    keep = torch.rand(10, 10, generator=generator) > rate
    fig, axes = plt.subplots(1, 2, figsize=(7, 3.6))
    for ax, values, title in ((axes[0], activations, "activations"),
                              (axes[1], activations * keep / (1 - rate), f"after Dropout({rate}), training")):
        ax.imshow(values.numpy(), cmap="viridis", vmin=0, vmax=1.2)
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    for y, x in (~keep).nonzero().tolist():
        axes[1].text(x, y, "x", ha="center", va="center", color="white", fontsize=12, weight="bold")
    fig.suptitle(f"{int((~keep).sum())} of 100 units dropped this step; a new draw every step, none at test time",
                 fontsize=9)
    fig.tight_layout()
    return fig


def draw_gap(digit):
    """The last feature maps of the gap model on a real digit, each averaged to a single number.

    Uses the trained weights of results/gap.pt when they exist (redraw after a full run), else a seeded untrained model.
    """
    torch.manual_seed(0)
    model = get_model("gap").eval()
    weights = REPO_ROOT / "results" / "gap.pt"
    if weights.exists():
        load_weights(model, weights)
    captured = {}
    model.conv6.register_forward_hook(lambda m, i, o: captured.setdefault("maps", o[0]))
    with torch.no_grad():
        model(digit.view(1, 1, 28, 28))
    maps = captured["maps"][:8]
    fig, axes = plt.subplots(2, len(maps), figsize=(1.3 * len(maps), 3.2))
    for k, feature in enumerate(maps):
        axes[0, k].imshow(feature.numpy(), cmap="magma")
        axes[0, k].set_title(f"map {k + 1}", fontsize=8)
        axes[1, k].imshow(feature.mean().view(1, 1).numpy(), cmap="magma",
                          vmin=feature.min().item(), vmax=feature.max().item())
        axes[1, k].set_xlabel(f"{feature.mean():.3f}", fontsize=8)
        for ax in axes[:, k]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel("5x5", fontsize=8)
    axes[1, 0].set_ylabel("GAP", fontsize=8)
    state = "trained" if weights.exists() else "untrained"
    fig.suptitle(f"GAP ({state} gap model, one test digit): each of the {captured['maps'].shape[0]} last 5x5 maps "
                 "becomes its average (8 shown);\na 1x1 convolution then maps the averages to 10 scores", fontsize=9)
    fig.tight_layout()
    return fig


def main():
    IMAGES.mkdir(exist_ok=True)
    digit = load_mnist(train=False)[0][0, 0]  # the first test image, a 7
    figures = {f"architecture_{step}_{name}.png": draw_architecture(name) for step, name in enumerate(MODEL_NAMES, 1)}
    figures |= {"receptive_field_block1.png": draw_receptive_field(digit), "dropout.png": draw_dropout(),
                "gap.png": draw_gap(digit)}
    for filename, fig in figures.items():
        fig.savefig(IMAGES / filename, dpi=110)
        plt.close(fig)
        print(f"images/{filename}")


if __name__ == "__main__":
    main()
