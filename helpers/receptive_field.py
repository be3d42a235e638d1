"""Receptive fields read off the model itself, layer by layer in forward order: rf_out = rf_in + (effective_kernel - 1)
* jump_in and jump_out = jump_in * stride, with effective_kernel = dilation * (kernel - 1) + 1 and `jump` the distance
in input pixels between neighbouring outputs. Layers that keep the geometry (BatchNorm, ReLU, Dropout) get no row."""

import torch
import torch.nn as nn

from .models import eval_mode

PASS_THROUGH = (nn.BatchNorm1d, nn.BatchNorm2d, nn.ReLU, nn.LeakyReLU, nn.GELU, nn.SiLU, nn.Sigmoid, nn.Tanh,
                nn.Dropout, nn.Dropout2d, nn.Flatten, nn.Identity, nn.LogSoftmax, nn.Softmax)
WINDOWED = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)


def _square(value, what, layer):
    a, b = (value, value) if isinstance(value, int) else tuple(value)
    if a != b:
        raise ValueError(f"receptive_field_table handles square windows only; {layer} has {what} {value}.")
    return a


def receptive_field_table(model, input_size=(1, 28, 28)):
    """One dict per Conv2d/pooling layer: layer, kernel, stride, padding, dilation, out_size, jump, rf."""
    rows = [{"layer": "input", "kernel": "", "stride": "", "padding": "", "dilation": "",
             "out_size": input_size[-1], "jump": 1, "rf": 1}]
    names = {module: name for name, module in model.named_modules()}
    state = {"rf": 1, "jump": 1}

    def hook(module, inputs, output):
        layer = f"{names[module]} ({type(module).__name__})"
        if isinstance(module, PASS_THROUGH):
            return
        if isinstance(module, WINDOWED):
            kernel = _square(module.kernel_size, "kernel", layer)
            stride = _square(module.stride, "stride", layer)
            padding = _square(module.padding, "padding", layer)
            dilation = _square(getattr(module, "dilation", 1), "dilation", layer)  # AvgPool2d has none
        elif isinstance(module, nn.AdaptiveAvgPool2d) and output.shape[-1] == output.shape[-2] == 1:
            kernel = stride = inputs[0].shape[-1]  # global average pooling: one window over the whole map
            padding, dilation = 0, 1
        else:
            keep = ", ".join(c.__name__ for c in PASS_THROUGH)
            raise ValueError(
                f"receptive_field_table cannot handle layer {layer}: it knows Conv2d, MaxPool2d, AvgPool2d, "
                f"AdaptiveAvgPool2d to 1x1, and layers that keep the geometry ({keep}). Add a rule for it in "
                f"helpers/receptive_field.py, or compute that part by hand."
            )
        state["rf"] += dilation * (kernel - 1) * state["jump"]
        state["jump"] *= stride
        rows.append({"layer": layer, "kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation,
                     "out_size": output.shape[-1], "jump": state["jump"], "rf": state["rf"]})

    leaves = [m for m in model.modules() if not list(m.children())]
    handles = [m.register_forward_hook(hook) for m in leaves]
    try:
        with eval_mode(model):  # no BatchNorm statistics move, no dropout
            model(torch.zeros(1, *input_size, device=next(model.parameters()).device))
    finally:
        for handle in handles:
            handle.remove()
    return rows
