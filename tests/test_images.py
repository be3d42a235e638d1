import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from helpers import count_params, get_model  # noqa: E402
from helpers.models import MODELS  # noqa: E402
from helpers.runtime import REPO_ROOT  # noqa: E402
from helpers import pictures as images  # noqa: E402
from tools import report  # noqa: E402


def figure_texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [ax.get_title() for ax in fig.axes]


def marks(fig, kind):
    """The layers a kind of mark ("relu", "dropout", "box") is drawn for, read back from the figure's artists."""
    artists = [*fig.axes[0].patches, *fig.axes[0].texts]
    return [a.get_gid().split(":", 1)[1] for a in artists if (a.get_gid() or "").startswith(f"{kind}:")]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_every_step_draws_its_layers_kernels_shapes_and_parameters():
    for name in list(MODELS):
        model = get_model(name)
        fig = images.draw_architecture(name, show=False)
        texts = figure_texts(fig)
        layers = images.architecture_layers(model)
        convs = [n for n, m in model.named_modules() if isinstance(m, torch.nn.Conv2d)]
        assert marks(fig, "box") == ["input", *[layer["name"] for layer in layers[1:]]]
        assert [layer["name"] for layer in layers if layer["kind"].startswith("conv")] == convs
        assert f"{name}: {count_params(model):,} parameters" in texts
        assert sum(layer["params"] for layer in layers) == count_params(model)
        assert any(t.startswith("1x28x28") for t in texts) and any(t.startswith("10x1x1") for t in texts)
        for conv in convs:
            k = getattr(model, conv).kernel_size
            assert any(f"conv {k[0]}x{k[1]}" in t for t in texts), (name, conv)


def test_the_heads_kernels_are_labelled():
    def kinds(name):
        return " ".join(figure_texts(images.draw_architecture(name, show=False)))

    assert "conv 5x5" in kinds("new_arch") and "conv 3x3" in kinds("new_arch") and "conv 1x1" in kinds("new_arch")
    assert "conv 1x1" in kinds("gap") and "GAP" in kinds("gap") and "conv 5x5" not in kinds("gap")
    assert "maxpool" in kinds("bad") and "pad 1" in kinds("bad")


def test_the_relu_marks_follow_the_code_that_runs():
    bad, no_relu = images.draw_architecture("bad", show=False), images.draw_architecture("no_relu", show=False)
    assert "conv7" in marks(bad, "relu") and "conv7" not in marks(no_relu, "relu")
    assert any("ReLU on the logits (the bug)" in t for t in figure_texts(bad))
    assert not any("the bug" in t for t in figure_texts(no_relu))
    assert marks(no_relu, "relu") == [f"conv{i}" for i in range(1, 7)]
    for name in list(MODELS)[2:6]:
        fig = images.draw_architecture(name, show=False)
        relus = marks(fig, "relu")
        assert "head" not in relus and not any("the bug" in t for t in figure_texts(fig)), name
        assert relus == ["conv1", "conv2", "conv3", "mix", "conv4", "conv5", "conv6"], name
        assert not any("ReLU" in t and "every conv" in t for t in figure_texts(fig))


def test_the_marks_are_traced_from_the_forward_pass_not_listed():
    """Flip the switch on a built no_relu model: nothing but its forward pass changes, and the drawing follows."""
    model = get_model("no_relu")
    assert not images.architecture_layers(model)[-1]["relu"]
    model.final_relu = True
    assert images.architecture_layers(model)[-1]["relu"]
    assert "conv7" in marks(images.draw_architecture(model, show=False), "relu")
    assert "BadNet: 6,379,786 parameters" in figure_texts(images.draw_architecture(model, show=False))  # its class


def test_batchnorm_and_dropout_are_marked_where_they_are():
    assert not any("+BN" in t for t in figure_texts(images.draw_architecture("new_arch", show=False)))
    layers = {layer["name"]: layer for layer in images.architecture_layers(get_model("batchnorm"))}
    assert all(layers[n]["bn"] for n in ("conv1", "conv2", "conv3", "mix", "conv4", "conv5", "conv6"))
    assert not layers["head"]["bn"] and not layers["pool"]["bn"]
    assert marks(images.draw_architecture("batchnorm", show=False), "dropout") == []
    assert marks(images.draw_architecture("dropout", show=False), "dropout") == ["conv6"]
    assert marks(images.draw_architecture("gap", show=False), "dropout") == ["conv6"]
    assert marks(images.draw_architecture("final", show=False), "dropout") == ["conv6"]  # kept from step 6


def test_tracing_leaves_the_model_as_it_was():
    relu = torch.nn.functional.relu
    model = get_model("batchnorm").train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    images.architecture_layers(model)
    assert model.training and all(m.training for m in model.modules())
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert torch.nn.functional.relu is relu
    assert not any(m._forward_hooks for m in model.modules())


def test_the_series_figure_puts_every_saved_step_on_log_scales(tmp_path, monkeypatch):
    figures = []
    monkeypatch.setattr(report.plt, "close", figures.append)
    report.save_series_figure(REPO_ROOT / "results", tmp_path / "series.png")
    assert (tmp_path / "series.png").stat().st_size > 10_000
    ax = figures[0].axes[0]
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert [label.split(":")[0] for label in labels] == [label for label, _ in report.SERIES]  # all saved, in order
    assert labels[0].startswith("1 bad: 6,379,786 parameters, 1 epoch(s), 1 seed(s)")


def test_the_receptive_field_draws_nested_windows_on_a_real_digit(mnist_test):
    fig = images.draw_receptive_field(mnist_test[0][0, 0], show=False)
    sizes = [round(patch.get_width()) for patch in fig.axes[0].patches]
    assert sizes == [3, 5, 7, 8] and fig.axes[0].images[0].get_array().shape == (28, 28)


def test_images_holds_only_the_figure_the_readme_shows():
    assert sorted(p.name for p in (REPO_ROOT / "images").iterdir()) == ["series.png"]
    assert "images/series.png" in (REPO_ROOT / "README.md").read_text()
