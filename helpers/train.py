"""Training and evaluation (the loop of pytorch/examples' mnist), histories as JSON, weights as state_dicts."""

import json
import math
import pickle
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm import tqdm

from . import runtime
from .data import Batches
from .models import count_params, get_model
from .runtime import SMOKE_BATCHES, SMOKE_EPOCHS, SMOKE_TEST_EXAMPLES, seed_everything

# The one training recipe that notebooks 3 to 6 share, so that each of them changes only the model.
RECIPE = {
    "epochs": 15,
    "batch_size": 64,
    "max_lr": 0.2,  # SGD with Nesterov momentum; the learning rate follows `schedule`, stepped after every batch
    "schedule": "one_cycle",  # or "step": max_lr, divided by 10 after half and again after three quarters of the steps
    "momentum": 0.9,
    "weight_decay": 5e-4,
    "label_smoothing": 0.0,
    "clip_grad_norm": None,  # a cap on the gradient's length at every step; 1.0 cost accuracy on validation
    "augment": {"degrees": 5.0, "shift": 1.0},  # per-image rotation (degrees) and shift (pixels)
}


def loss_fn(log_probs, labels, label_smoothing=0.0):
    """Negative log-likelihood of log_softmax outputs, optionally with label smoothing."""
    loss = F.nll_loss(log_probs, labels)
    if label_smoothing:
        loss = (1 - label_smoothing) * loss - label_smoothing * log_probs.mean(dim=1).mean()
    return loss


def run_length(n_train, batch_size, epochs):
    """(epochs, batches per epoch) that fit will run: the full schedule, or the smoke switch's few batches."""
    batches = math.ceil(n_train / batch_size)
    if runtime.SMOKE:
        return min(epochs, SMOKE_EPOCHS), min(batches, SMOKE_BATCHES)
    return epochs, batches


@torch.no_grad()
def predict(model, images, batch_size=1000):
    """Log-probabilities for all `images`, in eval mode, batch by batch; the model's mode is restored after."""
    was_training = model.training
    model.eval()
    outputs = torch.cat([model(images[i : i + batch_size]) for i in range(0, len(images), batch_size)])
    model.train(was_training)
    return outputs


def evaluate(model, images, labels):
    """(mean loss, accuracy in percent) on a whole split."""
    log_probs = predict(model, images)
    loss = F.nll_loss(log_probs, labels).item()
    accuracy = (log_probs.argmax(dim=1) == labels).float().mean().item() * 100
    return loss, accuracy


def fit(model, train, test, epochs, optimizer=None, scheduler=None, batch_size=128, augment=False,
        label_smoothing=0.0, clip_grad_norm=None, seed=0, name=None):
    """Train `model` on train=(images, labels) for a fixed number of epochs, testing after each; return the history.

    The optimizer defaults to the reference's SGD (lr 0.01, momentum 0.9); a scheduler, if given, is stepped after
    every batch; `clip_grad_norm`, if given, caps the length of the gradient of every step. The test set is only
    measured, never used to choose anything: the figure to quote is the last epoch.
    """
    device = next(model.parameters()).device
    optimizer = optimizer or torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    epochs, steps = run_length(len(train[1]), batch_size, epochs)
    batches = Batches(*train, batch_size=batch_size, shuffle=True, augment=augment, seed=seed, max_batches=steps)
    test_images, test_labels = (t[:SMOKE_TEST_EXAMPLES] for t in test) if runtime.SMOKE else test
    if runtime.SMOKE:
        print(f"SMOKE MODE: {epochs} epochs of {steps} batches, tested on {len(test_labels)} images.")
    history = {"model": name or type(model).__name__, "params": count_params(model), "seed": seed,
               "device": str(device), "torch": torch.__version__, "epochs": []}
    for epoch in range(1, epochs + 1):
        model.train()
        start, seen, correct, loss_sum = time.perf_counter(), 0, 0, 0.0
        bar = tqdm(total=len(batches), desc=f"epoch {epoch:2d}/{epochs}", mininterval=2.0)
        for images, labels in batches:
            log_probs = model(images)
            loss = loss_fn(log_probs, labels, label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if clip_grad_norm:
                torch.nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
            lr = optimizer.param_groups[0]["lr"]
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            seen += len(labels)
            loss_sum += loss.item() * len(labels)
            correct += (log_probs.argmax(dim=1) == labels).sum().item()
            bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{100 * correct / seen:.2f}%", refresh=False)
            bar.update()
        seconds = time.perf_counter() - start
        test_loss, test_acc = evaluate(model, test_images, test_labels)
        bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{100 * correct / seen:.2f}%", test=f"{test_acc:.2f}%")
        bar.close()
        history["epochs"].append({"epoch": epoch, "train_loss": loss_sum / seen, "train_acc": 100 * correct / seen,
                                  "test_loss": test_loss, "test_acc": test_acc, "lr": lr, "seconds": seconds})
    last = history["epochs"][-1]
    print(f"Final epoch ({epochs}): test accuracy {last['test_acc']:.2f}%, train accuracy {last['train_acc']:.2f}%")
    return history


def make_scheduler(optimizer, recipe, total_steps):
    """The recipe's learning-rate schedule over `total_steps` batches: one-cycle (warm up, then anneal) or step."""
    if recipe["schedule"] == "one_cycle":
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=recipe["max_lr"], total_steps=total_steps)
    if recipe["schedule"] == "step":
        milestones = [total_steps // 2, total_steps * 3 // 4]
        return torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=milestones, gamma=0.1)
    raise ValueError(f"Unknown schedule {recipe['schedule']!r}: use 'one_cycle' or 'step'.")


def train_with_recipe(name, train, test, seed, device="cpu", model_changes=None, **changes):
    """Seed, build model `name` (with `model_changes`), and train it with RECIPE, or RECIPE with `changes`.

    Returns (model, history). Everything random (weights, batch order, augmentation, dropout) follows the seed.
    """
    recipe = {**RECIPE, **changes}
    unknown = set(changes) - set(RECIPE)
    if unknown:
        raise ValueError(f"Unknown recipe keys {sorted(unknown)}; the recipe has {sorted(RECIPE)}.")
    seed_everything(seed)
    model = get_model(name, **(model_changes or {})).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=recipe["max_lr"], momentum=recipe["momentum"],
                                nesterov=recipe["momentum"] > 0, weight_decay=recipe["weight_decay"])
    epochs, steps = run_length(len(train[1]), recipe["batch_size"], recipe["epochs"])
    scheduler = make_scheduler(optimizer, recipe, epochs * steps)
    history = fit(model, train, test, epochs, optimizer, scheduler, batch_size=recipe["batch_size"],
                  augment=recipe["augment"], label_smoothing=recipe["label_smoothing"],
                  clip_grad_norm=recipe["clip_grad_norm"], seed=seed, name=name)
    history["recipe"] = recipe
    if model_changes:
        history["model_changes"] = model_changes
    return model, history


def seed_study(name, seeds, train, test, device="cpu", done=None, model_changes=None, **changes):
    """Train model `name` with the recipe (plus `changes`) once per seed: is its final accuracy luck?

    `done` maps seeds already trained to their histories, so a run shown earlier in a notebook is not repeated.
    Returns {"model", "params", "epochs", "runs": [{"seed", "final_test_acc", "seconds"}, ...]}.
    """
    runs = []
    for seed in seeds:
        history = (done or {}).get(seed) or train_with_recipe(name, train, test, seed, device=device,
                                                              model_changes=model_changes, **changes)[1]
        runs.append({"seed": seed, "final_test_acc": history["epochs"][-1]["test_acc"],
                     "seconds": round(sum(e["seconds"] for e in history["epochs"]), 1)})
    return {"model": name, "params": history["params"], "epochs": len(history["epochs"]), "runs": runs}


# The final recipe with one ingredient taken away at a time (notebook 07): (model changes, recipe changes).
ABLATIONS = {
    "nothing (the final recipe)": ({}, {}),
    "augmentation": ({}, {"augment": False}),
    "weight decay": ({}, {"weight_decay": 0.0}),
    "one-cycle schedule (step schedule instead)": ({}, {"schedule": "step"}),
}


def ablation_study(seeds, train, test, device="cpu", reference=None, name="gap"):
    """One seed study per entry of ABLATIONS: what each ingredient of the final recipe buys, over several seeds.

    `reference`, a seed study of the unchanged final recipe (results/seeds.json), supplies the first row's runs for
    the seeds it holds, so that those trainings are not repeated.
    """
    known = {run["seed"]: run for run in (reference or {}).get("runs", [])}
    rows = []
    for removed, (model_changes, changes) in ABLATIONS.items():
        print(f"--- taken away: {removed}")
        if not (model_changes or changes) and all(seed in known for seed in seeds):
            study = {**reference, "runs": [known[seed] for seed in seeds]}
        else:
            study = seed_study(name, seeds, train, test, device=device, model_changes=model_changes, **changes)
        rows.append({"removed": removed, **study})
    return {"model": name, "seeds": list(seeds), "rows": rows}


def save_history(history, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(history, indent=1) + "\n")


def load_history(path):
    return json.loads(Path(path).read_text())


def save_weights(model, path):
    """The state_dict alone: tensors only, so that load_weights can read it without trusting pickled code."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)


def load_weights(model, path):
    """Load weights saved by save_weights into `model`, refusing anything else with an error that says why."""
    try:
        state = torch.load(path, map_location=next(model.parameters()).device, weights_only=True)
    except FileNotFoundError:
        raise
    except pickle.UnpicklingError as exc:
        raise ValueError(
            f"{path} holds Python objects other than tensors (a foreign pickle?); it was not loaded, since "
            f"unpickling runs code. Only load files written by save_weights. ({str(exc).splitlines()[0]})"
        ) from None
    except Exception as exc:  # torch.load fails in many ways on arbitrary bytes
        raise ValueError(f"{path} is not a PyTorch checkpoint ({type(exc).__name__}: {exc}).") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{path} is a checkpoint but not a state_dict of tensors; save it with save_weights.")
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise ValueError(
            f"{path} holds weights of another architecture than {type(model).__name__}: {exc}"
        ) from None
    return model
