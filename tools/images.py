"""The explanatory figures in images/ (not training output), drawn from the models and the data themselves.

    python -m tools.images     # redraws every figure in images/

The architecture figures are traced, not hand-kept: one forward pass runs with a hook on every leaf module and with
`torch.nn.functional.relu` wrapped, so every box, shape, parameter count and ReLU mark is what the code really does.
"""

from unittest import mock

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from matplotlib.patches import FancyBboxPatch, Rectangle  # noqa: E402

from helpers.data import MEAN, STD, load_mnist  # noqa: E402
from helpers.models import MODELS, count_params, eval_mode, get_model  # noqa: E402
from helpers.runtime import REPO_ROOT  # noqa: E402

IMAGES = REPO_ROOT / "images"
BOXES = (nn.Conv2d, nn.MaxPool2d, nn.AdaptiveAvgPool2d)  # one box each; BatchNorm, Dropout and ReLU are marks
COLORS = {"Conv2d": "#4C72B0", "MaxPool2d": "#DD8452", "AdaptiveAvgPool2d": "#55A868", "input": "#8C8C8C"}
RELU, BUG, DROP = "#F0A202", "#D62728", "#8172B2"
MIDDLE = 1.9  # the height of the boxes' centre line in the architecture figure


def _params(module):
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def _pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def kernel_label(module):
    """What a box says about its layer: "conv 3x3", "conv 1x1", "maxpool 2x2", "GAP"."""
    if isinstance(module, nn.Conv2d):
        return "conv {}x{}".format(*module.kernel_size)
    if isinstance(module, nn.MaxPool2d):
        return "maxpool {}x{}".format(*_pair(module.kernel_size))
    if isinstance(module, nn.AdaptiveAvgPool2d):
        return "GAP"
    return type(module).__name__


def _details(module):
    """Padding and stride where they are not the plain default (they explain a size that does not shrink)."""
    if not isinstance(module, nn.Conv2d):
        return []
    padding, stride = _pair(module.padding), _pair(module.stride)
    return ([f"pad {padding[0]}"] if any(padding) else []) + ([f"stride {stride[0]}"] if stride != (1, 1) else [])


def architecture_layers(model, input_size=(1, 28, 28)):
    """The boxes of the architecture figure, traced from one forward pass on a blank image.

    A list of dicts in forward order, the input first: name, kind ("conv 3x3", ...), shape (C, H, W) of the output,
    params (the layer's own plus a BatchNorm's right after it), bn, relu (a ReLU is applied to this layer's output,
    after its BatchNorm if any), dropout (the rate of a Dropout applied after it, else None; a Dropout of rate 0
    does nothing and is left out). The ReLUs are found by wrapping torch.nn.functional.relu (and hooking any nn.ReLU
    module) and matching the tensor each one received to the layer that produced it. The pass runs in eval mode, so
    it moves no BatchNorm statistics, and the model's train/eval modes are put back afterwards.
    """
    events, names = [], {module: name for name, module in model.named_modules()}
    leaves = [m for m in model.modules() if not list(m.children())]
    hooks = [m.register_forward_hook(lambda m, args, out: events.append(("module", m, args[0], out))) for m in leaves]
    relu = F.relu

    def traced_relu(input, *args, **kwargs):
        output = relu(input, *args, **kwargs)
        events.append(("relu", None, input, output))
        return output

    device = next(model.parameters()).device
    image = torch.zeros(1, *input_size, device=device)
    try:
        with eval_mode(model), mock.patch.object(F, "relu", traced_relu):
            model(image)
    finally:
        for hook in hooks:
            hook.remove()
    layers = [{"name": "input", "kind": "image", "type": "input", "details": [], "shape": tuple(input_size),
               "params": 0, "bn": False, "relu": False, "dropout": None}]
    owner = {id(image): layers[0]}  # tensor -> the box whose output it is (the events keep every tensor alive)
    for event, module, source, output in events:
        layer = owner.get(id(source), layers[-1])
        if event == "relu" or isinstance(module, nn.ReLU):
            layer["relu"] = True
        elif isinstance(module, BOXES):
            layer = {"name": names[module], "kind": kernel_label(module), "type": type(module).__name__,
                     "details": _details(module), "shape": tuple(output.shape[1:]), "params": _params(module),
                     "bn": False, "relu": False, "dropout": None}
            layers.append(layer)
        elif isinstance(module, nn.BatchNorm2d):
            layer["bn"] = True
            layer["params"] += _params(module)
        elif isinstance(module, nn.Dropout) and module.p > 0:  # Dropout(0.0), as in `final`, does nothing
            layer["dropout"] = module.p
        owner[id(output)] = layer
    return layers


def draw_architecture(name, model=None):
    """One box per convolution and pooling layer, in forward order: the box's height follows the map size; above it
    the layer's name, inside its kernel (and +BN), below the output shape and the parameters. An orange bar after a
    box is a ReLU on that layer's output (red when it is applied to the logits), a purple D a Dropout."""
    model = get_model(name) if model is None else model
    layers = architecture_layers(model)
    last = layers[-1]
    fig, ax = plt.subplots(figsize=(min(12.5, 1.2 * len(layers) + 0.4), 3.6))
    for i, layer in enumerate(layers):
        channels, size = layer["shape"][0], layer["shape"][-1]
        height = 0.5 + 1.9 * size / 28
        bottom = MIDDLE - height / 2
        ax.add_patch(FancyBboxPatch((i + 0.04, bottom), 0.66, height, boxstyle="round,pad=0.02",
                                    color=COLORS[layer["type"]], alpha=0.9, gid=f"box:{layer['name']}"))
        ax.text(i + 0.37, MIDDLE + 1.3, layer["name"], ha="center", va="bottom", fontsize=9, weight="bold")
        inside = [*layer["kind"].split(" ", 1 if layer["type"] == "MaxPool2d" else 0), *layer["details"],
                  *(["+BN"] if layer["bn"] else [])]
        ax.text(i + 0.37, MIDDLE, "\n".join(inside), ha="center", va="center", fontsize=8, color="white",
                weight="bold", linespacing=1.1)
        below = f"{channels}x{size}x{size}" + (f"\n{layer['params']:,} params" if layer["type"] != "input" else "")
        ax.text(i + 0.37, MIDDLE - 1.35, below, ha="center", va="top", fontsize=8)
        if layer["relu"]:
            color = BUG if layer is last else RELU
            ax.add_patch(Rectangle((i + 0.75, bottom), 0.1, height, color=color, gid=f"relu:{layer['name']}"))
            ax.text(i + 0.8, MIDDLE, "ReLU", rotation=90, ha="center", va="center", fontsize=7, weight="bold",
                    color="white" if color == BUG else "black")
        if layer["dropout"] is not None:
            ax.text(i + 0.94, MIDDLE, "D", ha="center", va="center", fontsize=8, color="white", weight="bold",
                    bbox={"boxstyle": "circle,pad=0.25", "fc": DROP, "ec": "none"}, gid=f"dropout:{layer['name']}")
        if i + 1 < len(layers):
            ax.annotate("", xy=(i + 1.03, MIDDLE), xytext=(i + 0.86 if layer["relu"] else i + 0.72, MIDDLE),
                        arrowprops={"arrowstyle": "->", "color": "#555555", "lw": 1}, zorder=0)
    right = len(layers) - 0.05
    if last["relu"]:
        ax.text(right, -0.08, f"ReLU on the logits (the bug): every negative score of {last['name']} becomes 0",
                ha="right", va="top", fontsize=9, color=BUG, weight="bold")
    else:
        ax.text(right, -0.08, f"no ReLU after {last['name']}: the scores can be negative", ha="right", va="top",
                fontsize=8, color="#333333")
    legend = "orange bar = ReLU after this layer"
    if last["relu"]:
        legend += " (red: on the logits)"
    if any(layer["bn"] for layer in layers):
        legend += ";  +BN = BatchNorm before the ReLU (its parameters included)"
    rates = sorted({layer["dropout"] for layer in layers if layer["dropout"] is not None})
    if rates:
        legend += f";  D = Dropout({', '.join(f'{p:g}' for p in rates)})"
    legend += ";  box height follows the map size"
    ax.text(0.04, -0.08, legend, ha="left", va="top", fontsize=8, color="#333333")
    ax.set(xlim=(0, len(layers)), ylim=(-0.32, MIDDLE + 1.6))
    ax.axis("off")
    ax.set_title(f"{name}: {count_params(model):,} parameters", fontsize=11)
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


def main():
    IMAGES.mkdir(exist_ok=True)
    digit = load_mnist(train=False)[0][0, 0]  # the first test image, a 7
    steps = enumerate(list(MODELS)[:6], 1)
    figures = {f"architecture_{step}_{name}.png": draw_architecture(name) for step, name in steps}
    figures |= {"architecture_final.png": draw_architecture("final"),
                "receptive_field_block1.png": draw_receptive_field(digit), "dropout.png": draw_dropout()}
    for filename, fig in figures.items():
        fig.savefig(IMAGES / filename, dpi=110)
        plt.close(fig)
        print(f"images/{filename}")


if __name__ == "__main__":
    main()
