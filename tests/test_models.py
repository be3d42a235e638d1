import re

import pytest
import torch
import torch.nn as nn

from helpers import count_params, eval_mode, get_model, show_code, show_diff, summary
from helpers.models import MODELS

MODEL_NAMES = list(MODELS)[:6]  # the six steps; the capstone ("final") comes after them


def kinds(model, kind):
    return [m for m in model.modules() if isinstance(m, kind)]


def test_story_order_and_unknown_names():
    assert list(MODELS) == ["bad", "no_relu", "new_arch", "batchnorm", "dropout", "gap", "final"]
    with pytest.raises(ValueError, match="bad, no_relu, new_arch, batchnorm, dropout, gap, final; or pass"):
        get_model("resnet")


def test_parameter_counts():
    assert count_params(get_model("bad")) == 6_379_786 == count_params(get_model("no_relu"))
    small = {name: count_params(get_model(name)) for name in MODEL_NAMES[2:]}
    assert all(n < 20_000 for n in small.values()), small
    assert small["gap"] < 10_000 and small["gap"] == min(small.values())  # the smallest step, far inside 20,000
    # The capstone: step 6's class with narrower widths; with step 6's widths it is step 6, parameter for parameter.
    assert count_params(get_model("final", widths=(8, 8, 12, 12, 16, 16, 16), dropout=0.1)) == small["gap"]
    c1, c2, c3, c_mix, c4, c5, c6 = get_model("final").conv1.out_channels, *(
        getattr(get_model("final"), n).out_channels for n in ("conv2", "conv3", "mix", "conv4", "conv5", "conv6"))
    by_hand = (9 * (c1 + c1 * c2 + c2 * c3 + c_mix * c4 + c4 * c5 + c5 * c6) + c3 * c_mix + 10 * c6 + 10
               + 2 * (c1 + c2 + c3 + c_mix + c4 + c5 + c6))
    assert count_params(get_model("final")) == by_hand < 6_000
    assert small["batchnorm"] == small["dropout"]  # dropout has no parameters
    # by hand: the 16x10x5x5 head (+10 biases) becomes a 16x10 1x1 conv (+10 biases) after GAP
    assert small["dropout"] - small["gap"] == (16 * 10 * 25 + 10) - (16 * 10 + 10)


@pytest.mark.parametrize("name", [*MODEL_NAMES, "final"])
def test_every_model_maps_a_batch_to_log_probabilities(name):
    out = get_model(name)(torch.randn(3, 1, 28, 28))
    assert out.shape == (3, 10)
    assert torch.allclose(out.exp().sum(dim=1), torch.ones(3), atol=1e-5)


def test_the_bad_networks_final_relu_zeroes_every_negative_logit():
    torch.manual_seed(0)
    x = torch.randn(64, 1, 28, 28)
    bad, no_relu = get_model("bad"), get_model("no_relu")
    no_relu.load_state_dict(bad.state_dict())
    logits = {}
    no_relu.conv7.register_forward_hook(lambda module, inputs, output: logits.setdefault("raw", output.flatten(1)))
    with torch.no_grad():
        fixed, broken = no_relu(x), bad(x)
    assert (logits["raw"] < 0).any()
    assert torch.allclose(fixed, logits["raw"].log_softmax(1), atol=1e-6)
    assert torch.allclose(broken, logits["raw"].relu().log_softmax(1), atol=1e-6)  # negatives became 0


def test_each_step_changes_one_thing():
    new_arch, batchnorm, dropout, gap = (get_model(n) for n in MODEL_NAMES[2:])
    first_block = [m for m in new_arch.modules() if isinstance(m, (nn.Conv2d, nn.MaxPool2d))][:4]
    assert [type(m) for m in first_block] == [nn.Conv2d] * 3 + [nn.MaxPool2d]
    assert all(m.kernel_size == (3, 3) for m in first_block[:3])
    convs = len(kinds(new_arch, nn.Conv2d))
    assert not kinds(new_arch, nn.BatchNorm2d)
    assert len(kinds(batchnorm, nn.BatchNorm2d)) == convs - 1  # after every convolution but the head's
    assert not kinds(batchnorm, nn.Dropout) and kinds(dropout, nn.Dropout)
    assert not kinds(dropout, nn.AdaptiveAvgPool2d) and kinds(gap, nn.AdaptiveAvgPool2d)
    body = {k: v.shape for k, v in dropout.state_dict().items() if not k.startswith("head")}
    assert body == {k: v.shape for k, v in gap.state_dict().items() if not k.startswith("head")}


# What each step of 3 to 6 changes; every line its code diff adds or removes must be about that (case ignored).
CHANGES = {("new_arch", "batchnorm"): ("batchnorm", "bn", "bias"), ("batchnorm", "dropout"): ("dropout", "drop"),
           ("dropout", "gap"): ("gap", "head", "average", "pool")}


def model_diff(before, after, capsys):
    show_diff(before, after)
    return capsys.readouterr().out.splitlines()


@pytest.mark.parametrize(("before", "after"), list(CHANGES), ids=lambda name: name)
def test_the_code_diff_of_a_step_touches_only_that_steps_change(before, after, capsys):
    diff = model_diff(before, after, capsys)
    assert diff[0] == f"--- {type(get_model(before)).__name__}" and diff[1] == f"+++ {type(get_model(after)).__name__}"
    added = [line[1:] for line in diff[2:] if line.startswith("+")]
    removed = [line[1:] for line in diff[2:] if line.startswith("-")]
    assert added, "no lines changed"

    def about_the_change(line):
        return any(word in line.lower() for word in CHANGES[before, after])

    assert all(about_the_change(line) for line in added), added
    # A removed line either is about the change, or lives on inside an added line that is (conv1 -> bn1(conv1)).
    for line in removed:
        words = set(re.findall(r"\w+", line))
        assert about_the_change(line) or any(words <= set(re.findall(r"\w+", new)) for new in added), line


def test_steps_one_and_two_share_a_class_and_the_code_printers_print_it(capsys):
    show_diff("bad", "no_relu")
    assert "share one class" in capsys.readouterr().out
    show_code("gap")
    assert "class GapNet(nn.Module):" in capsys.readouterr().out
    from helpers import fit

    show_code(fit)  # any function too: notebook 1 prints the training loop this way
    assert capsys.readouterr().out.startswith("def fit(model, batches, test, epochs, optimizer")


def test_eval_mode_evaluates_without_gradients_and_puts_every_mode_back():
    model = get_model("dropout").train()
    model.bn1.eval()  # a mixed state, as a learner might leave it
    with eval_mode(model):
        assert not any(m.training for m in model.modules()) and not torch.is_grad_enabled()
    assert model.training and not model.bn1.training and torch.is_grad_enabled()
    with pytest.raises(RuntimeError), eval_mode(model):
        raise RuntimeError("a failing block")
    assert model.training and model.drop.training


def test_summary_runs_on_cpu_and_leaves_the_model_as_it_was(capsys):
    model = get_model("gap")
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    summary(model)
    table = capsys.readouterr().out
    assert f"Total params: {count_params(model):,}" in table and "AdaptiveAvgPool2d" in table
    assert model.training and all(m.training for m in model.modules())
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # BatchNorm statistics too
    model.eval()
    summary(model)
    assert not any(m.training for m in model.modules())


@pytest.mark.parametrize("name", ["bad", "new_arch", "batchnorm", "dropout"])
def test_a_wrong_input_size_raises_instead_of_scoring_more_classes(name):
    """A 32x32 image leaves a head map larger than 1x1: the view to ten scores per image must fail, not reshape it
    into more rows (as view(-1, 10) did) or more classes (as flatten(1) would). GAP networks take any size."""
    model = get_model(name).eval()
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    with pytest.raises(RuntimeError, match="invalid for input of size"):
        model(torch.zeros(2, 1, 32, 32))
