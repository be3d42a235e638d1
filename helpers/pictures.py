"""Pictures of the networks themselves, drawn from the code: the architecture, traced from one forward pass (so
every box, shape, parameter count and ReLU mark is what the code really does), and block 1's receptive field."""

from unittest import mock

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F
from matplotlib.patches import FancyBboxPatch, Rectangle

from .data import MEAN, STD
from .models import count_params, eval_mode, get_model

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


def draw_architecture(model, show=True):
    """The network as a row of boxes, traced from the code (a step's name, or a built module): one box per
    convolution and pooling layer, in forward order; its height follows the map size; above it the layer's name,
    inside its kernel (and +BN), below the output shape and the parameters. An orange bar after a box is a ReLU on
    that layer's output (red when it is applied to the logits), a purple D a Dropout. show=False returns the figure
    instead of showing it."""
    name = model if isinstance(model, str) else type(model).__name__
    model = get_model(model) if isinstance(model, str) else model
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
    return _shown(fig, show)


def draw_receptive_field(digit, show=True):
    """Nested windows on a real digit (normalized, 28x28): what one unit sees after each 3x3 convolution of block 1,
    and after the pool. show=False returns the figure instead of showing it."""
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
    return _shown(fig, show)


def _shown(fig, show):
    if not show:
        return fig
    plt.show()
    return None
