"""Training, top to bottom: the loop (train_one_epoch, evaluate, fit, as in pytorch/examples' mnist), the recipe as
code (train_with_recipe), one run per seed (train_seeds), and results on disk."""

import copy
import functools
import json
import os
import pickle
import time

import cloudpickle
import joblib
import torch
import torch.nn as nn
import torch.nn.functional as F
from joblib.externals.loky.process_executor import BrokenProcessPool
from tqdm.auto import tqdm

from . import runtime
from .data import Batches, load_split
from .models import count_params, get_model, predict

# The one training recipe that notebooks 3 to 6 share, so that each of them changes only the model. 15 epochs and
# weight decay 5e-4 were inherited from the earlier versions of the series; batch 128 with a peak of 0.1 is the one
# setting the step-3 network of this size was tried at on the validation split; the clipping cap was added after
# step 3 collapsed on one seed of a test run (commit 4da2ca6; that run's history is results/new_arch.json at 4da2ca6^).
RECIPE = {
    "epochs": 15,
    "batch_size": 128,
    "max_lr": 0.1,  # SGD; the learning rate follows `schedule`, stepped after every batch
    "schedule": "one_cycle",  # or "constant": max_lr throughout
    "momentum": 0.9,  # used as such by "constant"; one-cycle replaces it: 0.95 -> 0.85 at the peak -> 0.95
    "nesterov": True,
    "weight_decay": 5e-4,
    "augment": {"degrees": 5.0, "shift": 1.0},  # per-image rotation (degrees) and shift (pixels)
    "clip_grad_norm": 2.0,  # a cap on the length of every step's gradient
    "warmup": 0.3,  # one-cycle: the share of the steps over which the rate rises to max_lr (OneCycleLR's pct_start)
    "label_smoothing": 0.0,  # the share of the target spread evenly over the ten classes (0: the plain loss)
}
# The reference's plain training (notebooks 1 and 2), as changes to RECIPE, for as many epochs as the recipe:
PLAIN_TRAINING = {"max_lr": 0.01, "schedule": "constant", "nesterov": False, "weight_decay": 0.0, "augment": False,
                  "clip_grad_norm": None}
# A bolder recipe, which BatchNorm should tolerate: half the batch, twice the peak learning rate, no clipping.
BOLD_RECIPE = {"batch_size": 64, "max_lr": 0.2, "clip_grad_norm": None}
# The capstone's recipe (notebook 7): every key of RECIPE, with the bold recipe's three settings and 19 epochs (chosen
# on the validation split: the appendix's question 9). A copy: editing one recipe never edits another.
FINAL_RECIPE = copy.deepcopy({**RECIPE, **BOLD_RECIPE, "epochs": 19})


def resolve_recipe(changes):
    """RECIPE as it is now (a learner may have edited it) with `changes`, as a copy that no later edit reaches."""
    unknown = set(changes) - set(RECIPE)
    if unknown:
        raise ValueError(f"Unknown recipe keys {sorted(unknown)}; the recipe has {sorted(RECIPE)}.")
    return copy.deepcopy({**RECIPE, **changes})


def train_one_epoch(model, batches, optimizer, scheduler=None, clip_grad_norm=None, label_smoothing=0.0):
    """One pass over the batches: forward, loss, backward, (clip), step, (schedule). The running loss and accuracy
    are summed on the model's device and read once, at the end: reading them after every batch (`.item()`) would make
    a GPU wait for each step. "clipped" counts the steps that clipping shortened."""
    model.train()
    device = next(model.parameters()).device
    loss_sum = torch.zeros((), dtype=torch.float64, device=device)
    correct = torch.zeros((), dtype=torch.int64, device=device)
    clipped = torch.zeros((), dtype=torch.int64, device=device)
    seen = 0
    for images, labels in batches:
        log_probs = model(images)
        loss = F.nll_loss(log_probs, labels)
        if label_smoothing:  # as F.cross_entropy's label_smoothing: part of the loss is the mean over all classes
            loss = (1 - label_smoothing) * loss - label_smoothing * log_probs.mean(dim=1).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if clip_grad_norm:
            clipped += nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm) > clip_grad_norm
        lr = optimizer.param_groups[0]["lr"]  # the rate this step uses
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        loss_sum += loss.detach().double() * len(labels)
        correct += (log_probs.argmax(dim=1) == labels).sum()
        seen += len(labels)
    if not seen:
        raise ValueError("The batches yielded no images: is the training set empty (n_train=0, or a slice that "
                         "keeps nothing)?")
    return {"train_loss": loss_sum.item() / seen, "train_acc": 100 * correct.item() / seen, "lr": lr,
            "clipped": clipped.item()}


def evaluate(model, images, labels):
    """(mean loss, accuracy in percent) on a whole split, in eval mode."""
    log_probs = predict(model, images)
    return F.nll_loss(log_probs, labels).item(), (log_probs.argmax(dim=1) == labels).float().mean().item() * 100


def fit(model, batches, test, epochs, optimizer, scheduler=None, clip_grad_norm=None, verbose=True, label_smoothing=0.0,
        on_epoch=None):
    """Train for `epochs` over `batches`, test on `test` after each, one line per epoch; returns the epochs' records.
    `on_epoch(model, record)`, if given, is called after each epoch's test: a place to measure more (notebook 5)."""
    records = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        progress = tqdm(batches, desc=f"epoch {epoch}", leave=False, disable=not verbose)
        record = {"epoch": epoch, **train_one_epoch(model, progress, optimizer, scheduler, clip_grad_norm,
                                                           label_smoothing)}
        record["seconds"] = time.perf_counter() - start
        record["test_loss"], record["test_acc"] = evaluate(model, *test)
        if not clip_grad_norm:
            del record["clipped"]
        if on_epoch is not None:
            on_epoch(model, record)
        records.append(record)
        if verbose:
            print(epoch_line(record, epochs))
    return records


def epoch_line(e, epochs):
    """One short line per epoch; "running acc" is measured on the (augmented) batches while the weights move."""
    return (f"epoch {e['epoch']:2d}/{epochs}  loss {e['train_loss']:.4f}  running acc {e['train_acc']:6.2f}%  "
            f"test acc {e['test_acc']:6.2f}%  lr {e['lr']:.4f}  {e['seconds']:5.1f} s"
            + (f"  clipped {e['clipped']}" if "clipped" in e else ""))


def final_line(history):
    last = history["epochs"][-1]
    return (f"Final epoch ({len(history['epochs'])}): test accuracy {last['test_acc']:.2f}%, train accuracy "
            f"{history['train_eval_acc']:.2f}% (all training images, eval mode, no augmentation)")


def print_epochs(history):
    """A finished run's epoch lines, saying when its seconds were measured while other runs shared the cores."""
    if history.get("side_by_side", 1) > 1:
        print(f"Seed {history['seed']} (its seconds: {history['side_by_side']} runs sharing the CPU cores, one thread "
              "each)")
    for e in history["epochs"]:
        print(epoch_line(e, len(history["epochs"])))
    print(final_line(history))


def make_optimizer(model, recipe):
    """SGD with the recipe's momentum, Nesterov and weight decay."""
    return torch.optim.SGD(model.parameters(), lr=recipe["max_lr"], momentum=recipe["momentum"],
                           nesterov=recipe["nesterov"], weight_decay=recipe["weight_decay"])


def make_scheduler(optimizer, recipe, total_steps):
    """One-cycle over `total_steps` batches (OneCycleLR's defaults: the rate rises from max_lr/25 to max_lr over the
    first 30% of the steps, then falls to max_lr/25e4; momentum 0.95 -> 0.85 -> 0.95), or None: a constant rate."""
    if recipe["schedule"] == "one_cycle":
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=recipe["max_lr"], total_steps=total_steps,
                                                   pct_start=recipe["warmup"])
    if recipe["schedule"] == "constant":
        return None
    raise ValueError(f"Unknown schedule {recipe['schedule']!r}: use 'one_cycle' or 'constant'.")


def build(model):
    """A fresh module from a step's name ("gap"), an nn.Module class, or a function that returns a module."""
    if isinstance(model, str):
        return get_model(model)
    if isinstance(model, nn.Module):
        raise TypeError("Pass the class (or a function that builds it), not a built model: each seed draws weights.")
    return model()


def train_with_recipe(model, train, test, seed, device="cpu", verbose=True, on_epoch=None, **changes):
    """Seed, build `model` and train it with RECIPE (or RECIPE with `changes`); returns (model, history). Everything
    random (weights, batch order, augmentation, dropout) follows the seed. At the end the model is also measured on
    every training image, un-augmented and in eval mode: the train accuracy to set against the test accuracy.
    `on_epoch` goes to `fit`."""
    recipe = resolve_recipe(changes)
    runtime.seed_everything(seed, verbose=verbose)
    net = build(model).to(device)
    train, test = (tuple(t.to(device) for t in pair) for pair in (train, test))
    optimizer = make_optimizer(net, recipe)
    batches = Batches(*train, batch_size=recipe["batch_size"], augment=recipe["augment"], seed=seed)
    scheduler = make_scheduler(optimizer, recipe, recipe["epochs"] * len(batches))
    history = {"model": model if isinstance(model, str) else type(net).__name__, "params": count_params(net),
               "seed": seed, "device": str(device), "threads": torch.get_num_threads(), "torch": torch.__version__,
               "recipe": recipe}
    history["epochs"] = fit(net, batches, test, recipe["epochs"], optimizer, scheduler, recipe["clip_grad_norm"],
                            verbose, recipe["label_smoothing"], on_epoch)
    history["train_eval_acc"] = evaluate(net, *train)[1]
    if verbose:
        print(final_line(history))
    return net, history


def train_seeds(model, seeds, device="cpu", split="test", n_train=None, **changes):
    """Train `model` (a step's name, an nn.Module class, or a function that returns one; or a list of them, one after
    the other) with the recipe (plus `changes`) once per seed; returns one (model, history) per model and seed.
    `n_train` keeps the first n training images. On the CPU the runs go side by side, one thread each, so their
    seconds are those of runs sharing the cores: one call for two networks keeps every core busy to the end."""
    recipe = resolve_recipe(changes)  # here, once: worker processes see RECIPE as imported, not as edited here
    jobs = [(m, seed, device, split, n_train, recipe, runtime.SMOKE)
            for m in (model if isinstance(model, list) else [model]) for seed in seeds]
    cached_split(split, runtime.SMOKE)  # here first, so that workers never download MNIST at the same time
    results = side_by_side(train_one_seed, jobs, device)
    workers = {history.pop("process") for _, history in results} - {os.getpid()}
    runs = []
    for job, (state, history) in zip(jobs, results):
        net = build(job[0]).to(device)
        net.load_state_dict(state)
        history["side_by_side"] = min(len(workers), len(jobs)) or 1  # runs sharing the cores; 1: they ran here
        runs.append((net, history))
        named = f"{history['model']}, " if isinstance(model, list) else ""
        seconds = sum(e["seconds"] for e in history["epochs"])
        print(f"{named}seed {history['seed']}: final {split} accuracy {history['epochs'][-1]['test_acc']:.2f}%, train "
              f"accuracy {history['train_eval_acc']:.2f}% (eval mode), {seconds:.0f} s")
    if runtime.SMOKE:
        print("SMOKE MODE: these runs saw a few images; no number above means anything.")
    return runs


# The plumbing of train_seeds: the data once per process, one run, and runs side by side.
@functools.lru_cache(maxsize=2)
def cached_split(split, smoke):
    """load_split, kept in memory for the next run in this process (`smoke` is part of the key: the images differ)."""
    return load_split(split)


def train_one_seed(model, seed, device, split, n_train, recipe, smoke):
    """One run of train_seeds, with the recipe and smoke switch of the process that asked for it; returns the weights
    (on the CPU) and the history, which says the split, the training images and the process that trained it."""
    runtime.SMOKE = smoke
    train, test = cached_split(split, smoke)
    train = tuple(t[:n_train] for t in train) if n_train is not None else train
    net, history = train_with_recipe(model, train, test, seed, device=device, verbose=False, **recipe)
    history.update(split=split, n_train=n_train, process=os.getpid())
    return {k: v.cpu() for k, v in net.state_dict().items()}, history


def side_by_side(function, jobs, device="cpu"):
    """function(*job) for every job, in job order: on the CPU in as many worker processes as there are cores, one
    thread each (about 1.5 times the steps per second of one two-thread process); on a GPU one after the other. loky
    carries a class defined in a notebook cell to the workers; jobs that cannot travel run here, one by one."""
    if torch.device(device).type != "cpu":
        return [function(*job) for job in jobs]
    threads, workers = torch.get_num_threads(), min(len(jobs), joblib.cpu_count())
    try:
        if workers > 1:
            try:
                cloudpickle.dumps(jobs)  # as loky sends them: a class defined in a notebook cell travels by value
            except Exception as exc:  # pickling raises TypeError, PicklingError, AttributeError, ... as it finds
                print(f"These runs cannot go to worker processes ({type(exc).__name__}: {exc}); training them one by "
                      "one here.")
                workers = 1
        if workers > 1:
            try:
                return joblib.Parallel(n_jobs=workers, backend="loky")(joblib.delayed(one_thread)(function, *job)
                                                                       for job in jobs)
            except BrokenProcessPool as exc:  # a job that travelled but could not be rebuilt there
                print(f"The worker processes failed ({exc}); training the runs one by one here.")
        return [one_thread(function, *job) for job in jobs]
    finally:
        torch.set_num_threads(threads)


def one_thread(function, *args):  # a run's numbers depend on its seed and thread count: one thread, alone or not
    torch.set_num_threads(1)
    return function(*args)


def seed_summary(runs):
    """A seed study, as results/seeds/<name>.json keeps it: the recipe, and per run its final and per-epoch figures."""
    histories = [history for _, history in runs]
    first = histories[0]
    study = {"model": first["model"], "params": first["params"], "epochs": len(first["epochs"])}
    study.update(split=first.get("split", "test"), n_train=first.get("n_train"))  # train_with_recipe alone: test, all
    study.update({k: first[k] for k in ("recipe", "side_by_side", "threads", "device") if k in first})
    study["runs"] = [{"seed": h["seed"], "final_test_acc": round(h["epochs"][-1]["test_acc"], 2),
                      "final_train_acc": round(h["train_eval_acc"], 2),
                      "test_acc_by_epoch": [round(e["test_acc"], 2) for e in h["epochs"]],
                      "seconds": round(sum(e["seconds"] for e in h["epochs"]), 1)} for h in histories]
    return study


def save_results(data, name):
    """results/<name> as JSON (results/smoke/ under the smoke switch), e.g. save_results(study, "seeds/gap.json")."""
    path = runtime.RESULTS_DIR / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n")


def load_results(name):
    """results/<name>, as save_results wrote it. Under the smoke switch, a file no smoke run has written is read from
    the committed results/, so that any one notebook runs alone."""
    path = runtime.RESULTS_DIR / name
    if runtime.SMOKE and not path.exists():
        path = runtime.COMMITTED_RESULTS / name
    return json.loads(path.read_text())


def save_weights(model, name):
    """results/<name>: the state_dict alone, tensors only, so that load_weights can read it without trusting code."""
    path = runtime.RESULTS_DIR / name  # an absolute path stays as it is
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)


def load_weights(model, name):
    """Load save_weights' file (a name under results/, or an absolute path) into `model`, or say why it cannot."""
    path = runtime.RESULTS_DIR / name
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: train and save_weights first, or check the name.")
    try:
        state = torch.load(path, map_location=next(model.parameters()).device, weights_only=True)
    except pickle.UnpicklingError as exc:
        raise ValueError(f"{path} holds Python objects other than tensors (a foreign pickle?); it was not loaded, "
                         "since unpickling runs code. Only load files written by save_weights. "
                         f"({str(exc).splitlines()[0]})") from None
    except Exception as exc:  # torch.load fails in many ways on arbitrary bytes
        raise ValueError(f"{path} is not a PyTorch checkpoint ({type(exc).__name__}: {exc}).") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{path} is a checkpoint but not a state_dict of tensors; save it with save_weights.")
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise ValueError(f"{path} holds weights of another architecture than {type(model).__name__}: {exc}") from None
    return model
