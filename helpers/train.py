"""Training and evaluation (the loop of pytorch/examples' mnist), seed studies side by side, weights as state_dicts."""

import json
import math
import multiprocessing
import pickle
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm import tqdm

from . import runtime
from .data import Batches, load_mnist
from .models import count_params, get_model
from .stats import binomial_se
from .runtime import RESULTS_DIR, SMOKE_BATCHES, SMOKE_EPOCHS, SMOKE_TEST_EXAMPLES, seed_everything

# The one training recipe that notebooks 3 to 6 share, so that each of them changes only the model. 15 epochs and
# weight decay 5e-4 were inherited from the earlier versions of the series; batch 128 with a peak of 0.1 is the one
# setting the step-3 network of this size was tried at on the validation split, where it trained on three seeds; the
# clipping cap was added after step 3 collapsed on one seed of a test run, whose output was not saved (commit 4da2ca6;
# the appendix notebook says what the validation record holds).
RECIPE = {
    "epochs": 15,
    "batch_size": 128,
    "max_lr": 0.1,  # SGD; the learning rate follows `schedule`, stepped after every batch
    "schedule": "one_cycle",  # "step": max_lr, divided by 10 after half and after three quarters of the steps;
                              # "constant": max_lr throughout
    "momentum": 0.9,  # one-cycle moves it too, against the learning rate: 0.95 -> 0.85 at the peak -> 0.95
    "nesterov": True,
    "weight_decay": 5e-4,
    "augment": {"degrees": 5.0, "shift": 1.0},  # per-image rotation (degrees) and shift (pixels)
    "clip_grad_norm": 2.0,  # a cap on the length of every step's gradient
}

# Controls, as changes to RECIPE. The reference's plain training (notebooks 1 and 2), for as many epochs as the recipe:
PLAIN_TRAINING = {"max_lr": 0.01, "schedule": "constant", "nesterov": False, "weight_decay": 0.0, "augment": False,
                  "clip_grad_norm": None}
# A bolder recipe, which BatchNorm should tolerate: half the batch, twice the peak learning rate, no clipping.
BOLD_RECIPE = {"batch_size": 64, "max_lr": 0.2, "clip_grad_norm": None}
# The capstone's recipe (notebook 7): the bold recipe that BatchNorm allows. On the validation split it showed no
# difference on three seeds, for step 6's network or the narrowed one (notebook 7 says on what it was chosen). Every
# key of RECIPE, so that train_with_recipe("final", ..., **FINAL_RECIPE) trains exactly as notebook 7 does.
FINAL_RECIPE = {**RECIPE, **BOLD_RECIPE}
# A run has collapsed when it ends below this test accuracy: near a guess (10%), where a network that answers the
# same digit for every image ends (11.35%: the share of 1s among the test digits).
COLLAPSED_BELOW = 20.0
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
    """(mean loss, accuracy in percent) on a whole split, in eval mode."""
    log_probs = predict(model, images)
    loss = F.nll_loss(log_probs, labels).item()
    accuracy = (log_probs.argmax(dim=1) == labels).float().mean().item() * 100
    return loss, accuracy


def epoch_line(e, epochs):
    """One short line per epoch; "running acc" is measured on the (augmented) batches while the weights move, and
    "clipped" counts the steps whose gradient the recipe's clipping shortened."""
    return (f"epoch {e['epoch']:2d}/{epochs}  loss {e['train_loss']:.4f}  running acc {e['train_acc']:6.2f}%  "
            f"test acc {e['test_acc']:6.2f}%  lr {e['lr']:.4f}  {e['seconds']:5.1f} s"
            + (f"  clipped {e['clipped']}" if "clipped" in e else ""))


def print_epochs(history):
    """A finished run's epoch lines, saying when its seconds were measured while other runs shared the cores."""
    if history.get("side_by_side", 1) > 1:
        print(f"Seed {history['seed']} (its seconds: {history['side_by_side']} runs sharing the CPU cores, one thread "
              "each)")
    for e in history["epochs"]:
        print(epoch_line(e, len(history["epochs"])))
    print(final_line(history))


def final_line(history):
    last = history["epochs"][-1]
    return (f"Final epoch ({len(history['epochs'])}): test accuracy {last['test_acc']:.2f}%, train accuracy "
            f"{history['train_eval_acc']:.2f}% (all training images, eval mode, no augmentation)")


def fit(model, train, test, epochs, optimizer=None, scheduler=None, batch_size=128, augment=False, seed=0,
        name=None, verbose=True, clip_grad_norm=None):
    """Train `model` on train=(images, labels) for a fixed number of epochs, testing after each; return the history.

    The optimizer defaults to the reference's SGD (lr 0.01, momentum 0.9); a scheduler, if given, is stepped after
    every batch; `clip_grad_norm`, if given, caps the length of every step's gradient. After the last epoch the
    model is also measured on every training image, un-augmented and in eval mode: the train accuracy to set
    against the test accuracy. The figure to quote is always the last epoch.
    """
    device = next(model.parameters()).device
    optimizer = optimizer or torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    epochs, steps = run_length(len(train[1]), batch_size, epochs)
    batches = Batches(*train, batch_size=batch_size, shuffle=True, augment=augment, seed=seed, max_batches=steps)
    test_images, test_labels = (t[:SMOKE_TEST_EXAMPLES] for t in test) if runtime.SMOKE else test
    if runtime.SMOKE and verbose:
        print(f"SMOKE MODE: {epochs} epochs of {steps} batches, tested on {len(test_labels)} images.")
    history = {"model": name or type(model).__name__, "params": count_params(model), "seed": seed,
               "device": str(device), "threads": torch.get_num_threads(), "torch": torch.__version__, "epochs": []}
    for epoch in range(1, epochs + 1):
        model.train()
        start, seen, correct, loss_sum, clipped = time.perf_counter(), 0, 0, 0.0, 0
        for images, labels in tqdm(batches, desc=f"epoch {epoch}", leave=False, disable=not verbose):
            log_probs = model(images)
            loss = F.nll_loss(log_probs, labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if clip_grad_norm:
                clipped += int(torch.nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm) > clip_grad_norm)
            lr = optimizer.param_groups[0]["lr"]
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            seen += len(labels)
            loss_sum += loss.item() * len(labels)
            correct += (log_probs.argmax(dim=1) == labels).sum().item()
        seconds = time.perf_counter() - start
        test_loss, test_acc = evaluate(model, test_images, test_labels)
        history["epochs"].append({"epoch": epoch, "train_loss": loss_sum / seen, "train_acc": 100 * correct / seen,
                                  "test_loss": test_loss, "test_acc": test_acc, "lr": lr, "seconds": seconds,
                                  **({"clipped": clipped} if clip_grad_norm else {})})
        if verbose:
            print(epoch_line(history["epochs"][-1], epochs))
    train_images, train_labels = (t[: steps * batch_size] for t in train) if runtime.SMOKE else train
    history["train_eval_acc"] = evaluate(model, train_images, train_labels)[1]
    if verbose:
        print(final_line(history))
    return history


def make_optimizer(model, recipe):
    return torch.optim.SGD(model.parameters(), lr=recipe["max_lr"], momentum=recipe["momentum"],
                           nesterov=recipe["nesterov"], weight_decay=recipe["weight_decay"])


def make_scheduler(optimizer, recipe, total_steps):
    """The recipe's schedule over `total_steps` batches: one-cycle (warm up, then anneal), step, or none (constant).

    OneCycleLR's defaults are kept: the learning rate rises from max_lr/25 to max_lr over the first 30% of the steps,
    then falls to max_lr/25e4 (cosine), while the momentum moves the other way, 0.95 -> 0.85 -> 0.95.
    """
    if recipe["schedule"] == "one_cycle":
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=recipe["max_lr"], total_steps=total_steps)
    if recipe["schedule"] == "step":
        milestones = [total_steps // 2, total_steps * 3 // 4]
        return torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=milestones, gamma=0.1)
    if recipe["schedule"] == "constant":
        return None
    raise ValueError(f"Unknown schedule {recipe['schedule']!r}: use 'one_cycle', 'step' or 'constant'.")


def schedule_trace(recipe=None, n_train=60_000):
    """The learning rate and momentum at every step of the recipe, read off the real scheduler (nothing trains)."""
    recipe = recipe or RECIPE
    optimizer = make_optimizer(torch.nn.Linear(1, 1), recipe)
    epochs, steps = recipe["epochs"], math.ceil(n_train / recipe["batch_size"])
    scheduler = make_scheduler(optimizer, recipe, epochs * steps)
    trace = {"steps_per_epoch": steps, "lr": [], "momentum": []}
    for _ in range(epochs * steps):
        trace["lr"].append(optimizer.param_groups[0]["lr"])
        trace["momentum"].append(optimizer.param_groups[0]["momentum"])
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
    return trace


def train_with_recipe(name, train, test, seed, device="cpu", model_changes=None, verbose=True, **changes):
    """Seed, build model `name` (with `model_changes`), and train it with RECIPE, or RECIPE with `changes`.

    Returns (model, history). Everything random (weights, batch order, augmentation, dropout) follows the seed.
    """
    recipe = {**RECIPE, **changes}
    unknown = set(changes) - set(RECIPE)
    if unknown:
        raise ValueError(f"Unknown recipe keys {sorted(unknown)}; the recipe has {sorted(RECIPE)}.")
    seed_everything(seed, verbose=verbose)
    model = get_model(name, **(model_changes or {})).to(device)
    optimizer = make_optimizer(model, recipe)
    epochs, steps = run_length(len(train[1]), recipe["batch_size"], recipe["epochs"])
    scheduler = make_scheduler(optimizer, recipe, epochs * steps)
    history = fit(model, train, test, epochs, optimizer, scheduler, batch_size=recipe["batch_size"],
                  augment=recipe["augment"], seed=seed, name=name, verbose=verbose,
                  clip_grad_norm=recipe["clip_grad_norm"])
    history["recipe"] = recipe
    if model_changes:
        history["model_changes"] = model_changes
    return model, history


VALIDATION_SIZE = 10_000


def load_split(split, device="cpu"):
    """(train, test) for "test" (60,000 / 10,000), or for "validation": the first 50,000 training images against the
    last 10,000, so that settings are chosen without looking at the test set."""
    train = load_mnist(train=True, device=device)
    if split == "test":
        return train, load_mnist(train=False, device=device)
    if split == "validation":
        return tuple(t[:-VALIDATION_SIZE] for t in train), tuple(t[-VALIDATION_SIZE:] for t in train)
    raise ValueError(f"Unknown split {split!r}: use 'test' or 'validation'.")


def parallel(function, jobs, device="cpu"):
    """function(*job) for every job, results in job order.

    On the CPU each job runs in its own process with one thread: two single-thread processes train about 1.5 times
    as many steps per second as one two-thread process, and a run's numbers depend on the seed and thread count
    alone, so a seed gives the same result here, in a notebook, or in a study of any size. On a GPU: one at a time.
    """
    if torch.device(device).type != "cpu":
        return [function(*job, device=device) for job in jobs]
    context = multiprocessing.get_context("spawn")  # fresh interpreters: safe from Jupyter, on every platform
    with ProcessPoolExecutor(len(jobs), mp_context=context, initializer=torch.set_num_threads,
                             initargs=(1,)) as pool:
        futures = [pool.submit(function, *job) for job in jobs]
        return [future.result() for future in futures]


def _train_one(name, seed, split, model_changes, changes, n_train=None, device="cpu"):
    train, test = load_split(split, device)
    if n_train:
        train = tuple(t[:n_train] for t in train)
    model, history = train_with_recipe(name, train, test, seed, device=device, model_changes=model_changes,
                                       verbose=False, **changes)
    return {k: v.cpu() for k, v in model.state_dict().items()}, history


def train_seeds(name, seeds, split="test", device="cpu", model_changes=None, n_train=None, **changes):
    """Train model `name` with the recipe (plus `changes`) once per seed, side by side; returns [(model, history)].

    `n_train` keeps only the first n training images. Each run prints nothing while it trains (print_epochs shows any
    of them afterwards); one line per seed at the end. On the CPU the seconds are those of runs sharing the cores.
    """
    jobs = [(name, seed, split, model_changes, changes, n_train) for seed in seeds]
    if not runtime.SMOKE:
        print(f"Training {name} with seeds {', '.join(map(str, seeds))} ({len(seeds)} runs side by side) ...")
    runs = []
    for state, history in parallel(_train_one, jobs, device):
        model = get_model(name, **(model_changes or {}))
        model.load_state_dict(state)
        history["side_by_side"] = len(jobs) if torch.device(device).type == "cpu" else 1
        if n_train:
            history["n_train"] = n_train
        runs.append((model.to(device), history))
        last = history["epochs"][-1]
        print(f"seed {history['seed']}: final test accuracy {last['test_acc']:.2f}%, train accuracy "
              f"{history['train_eval_acc']:.2f}% (eval mode), {sum(e['seconds'] for e in history['epochs']):.0f} s")
    if runtime.SMOKE:
        print("SMOKE MODE: these runs are a few batches long; no number above means anything.")
    return runs


def seed_summary(runs):
    """What results/seeds/<name>.json keeps of a seed study: model, params, epochs, recipe, and one line per run with
    its final test and train accuracy and its test accuracy after every epoch (to judge the last epochs too)."""
    histories = [history for _, history in runs]
    first = histories[0]
    study = {"model": first["model"], "params": first["params"], "epochs": len(first["epochs"])}
    for key in ("recipe", "model_changes", "n_train", "side_by_side", "threads", "device"):
        if key in first:
            study[key] = first[key]
    study["runs"] = [{"seed": h["seed"], "final_test_acc": round(h["epochs"][-1]["test_acc"], 2),
                      "final_train_acc": round(h["train_eval_acc"], 2),
                      "test_acc_by_epoch": [round(e["test_acc"], 2) for e in h["epochs"]],
                      "seconds": round(sum(e["seconds"] for e in h["epochs"]), 1)} for h in histories]
    return study


def save_study(study, name):
    """results/seeds/<name>.json."""
    save_history(study, RESULTS_DIR / "seeds" / f"{name}.json")


def load_study(name):
    return load_history(RESULTS_DIR / "seeds" / f"{name}.json")


def accuracies(study):
    return [run["final_test_acc"] for run in study["runs"]]


def collapsed(study):
    """The seeds of a study whose run collapsed (ended below COLLAPSED_BELOW)."""
    return [run["seed"] for run in study["runs"] if run["final_test_acc"] < COLLAPSED_BELOW]


def noise_yardstick(study, n_test=10_000):
    """Two different noises of a study's final test accuracy: the binomial standard error of one accuracy measured on
    `n_test` images (how far the figure may lie from the accuracy on new digits) and the spread between seeds
    (what another random start gives). Neither judges a change between steps: that is helpers.stats' paired rule."""
    accs = accuracies(study)
    return {"binomial_se": binomial_se(statistics.mean(accs), n_test),
            "seed_sd": statistics.stdev(accs) if len(accs) > 1 else float("nan")}


def lr_sweep(name, seed, low=1e-3, high=3.0, steps=400, batch_size=128, device="cpu"):
    """Train `name` from scratch while the learning rate grows exponentially from `low` to `high`, one step at a
    time (SGD with the recipe's Nesterov momentum and weight decay, no augmentation); record every batch's loss.

    A network that cannot take a learning rate shows it at once: its loss, having fallen, climbs back to chance
    (ln 10 = 2.30) and stays there, or becomes NaN. `collapse_lr` is the learning rate at the first step from which
    the loss stays at or above COLLAPSE_LOSS (or NaN) to the end of the sweep, after it had once fallen below 1.0: a
    passing spike that the network recovers from does not count. None if that never happens.
    """
    seed_everything(seed, verbose=False)
    train = load_mnist(train=True, device=device)
    steps = min(steps, SMOKE_BATCHES) if runtime.SMOKE else steps
    model = get_model(name).to(device)
    optimizer = make_optimizer(model, {**RECIPE, "max_lr": low})
    batches = iter(Batches(*train, batch_size=batch_size, seed=seed))
    record = {"model": name, "seed": seed, "lr": [], "loss": [], "collapse_lr": None}
    for step in range(steps):
        lr = low * (high / low) ** (step / (steps - 1))
        for group in optimizer.param_groups:
            group["lr"] = lr
        images, labels = next(batches)
        loss = F.nll_loss(model(images), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        record["lr"].append(lr)
        record["loss"].append(loss.item())
        if math.isnan(loss.item()):
            break
    record["collapse_lr"] = collapse_lr(record["lr"], record["loss"])
    return record


# A collapsed network hovers at the loss of a guess, ln 10 = 2.30, a little above or below it; one that still learns
# stays far below. The sweep's collapse is the loss staying above this line.
COLLAPSE_LOSS = 2.0


def collapse_lr(rates, losses):
    """The rate of the first step from which every loss is >= COLLAPSE_LOSS or NaN to the end, once one was < 1.0."""
    learned = next((i for i, loss in enumerate(losses) if loss < 1.0), None)
    if learned is None:
        return None
    start = None
    for i in range(learned, len(losses)):
        bad = math.isnan(losses[i]) or losses[i] >= COLLAPSE_LOSS
        start = (i if start is None else start) if bad else None
    return rates[start] if start is not None else None


def sweep_seeds(names, seeds, device="cpu"):
    """lr_sweep for every name and seed, side by side: {name: [one record per seed]}."""
    records = parallel(lr_sweep, [(name, seed) for name in names for seed in seeds], device)
    return {name: [r for r in records if r["model"] == name] for name in names}


# The final network and FINAL_RECIPE with one ingredient taken away at a time (notebook 8): (model changes, recipe
# changes).
ABLATIONS = {
    "nothing (the final recipe)": ({}, {}),
    "the bold recipe (RECIPE's batch 128, peak 0.1 and clipping instead)": (
        {}, {key: RECIPE[key] for key in BOLD_RECIPE}),
    "augmentation": ({}, {"augment": False}),
    "weight decay": ({}, {"weight_decay": 0.0}),
}


def ablation_study(seeds, reference, name="final", recipe=FINAL_RECIPE, device="cpu"):
    """Each entry of ABLATIONS trained on `seeds` (model `name`, `recipe` changed by the entry), all runs side by
    side: what each ingredient of the recipe buys.

    `reference`, the seed study of the unchanged network and recipe (results/seeds/final.json), supplies the first
    row; it must hold every seed in `seeds`.
    """
    known = {run["seed"]: run for run in reference["runs"]}
    missing = [seed for seed in seeds if seed not in known]
    if missing:
        raise ValueError(f"The reference study has no run for seeds {missing}; train them first (train_seeds).")
    arms = [(removed, model_changes, changes) for removed, (model_changes, changes) in ABLATIONS.items()
            if model_changes or changes]
    jobs = [(name, seed, "test", model_changes, {**recipe, **changes}) for _, model_changes, changes in arms
            for seed in seeds]
    print(f"Training {len(jobs)} runs side by side ({len(arms)} ingredients x seeds {', '.join(map(str, seeds))}) ...")
    histories = [history for _, history in parallel(_train_one, jobs, device)]
    for history in histories:  # their seconds were measured while all these runs shared the cores
        history["side_by_side"] = len(jobs) if torch.device(device).type == "cpu" else 1
    rows = [{"removed": list(ABLATIONS)[0], **reference, "runs": [known[seed] for seed in seeds]}]
    for i, (removed, _, _) in enumerate(arms):
        rows.append({"removed": removed, **seed_summary([(None, h) for h in histories[i * len(seeds):][:len(seeds)]])})
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
