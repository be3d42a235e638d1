"""What a ReLU on the logits does, measured on real outputs of the bad network (and of its fix, for contrast)."""

import torch
import torch.nn.functional as F


def logit_report(model, images, labels, grad_batch=1000):
    """Counts that show the failure of a final ReLU: zeroed logits, classes never predicted, gradients that die.

    `model` is a BadNet; its last convolution's output (conv7) is the raw logits, before any final ReLU.
    """
    raw = []
    handle = model.conv7.register_forward_hook(lambda module, inputs, output: raw.append(output.flatten(1)))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            predicted = torch.cat([model(images[i : i + 1000]).argmax(1) for i in range(0, len(images), 1000)])
        logits = torch.cat(raw)
        used = logits.relu() if model.final_relu else logits  # what log_softmax actually receives

        # Gradient of the loss with respect to the raw logits, on one batch: through a ReLU it is exactly 0
        # wherever the raw logit is negative, so those scores can never be pushed up by training.
        handle.remove()

        def keep_grad(module, inputs, output):
            output.retain_grad()
            raw[:] = [output]

        handle = model.conv7.register_forward_hook(keep_grad)
        F.nll_loss(model(images[:grad_batch]), labels[:grad_batch]).backward()
        grad = raw[0].grad.flatten(1)
        model.zero_grad(set_to_none=True)
    finally:
        handle.remove()
        model.train(was_training)

    counts = torch.bincount(predicted.cpu(), minlength=10)
    true_logit = logits.gather(1, labels.view(-1, 1)).flatten()
    return {
        "negative_raw_logits": (logits < 0).float().mean().item(),
        "zero_logits": (used == 0).float().mean().item(),
        "images_with_all_logits_zero": int((used == 0).all(1).sum()),
        "predictions_per_class": counts.tolist(),
        "classes_never_predicted": [c for c in range(10) if counts[c] == 0],
        # Only under a final ReLU does a negative true score cut that image's gradient for its own digit: without one
        # this is not measured and reads 0.0.
        "true_class_logit_dead": ((true_logit < 0).float().mean().item() if model.final_relu else 0.0),
        "zero_gradients": (grad == 0).float().mean().item(),
    }
