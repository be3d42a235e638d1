"""The networks of the series, one plain class per step, in story order, each one change away from the one before.
Steps 3 to 6 repeat each other on purpose: a learner reads one class at a time, and `show_diff` prints the lines a
step changed."""

import contextlib
import difflib
import inspect

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchsummary


class BadNet(nn.Module):
    """Steps 1 and 2: the reference's network, 6.4M parameters, with a ReLU on the logits unless final_relu=False."""

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
        x = x.view(len(x), 10)  # one row of ten scores per image: a map larger than 1x1 (a wrong input size) raises
        return F.log_softmax(x, dim=1)


def he_init(model):
    """He initialisation: weights drawn with a variance of 2 / fan-in, which keeps the scale of the activations through
    ReLUs from layer to layer (PyTorch's default draws them smaller). Part of every class from step 3 on."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")


class NewArchNet(nn.Module):
    """Step 3: three 3x3 convolutions (receptive field 7) before max-pooling, a 1x1 mix, three more, a 5x5 head."""

    def __init__(self):
        super().__init__()
        # Block 1: three 3x3 convolutions, so that conv3's units see 7x7 pixels (a design reason notebook 3 tests).
        self.conv1 = nn.Conv2d(1, 8, 3)  # 28 -> 26, RF 3
        self.conv2 = nn.Conv2d(8, 8, 3)  # 26 -> 24, RF 5
        self.conv3 = nn.Conv2d(8, 12, 3)  # 24 -> 22, RF 7
        self.pool = nn.MaxPool2d(2, 2)  # 22 -> 11, RF 8
        self.mix = nn.Conv2d(12, 12, 1)  # 11 -> 11: a 1x1 convolution mixes the channels cheaply
        # Block 2: after the pool, each 3x3 convolution widens what a unit sees by 4 pixels.
        self.conv4 = nn.Conv2d(12, 16, 3)  # 11 -> 9, RF 12
        self.conv5 = nn.Conv2d(16, 16, 3)  # 9 -> 7, RF 16
        self.conv6 = nn.Conv2d(16, 16, 3)  # 7 -> 5, RF 20
        # Head: one 5x5 kernel per class and channel covers the whole 5x5 map (RF 28): ten class scores.
        self.head = nn.Conv2d(16, 10, 5)
        he_init(self)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.relu(self.conv3(x))
        x = self.pool(x)
        x = F.relu(self.mix(x))
        x = F.relu(self.conv4(x))
        x = F.relu(self.conv5(x))
        x = F.relu(self.conv6(x))
        x = self.head(x)  # no ReLU here: it would clip every negative score to 0 (step 2's lesson)
        return F.log_softmax(x.view(len(x), 10), dim=1)


class BatchNormNet(nn.Module):
    """Step 4: step 3 with BatchNorm after every convolution but the head's; BatchNorm's shift replaces conv biases."""

    def __init__(self):
        super().__init__()
        # Block 1: three 3x3 convolutions, so that conv3's units see 7x7 pixels (a design reason notebook 3 tests).
        self.conv1 = nn.Conv2d(1, 8, 3, bias=False)  # 28 -> 26, RF 3
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, bias=False)  # 26 -> 24, RF 5
        self.bn2 = nn.BatchNorm2d(8)
        self.conv3 = nn.Conv2d(8, 12, 3, bias=False)  # 24 -> 22, RF 7
        self.bn3 = nn.BatchNorm2d(12)
        self.pool = nn.MaxPool2d(2, 2)  # 22 -> 11, RF 8
        self.mix = nn.Conv2d(12, 12, 1, bias=False)  # 11 -> 11: a 1x1 convolution mixes the channels cheaply
        self.bn_mix = nn.BatchNorm2d(12)
        # Block 2: after the pool, each 3x3 convolution widens what a unit sees by 4 pixels.
        self.conv4 = nn.Conv2d(12, 16, 3, bias=False)  # 11 -> 9, RF 12
        self.bn4 = nn.BatchNorm2d(16)
        self.conv5 = nn.Conv2d(16, 16, 3, bias=False)  # 9 -> 7, RF 16
        self.bn5 = nn.BatchNorm2d(16)
        self.conv6 = nn.Conv2d(16, 16, 3, bias=False)  # 7 -> 5, RF 20
        self.bn6 = nn.BatchNorm2d(16)
        # Head: one 5x5 kernel per class and channel covers the whole 5x5 map (RF 28): ten class scores.
        self.head = nn.Conv2d(16, 10, 5)
        he_init(self)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = F.relu(self.bn3(self.conv3(x)))
        x = self.pool(x)
        x = F.relu(self.bn_mix(self.mix(x)))
        x = F.relu(self.bn4(self.conv4(x)))
        x = F.relu(self.bn5(self.conv5(x)))
        x = F.relu(self.bn6(self.conv6(x)))
        x = self.head(x)  # no ReLU here: it would clip every negative score to 0 (step 2's lesson)
        return F.log_softmax(x.view(len(x), 10), dim=1)


class DropoutNet(nn.Module):
    """Step 5: step 4 with Dropout on the last feature maps, the input of the head."""

    def __init__(self, dropout=0.1):
        super().__init__()
        # Block 1: three 3x3 convolutions, so that conv3's units see 7x7 pixels (a design reason notebook 3 tests).
        self.conv1 = nn.Conv2d(1, 8, 3, bias=False)  # 28 -> 26, RF 3
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, bias=False)  # 26 -> 24, RF 5
        self.bn2 = nn.BatchNorm2d(8)
        self.conv3 = nn.Conv2d(8, 12, 3, bias=False)  # 24 -> 22, RF 7
        self.bn3 = nn.BatchNorm2d(12)
        self.pool = nn.MaxPool2d(2, 2)  # 22 -> 11, RF 8
        self.mix = nn.Conv2d(12, 12, 1, bias=False)  # 11 -> 11: a 1x1 convolution mixes the channels cheaply
        self.bn_mix = nn.BatchNorm2d(12)
        # Block 2: after the pool, each 3x3 convolution widens what a unit sees by 4 pixels.
        self.conv4 = nn.Conv2d(12, 16, 3, bias=False)  # 11 -> 9, RF 12
        self.bn4 = nn.BatchNorm2d(16)
        self.conv5 = nn.Conv2d(16, 16, 3, bias=False)  # 9 -> 7, RF 16
        self.bn5 = nn.BatchNorm2d(16)
        self.conv6 = nn.Conv2d(16, 16, 3, bias=False)  # 7 -> 5, RF 20
        self.bn6 = nn.BatchNorm2d(16)
        self.drop = nn.Dropout(dropout)  # in training, zeroes each activation with probability `dropout`
        # Head: one 5x5 kernel per class and channel covers the whole 5x5 map (RF 28): ten class scores.
        self.head = nn.Conv2d(16, 10, 5)
        he_init(self)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = F.relu(self.bn3(self.conv3(x)))
        x = self.pool(x)
        x = F.relu(self.bn_mix(self.mix(x)))
        x = F.relu(self.bn4(self.conv4(x)))
        x = F.relu(self.bn5(self.conv5(x)))
        x = F.relu(self.bn6(self.conv6(x)))
        x = self.drop(x)
        x = self.head(x)  # no ReLU here: it would clip every negative score to 0 (step 2's lesson)
        return F.log_softmax(x.view(len(x), 10), dim=1)


class GapNet(nn.Module):
    """Step 6: step 5 with its head replaced: global average pooling, then a 1x1 convolution to ten scores."""

    def __init__(self, dropout=0.1):
        super().__init__()
        # Block 1: three 3x3 convolutions, so that conv3's units see 7x7 pixels (a design reason notebook 3 tests).
        self.conv1 = nn.Conv2d(1, 8, 3, bias=False)  # 28 -> 26, RF 3
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, bias=False)  # 26 -> 24, RF 5
        self.bn2 = nn.BatchNorm2d(8)
        self.conv3 = nn.Conv2d(8, 12, 3, bias=False)  # 24 -> 22, RF 7
        self.bn3 = nn.BatchNorm2d(12)
        self.pool = nn.MaxPool2d(2, 2)  # 22 -> 11, RF 8
        self.mix = nn.Conv2d(12, 12, 1, bias=False)  # 11 -> 11: a 1x1 convolution mixes the channels cheaply
        self.bn_mix = nn.BatchNorm2d(12)
        # Block 2: after the pool, each 3x3 convolution widens what a unit sees by 4 pixels.
        self.conv4 = nn.Conv2d(12, 16, 3, bias=False)  # 11 -> 9, RF 12
        self.bn4 = nn.BatchNorm2d(16)
        self.conv5 = nn.Conv2d(16, 16, 3, bias=False)  # 9 -> 7, RF 16
        self.bn5 = nn.BatchNorm2d(16)
        self.conv6 = nn.Conv2d(16, 16, 3, bias=False)  # 7 -> 5, RF 20
        self.bn6 = nn.BatchNorm2d(16)
        self.drop = nn.Dropout(dropout)  # in training, zeroes each activation with probability `dropout`
        # Head: average each 5x5 map to one number (GAP), then a 1x1 convolution maps 16 averages to ten scores.
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Conv2d(16, 10, 1)
        he_init(self)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = F.relu(self.bn3(self.conv3(x)))
        x = self.pool(x)
        x = F.relu(self.bn_mix(self.mix(x)))
        x = F.relu(self.bn4(self.conv4(x)))
        x = F.relu(self.bn5(self.conv5(x)))
        x = F.relu(self.bn6(self.conv6(x)))
        x = self.drop(x)
        x = self.gap(x)
        x = self.head(x)  # no ReLU here: it would clip every negative score to 0 (step 2's lesson)
        return F.log_softmax(x.view(len(x), 10), dim=1)


class FinalNet(nn.Module):
    """The capstone: step 6 narrowed. `widths`: the output channels of conv1, conv2, conv3, mix, conv4, conv5, conv6."""

    def __init__(self, widths=(8, 8, 12, 8, 12, 12, 16), dropout=0.1):
        super().__init__()
        c1, c2, c3, c_mix, c4, c5, c6 = widths
        # Block 1: three 3x3 convolutions, so that conv3's units see 7x7 pixels (a design reason notebook 3 tests).
        self.conv1 = nn.Conv2d(1, c1, 3, bias=False)  # 28 -> 26, RF 3
        self.bn1 = nn.BatchNorm2d(c1)
        self.conv2 = nn.Conv2d(c1, c2, 3, bias=False)  # 26 -> 24, RF 5
        self.bn2 = nn.BatchNorm2d(c2)
        self.conv3 = nn.Conv2d(c2, c3, 3, bias=False)  # 24 -> 22, RF 7
        self.bn3 = nn.BatchNorm2d(c3)
        self.pool = nn.MaxPool2d(2, 2)  # 22 -> 11, RF 8
        self.mix = nn.Conv2d(c3, c_mix, 1, bias=False)  # 11 -> 11: a 1x1 convolution mixes the channels cheaply
        self.bn_mix = nn.BatchNorm2d(c_mix)
        # Block 2: after the pool, each 3x3 convolution widens what a unit sees by 4 pixels.
        self.conv4 = nn.Conv2d(c_mix, c4, 3, bias=False)  # 11 -> 9, RF 12
        self.bn4 = nn.BatchNorm2d(c4)
        self.conv5 = nn.Conv2d(c4, c5, 3, bias=False)  # 9 -> 7, RF 16
        self.bn5 = nn.BatchNorm2d(c5)
        self.conv6 = nn.Conv2d(c5, c6, 3, bias=False)  # 7 -> 5, RF 20
        self.bn6 = nn.BatchNorm2d(c6)
        self.drop = nn.Dropout(dropout)  # in training, zeroes each activation with probability `dropout`
        # Head: average each 5x5 map to one number (GAP), then a 1x1 convolution maps c6 averages to ten scores.
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Conv2d(c6, 10, 1)
        he_init(self)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = F.relu(self.bn3(self.conv3(x)))
        x = self.pool(x)
        x = F.relu(self.bn_mix(self.mix(x)))
        x = F.relu(self.bn4(self.conv4(x)))
        x = F.relu(self.bn5(self.conv5(x)))
        x = F.relu(self.bn6(self.conv6(x)))
        x = self.drop(x)
        x = self.gap(x)
        x = self.head(x)  # no ReLU here: it would clip every negative score to 0 (step 2's lesson)
        return F.log_softmax(x.view(len(x), 10), dim=1)


# The story: step name -> (class, arguments). Steps 1 and 2 differ by BadNet's one switch.
MODELS = {
    "bad": (BadNet, {"final_relu": True}),
    "no_relu": (BadNet, {"final_relu": False}),
    "new_arch": (NewArchNet, {}),
    "batchnorm": (BatchNormNet, {}),
    "dropout": (DropoutNet, {}),
    "gap": (GapNet, {}),
    "final": (FinalNet, {}),  # the capstone (notebook 7): step 6 narrowed, trained with FINAL_RECIPE
}


def get_model(name, **changes):
    """A freshly initialised model of the series by name ("bad", ..., "gap", "final"); `changes` override its arguments
    (e.g. get_model("gap", dropout=0.0))."""
    if name not in MODELS:
        raise ValueError(f"Unknown model {name!r}. Valid names, in story order: {', '.join(MODELS)}; or pass an "
                         "nn.Module class, or a function that returns a module.")
    cls, arguments = MODELS[name]
    return cls(**{**arguments, **changes})


def count_params(model):
    """Trainable parameters: the number the 20,000 budget is about."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@contextlib.contextmanager
def eval_mode(model):
    """Run the block in eval mode without gradients (BatchNorm uses its running statistics and moves none, Dropout is
    off), then put every module back in the mode it had."""
    modes = {module: module.training for module in model.modules()}
    model.eval()
    try:
        with torch.no_grad():
            yield model
    finally:
        for module, training in modes.items():
            module.training = training


def predict(model, images, batch_size=1000):
    """Log-probabilities for all `images`, in eval mode, a thousand at a time."""
    with eval_mode(model):
        return torch.cat([model(images[i : i + batch_size]) for i in range(0, len(images), batch_size)])


def source(thing):
    """The source code of a step's class (by name: "gap") or of any function or class (h.fit)."""
    return inspect.getsource(MODELS[thing][0] if isinstance(thing, str) else thing)


def show_code(thing):
    print(source(thing))


def show_diff(before, after):
    """Print the line diff between two steps' classes, by name (class line and docstring left out): the lines that step
    `after` changed, computed from the classes themselves so that it can never drift from the code."""

    def body(name):
        return source(name).split('"""', 2)[2].splitlines()[1:]

    old, new = MODELS[before][0].__name__, MODELS[after][0].__name__
    lines = list(difflib.unified_diff(body(before), body(after), fromfile=old, tofile=new, lineterm="", n=1))
    print("\n".join(lines) if lines else f"{before} and {after} share one class; only its arguments differ.")


def summary(model, input_size=(1, 28, 28)):
    """torchsummary's table, on the model's own device (CPU too). It runs a forward pass on two random images, so it
    runs in eval mode: no BatchNorm statistics move."""
    with eval_mode(model):
        torchsummary.summary(model, input_size, device=next(model.parameters()).device.type)
