import matplotlib

matplotlib.use("Agg")

from helpers import MODEL_NAMES  # noqa: E402
from tools import images  # noqa: E402


def test_every_figure_draws_from_the_real_models_and_data(mnist_test):
    digit = mnist_test[0][0, 0]
    for name in MODEL_NAMES:
        fig = images.draw_architecture(name)
        texts = [t.get_text() for t in fig.axes[0].texts]
        assert "conv1" in texts and any("1x28x28" in t for t in texts)
    gap_layers = images.layer_shapes(images.get_model("gap"))
    assert gap_layers[-1][2] == (10, 1, 1) and gap_layers[0][2] == (8, 26, 26)
    assert images.draw_receptive_field(digit).axes and images.draw_dropout().axes and images.draw_gap(digit).axes
