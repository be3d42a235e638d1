"""What a ReLU on the logits does, measured on real outputs of the bad network (and of its fix, for contrast)."""

import torch
import torch.nn.functional as F

from .models import eval_mode


def logit_report(model, images, labels, grad_batch=1000):
    """Counts that show the failure of a final ReLU: zeroed logits, classes never predicted, gradients that die.
    `model` is a BadNet; its last convolution's output (conv7) is the raw logits, before any final ReLU. The
    gradients are those of the loss on the first `grad_batch` images, in eval mode."""
    raw = []
    handle = model.conv7.register_forward_hook(lambda module, inputs, output: raw.append(output))
    try:
        with eval_mode(model):
            predicted = torch.cat([model(images[i : i + 1000]).argmax(1) for i in range(0, len(images), 1000)])
            logits = torch.cat(raw).flatten(1)
            # Gradient of the loss with respect to the raw logits: through a ReLU it is exactly 0 wherever the raw
            # logit is negative, so those scores can never be pushed up by training.
            raw.clear()
            with torch.enable_grad():
                loss = F.nll_loss(model(images[:grad_batch]), labels[:grad_batch])
                grad = torch.autograd.grad(loss, raw[0])[0].flatten(1)
    finally:
        handle.remove()
    used = logits.relu() if model.final_relu else logits  # what log_softmax actually receives
    counts = torch.bincount(predicted.cpu(), minlength=10)
    true_logit = logits.gather(1, labels.view(-1, 1)).flatten()
    return {
        "negative_raw_logits": (logits < 0).float().mean().item(),
        "zero_logits": (used == 0).float().mean().item(),
        "images_with_all_logits_zero": int((used == 0).all(1).sum()),
        "predictions_per_class": counts.tolist(),
        "classes_never_predicted": [c for c in range(10) if counts[c] == 0],
        # Only under a final ReLU does a negative true score cut that image's gradient for its own digit.
        "true_class_logit_dead": (true_logit < 0).float().mean().item() if model.final_relu else "n/a (no final ReLU)",
        "zero_gradients": (grad == 0).float().mean().item(),
    }
