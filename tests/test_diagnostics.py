import torch

from helpers import get_model
from helpers import logit_report


def test_final_relu_zeroes_scores_and_their_gradients(mnist_test):
    images, labels = mnist_test[0][:1000], mnist_test[1][:1000]
    torch.manual_seed(1)
    bad = get_model("bad")
    fixed = get_model("no_relu")
    fixed.load_state_dict(bad.state_dict())
    broken, healthy = logit_report(bad, images, labels), logit_report(fixed, images, labels)
    assert broken["negative_raw_logits"] == healthy["negative_raw_logits"] > 0.1  # same weights, same raw scores
    assert broken["zero_logits"] == broken["negative_raw_logits"] and healthy["zero_logits"] == 0
    assert broken["zero_gradients"] == broken["negative_raw_logits"]  # on these 1,000 images: no gradient at all
    assert healthy["zero_gradients"] == 0
    assert broken["true_class_logit_dead"] > 0 and healthy["true_class_logit_dead"] == "n/a (no final ReLU)"
    assert sum(broken["predictions_per_class"]) == 1000
    assert all(broken["predictions_per_class"][c] == 0 for c in broken["classes_never_predicted"])
    assert bad.training and all(p.grad is None for p in bad.parameters())  # left as found
