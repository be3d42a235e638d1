"""The six networks of the series, in story order, each one change away from the one before."""

import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchsummary


class BadNet(nn.Module):
    """The reference's network, exactly: 6.4M parameters, and a ReLU on the logits unless final_relu=False."""

    def __init__(self, final_relu=True):
        super().__init__()
        self.final_relu = final_relu
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)  # 28x28, RF 3
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)  # 28x28, RF 5
        self.pool1 = nn.MaxPool2d(2, 2)  # 14x14, RF 6
        self.conv3 = nn.Conv2d(64, 128, 3, padding=1)  # 14x14, RF 10
        self.conv4 = nn.Conv2d(128, 256, 3, padding=1)  # 14x14, RF 14
        self.pool2 = nn.MaxPool2d(2, 2)  # 7x7, RF 16
        self.conv5 = nn.Conv2d(256, 512, 3)  # 5x5, RF 24
        self.conv6 = nn.Conv2d(512, 1024, 3)  # 3x3, RF 32
        self.conv7 = nn.Conv2d(1024, 10, 3)  # 1x1, RF 40: the ten class scores (logits)

    def forward(self, x):
        x = self.pool1(F.relu(self.conv2(F.relu(self.conv1(x)))))
        x = self.pool2(F.relu(self.conv4(F.relu(self.conv3(x)))))
        x = F.relu(self.conv6(F.relu(self.conv5(x))))
        x = self.conv7(x)
        if self.final_relu:
            x = F.relu(x)  # the bug: every negative logit becomes 0, and its gradient dies
        x = x.view(-1, 10)
        return F.log_softmax(x, dim=1)


# Output channels of the seven 3x3/1x1 convolutions of SmallNet: block 1 (three), transition (one), block 2 (three).
# Chosen on the validation split (results/validation.jsonl): the 1x1 transition squeezes 12 channels into 8.
WIDTHS = (8, 8, 12, 8, 12, 12, 16)


class SmallNet(nn.Module):
    """Steps 3 to 6: one small network whose arguments switch on, one at a time, what each notebook teaches.

    Block 1 stacks three 3x3 convolutions (receptive field 7, enough to see the edges and gradients of a stroke)
    before max-pooling; a 1x1 convolution then squeezes the channels cheaply; block 2 grows the receptive field to
    20 on a 5x5 map; the head turns that map into ten class scores.
    """

    def __init__(self, batchnorm=False, dropout=0.0, gap=False, widths=WIDTHS):
        super().__init__()
        c1, c2, c3, mix, c4, c5, c6 = widths

        def conv(c_in, c_out, kernel=3):
            layers = [nn.Conv2d(c_in, c_out, kernel, bias=not batchnorm)]  # BatchNorm's shift replaces the bias
            if batchnorm:
                layers.append(nn.BatchNorm2d(c_out))
            layers.append(nn.ReLU())
            return nn.Sequential(*layers)

        # Block 1: three 3x3 convolutions see 7x7 pixels, where the edges and gradients of strokes show.
        self.conv1 = conv(1, c1)  # 28 -> 26, RF 3
        self.conv2 = conv(c1, c2)  # 26 -> 24, RF 5
        self.conv3 = conv(c2, c3)  # 24 -> 22, RF 7
        self.pool = nn.MaxPool2d(2, 2)  # 22 -> 11, RF 8
        self.mix = conv(c3, mix, kernel=1)  # 11 -> 11: a 1x1 convolution squeezes the channels cheaply
        # Block 2: from edges to parts of digits.
        self.conv4 = conv(mix, c4)  # 11 -> 9, RF 12
        self.conv5 = conv(c4, c5)  # 9 -> 7, RF 16
        self.conv6 = conv(c5, c6)  # 7 -> 5, RF 20
        # Dropout, if any, acts on the last feature maps, the input of the head: the place where it cost the least
        # accuracy on the validation split (results/validation.jsonl).
        drop = [nn.Dropout(dropout)] if dropout else []
        if gap:
            # Average each 5x5 feature map to one number, then a 1x1 convolution maps c6 averages to 10 scores.
            self.head = nn.Sequential(*drop, nn.AdaptiveAvgPool2d(1), nn.Conv2d(c6, 10, 1))
        else:
            # One 5x5 kernel per class and channel, covering the whole map: two fifths of the parameters.
            self.head = nn.Sequential(*drop, nn.Conv2d(c6, 10, 5))
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                # He initialisation keeps the activations' scale through the ReLUs; with PyTorch's default the
                # signal fades layer by layer, and without BatchNorm this network would not start learning at all.
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")

    def forward(self, x):
        x = self.mix(self.pool(self.conv3(self.conv2(self.conv1(x)))))
        x = self.head(self.conv6(self.conv5(self.conv4(x))))
        return F.log_softmax(x.view(-1, 10), dim=1)


# The story, one change per step: each entry adds one argument to the one before, except that step 6 replaces the
# whole head, Dropout included: a 170-parameter head has little to overfit, and every Dropout tried with it cost
# accuracy on the validation split (results/validation.jsonl).
MODELS = {
    "bad": (BadNet, {"final_relu": True}),
    "no_relu": (BadNet, {"final_relu": False}),
    "new_arch": (SmallNet, {}),
    "batchnorm": (SmallNet, {"batchnorm": True}),
    "dropout": (SmallNet, {"batchnorm": True, "dropout": 0.1}),
    "gap": (SmallNet, {"batchnorm": True, "gap": True}),
}
MODEL_NAMES = list(MODELS)


def get_model(name, **changes):
    """A freshly initialised model of the series by name ("bad", ..., "gap"); `changes` override its arguments
    (for experiments, e.g. get_model("gap", dropout=0.0))."""
    if name not in MODELS:
        raise ValueError(f"Unknown model {name!r}. Valid names, in story order: {', '.join(MODEL_NAMES)}.")
    cls, arguments = MODELS[name]
    return cls(**{**arguments, **changes})


def count_params(model):
    """Trainable parameters: the number the 20,000 budget is about."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def compare_models(before, after):
    """What one step changed, layer by layer: each top-level layer's parts and parameters in both models."""

    def layers(model):
        return {name: (" + ".join(type(m).__name__ for m in child.modules() if not list(m.children())),
                       sum(p.numel() for p in child.parameters())) for name, child in model.named_children()}

    old, new = layers(before), layers(after)
    rows = []
    for name in [*old, *(n for n in new if n not in old)]:
        (a, a_params), (b, b_params) = old.get(name, ("-", 0)), new.get(name, ("-", 0))
        rows.append({"layer": name, "before": a, "params before": a_params, "after": b, "params after": b_params,
                     "changed": "*" if (a, a_params) != (b, b_params) else ""})
    rows.append({"layer": "total", "before": "", "params before": count_params(before), "after": "",
                 "params after": count_params(after), "changed": ""})
    return rows


def summary(model, input_size=(1, 28, 28)):
    """torchsummary's table, on the model's own device (CPU too), leaving the model exactly as it was.

    torchsummary runs a forward pass on a batch of two random images; in training mode that would move the
    BatchNorm running statistics, so it runs in eval mode, and the modes and buffers are put back afterwards.
    """
    device = next(model.parameters()).device
    modes = {module: module.training for module in model.modules()}
    buffers = copy.deepcopy({name: b for name, b in model.named_buffers()})
    try:
        model.eval()
        with torch.no_grad():
            torchsummary.summary(model, input_size, device=device.type)
    finally:
        for module, training in modes.items():
            module.training = training
        for name, value in model.named_buffers():
            value.copy_(buffers[name])
