"""MNIST as two tensors in memory, shuffled batches from a seeded generator, and per-image augmentation."""

import math
import os
from pathlib import Path

import torch
import torch.nn.functional as F
import torchvision

from . import runtime

MEAN, STD = 0.1307, 0.3081  # of the 60,000 training images, pixels scaled to 0..1
BACKGROUND = (0.0 - MEAN) / STD  # a black pixel after normalization


def load_mnist(train, root=None, device="cpu", download=True):
    """The whole split as (images, labels): float images (N, 1, 28, 28) normalized once, int64 labels, on `device`,
    from torchvision's MNIST under `root`, else $MNIST_ROOT, else data/ in the repository (downloaded if missing).
    Under the smoke switch, its first few images."""
    images, labels = read_mnist(train, root, download)
    examples = runtime.SMOKE_TRAIN_EXAMPLES if train else runtime.SMOKE_TEST_EXAMPLES
    images, labels = runtime.smoke_cut(images, labels, examples)
    return images.to(device), labels.to(device)


def load_split(split):
    """(train, test) on the CPU: "test" (the 60,000 training images, the 10,000 test images) or "validation" (the
    first 50,000 training images, and the last 10,000 held out to judge them); under the smoke switch, a few of each."""
    if split == "test":
        return load_mnist(train=True), load_mnist(train=False)
    if split != "validation":
        raise ValueError(f"Unknown split {split!r}: use 'test' or 'validation'.")
    images, labels = read_mnist(train=True)
    return (runtime.smoke_cut(images[:50_000], labels[:50_000], runtime.SMOKE_TRAIN_EXAMPLES),
            runtime.smoke_cut(images[50_000:], labels[50_000:], runtime.SMOKE_TEST_EXAMPLES))


def read_mnist(train, root=None, download=True):
    """A whole split from torchvision's files, normalized, on the CPU (load_mnist's work, before any smoke cut)."""
    folder = Path(root or os.environ.get("MNIST_ROOT") or runtime.REPO_ROOT / "data")
    try:
        dataset = torchvision.datasets.MNIST(folder, train=train, download=False)
    except RuntimeError:
        if not download:
            raise FileNotFoundError(_missing(folder, "download=False was given")) from None
        try:
            dataset = torchvision.datasets.MNIST(folder, train=train, download=True)
        except Exception as exc:  # no network, a proxy, a mirror down: all end the same way for the user
            raise FileNotFoundError(_missing(folder, f"downloading failed: {exc}")) from exc
    return ((dataset.data.float() / 255 - MEAN) / STD).unsqueeze(1), dataset.targets


def _missing(folder, why):
    return (
        f"MNIST is not in {folder / 'MNIST' / 'raw'} and {why}. To fix it, either connect to the internet and run "
        f"again (torchvision downloads about 12 MB there), copy the four MNIST files into that folder, or point the "
        f"MNIST_ROOT environment variable (or the root= argument) at a folder that already holds MNIST/raw/."
    )


def augment(images, degrees=7.0, shift=2.0, generator=None):
    """Rotate each image by its own random angle in [-degrees, degrees] and shift it by up to `shift` pixels: one
    affine matrix per image (torchvision's transforms would turn a whole batch the same way), resampled at once."""
    n, _, height, width = images.shape
    angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(degrees)
    # affine_grid measures translation in half-widths: one pixel is 2 / width.
    offset = (torch.rand(n, 2, generator=generator) * 2 - 1) * shift * 2 / torch.tensor([width, height])
    cos, sin = angle.cos(), angle.sin()
    theta = torch.stack([torch.stack([cos, -sin, offset[:, 0]], 1), torch.stack([sin, cos, offset[:, 1]], 1)], 1)
    if images.is_cuda:  # drawn on the CPU (the seeded generator); copied without making the host wait for the GPU
        theta = theta.pin_memory()
    grid = F.affine_grid(theta.to(images.device, non_blocking=True), list(images.shape), align_corners=False)
    # Resample around the background value, so pixels that come in from outside the frame are black, not grey.
    moved = F.grid_sample(images - BACKGROUND, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return moved + BACKGROUND


class Batches:
    """Mini-batches of in-memory tensors: every example once per epoch, in an order drawn from a seeded generator.
    `augment` is False, True (the defaults of `augment()`) or a dict of its arguments, e.g. {"degrees": 10}. Each
    batch is augmented as it is served, with the same generator, so the whole stream of batches is fixed by the seed."""

    def __init__(self, images, labels, batch_size=128, shuffle=True, augment=False, seed=0):
        self.images, self.labels = images, labels
        self.batch_size, self.shuffle, self.augment = batch_size, shuffle, augment
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self):
        return math.ceil(len(self.labels) / self.batch_size)

    def __iter__(self):
        n = len(self.labels)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        order = order.to(self.images.device)
        for i in range(len(self)):
            index = order[i * self.batch_size : (i + 1) * self.batch_size]
            images = self.images[index]
            if self.augment:
                options = {} if self.augment is True else self.augment
                images = augment(images, generator=self.generator, **options)
            yield images, self.labels[index]
