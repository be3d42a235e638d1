"""How much the input pipeline costs: seconds per training step of the `gap` model, three ways, in one run.

    python -m tools.benchmark [--steps 300]   # about a minute on 2 CPU cores; fewer steps, noisier ratios

(a) the project's Batches (in-memory tensors, per-image augmentation on the batch), (b) a torchvision DataLoader
with per-sample RandomRotation, (c) one pre-made batch reused: pure compute, the floor. a/c near 1 means the
pipeline is free. Run it on an otherwise idle machine: only the ratios are meant to travel between machines. The
figures go to results/benchmark.json.
"""

import argparse
import itertools
import json
import os
import time

import torch
import torchvision
from torchvision import transforms

from helpers.data import MEAN, STD, Batches, load_mnist
from helpers.models import get_model
from helpers.runtime import REPO_ROOT, RESULTS_DIR, pick_device, seed_everything
from helpers.train import RECIPE, train_one_epoch


def forever(batches):
    """The batches, epoch after epoch (each pass draws a new order), without end."""
    while True:
        yield from batches


def seconds_per_step(model, optimizer, batches, steps, warmup=5):
    """Mean wall time of `steps` training steps (the series' own loop) drawn from `batches`, after `warmup` steps."""
    device = next(model.parameters()).device
    stream = ((images.to(device, non_blocking=True), labels.to(device, non_blocking=True))
              for images, labels in forever(batches))
    train_one_epoch(model, itertools.islice(stream, warmup), optimizer)
    start = time.perf_counter()
    train_one_epoch(model, itertools.islice(stream, steps), optimizer)  # reads its sums once, at the end: a sync
    return (time.perf_counter() - start) / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--root", default=None, help="MNIST folder (default: $MNIST_ROOT, else data/)")
    args = parser.parse_args()
    seed_everything(0)
    device = pick_device()
    batch_size = RECIPE["batch_size"]
    images, labels = load_mnist(train=True, root=args.root, device=device)
    model = get_model("gap").to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    ours = Batches(images, labels, batch_size=batch_size, augment=RECIPE["augment"])
    per_sample = transforms.Compose([transforms.RandomRotation(RECIPE["augment"]["degrees"]), transforms.ToTensor(),
                                     transforms.Normalize((MEAN,), (STD,))])
    root = args.root or os.environ.get("MNIST_ROOT") or REPO_ROOT / "data"
    dataset = torchvision.datasets.MNIST(root, train=True, transform=per_sample)
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=1,
                                         pin_memory=device.type == "cuda")
    one_batch = next(iter(ours))

    # Interleave the three, twice, and keep each one's best: the other load on the machine hits them alike.
    times = {"a": [], "b": [], "c": []}
    for _ in range(2):
        times["a"].append(seconds_per_step(model, optimizer, ours, args.steps))
        times["b"].append(seconds_per_step(model, optimizer, loader, args.steps))
        times["c"].append(seconds_per_step(model, optimizer, [one_batch], args.steps))
    a, b, c = (min(times[k]) for k in "abc")
    print(f"batch {batch_size}, {args.steps} steps each, best of 2")
    print(f"(a) project pipeline, per-image augmentation : {1000 * a:7.2f} ms/step")
    print(f"(b) DataLoader + per-sample RandomRotation   : {1000 * b:7.2f} ms/step")
    print(f"(c) one batch reused (pure compute)          : {1000 * c:7.2f} ms/step")
    print(f"a/c = {a / c:.3f}   b/c = {b / c:.3f}")
    record = {"device": str(device), "threads": torch.get_num_threads(), "torch": torch.__version__,
              "batch_size": batch_size, "steps": args.steps,
              "ms_per_step": {"a": 1000 * a, "b": 1000 * b, "c": 1000 * c}, "a/c": a / c, "b/c": b / c}
    (RESULTS_DIR / "benchmark.json").write_text(json.dumps(record, indent=1) + "\n")
    print("Saved to results/benchmark.json.")


if __name__ == "__main__":
    main()
