import urllib.error

import pytest
import torch
import torchvision

from helpers.data import Batches, augment, load_mnist
from helpers.data import BACKGROUND, MEAN, STD
from helpers.runtime import REPO_ROOT


def test_splits_have_mnist_shapes_and_labels(mnist_train, mnist_test):
    (x, y), (xt, yt) = mnist_train, mnist_test
    assert x.shape == (60_000, 1, 28, 28) and xt.shape == (10_000, 1, 28, 28)
    assert x.dtype == torch.float32 and y.dtype == torch.int64
    assert torch.bincount(y).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert torch.bincount(yt).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_training_images_are_normalized_with_the_published_statistics(mnist_train, mnist_test):
    x, _ = mnist_train
    assert abs(x.mean().item()) < 1e-3 and abs(x.std().item() - 1) < 1e-3
    assert x.min().item() == pytest.approx(BACKGROUND) and x.max().item() == pytest.approx((1 - MEAN) / STD)
    assert abs(mnist_test[0].mean().item()) < 0.05  # the test split, normalized with the training statistics


def test_the_data_folder_is_the_argument_then_the_environment_then_the_repository(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_ROOT", str(tmp_path / "env"))
    for root, folder in ((tmp_path / "arg", tmp_path / "arg"), (None, tmp_path / "env")):
        with pytest.raises(FileNotFoundError, match=str(folder / "MNIST" / "raw")):
            load_mnist(train=False, root=root, download=False)
    monkeypatch.delenv("MNIST_ROOT")
    with pytest.raises(FileNotFoundError, match=str(REPO_ROOT / "data" / "MNIST" / "raw")):
        load_mnist(train=False, download=False)


def test_missing_data_without_download_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="MNIST_ROOT") as error:
        load_mnist(train=False, root=tmp_path, download=False)
    assert str(tmp_path / "MNIST" / "raw") in str(error.value)


def test_missing_data_with_no_network_says_how_to_fix_it(tmp_path, monkeypatch):
    def no_network(self):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(torchvision.datasets.MNIST, "download", no_network)
    with pytest.raises(FileNotFoundError, match="downloading failed.*no network") as error:
        load_mnist(train=True, root=tmp_path)
    assert str(tmp_path / "MNIST" / "raw") in str(error.value) and "connect to the internet" in str(error.value)


def test_batches_cover_every_example_once_per_epoch_in_a_seeded_order():
    labels = torch.arange(1000)
    images = torch.zeros(1000, 1, 28, 28)
    batches = Batches(images, labels, batch_size=128, seed=3)
    assert len(batches) == 8  # 7 full batches and one of 104
    first = [y for _, y in batches]
    second = torch.cat([y for _, y in batches])
    assert [len(y) for y in first] == [128] * 7 + [104]
    assert torch.cat(first).sort().values.equal(labels) and second.sort().values.equal(labels)
    assert not torch.cat(first).equal(second)  # a new order every epoch
    assert torch.cat([y for _, y in Batches(images, labels, batch_size=128, seed=3)]).equal(torch.cat(first))
    assert torch.cat([y for _, y in Batches(images, labels, shuffle=False)]).equal(labels)


def test_augmented_batches_keep_shapes_and_labels_and_change_pixels(mnist_train):
    x, y = mnist_train[0][:512], mnist_train[1][:512]
    plain = list(Batches(x, y, batch_size=128, seed=0))
    augmented = list(Batches(x, y, batch_size=128, seed=0, augment=True))
    for (a, la), (b, lb) in zip(plain, augmented):
        assert a.shape == b.shape and la.equal(lb)
        changed = (a - b).abs().flatten(1).amax(dim=1) > 0.5
        assert changed.float().mean() > 0.9  # nearly every image moved


def test_each_image_gets_its_own_rotation_and_the_background_stays_black(mnist_train):
    digit = mnist_train[0][:1].repeat(64, 1, 1, 1)
    out = augment(digit, degrees=15, shift=2, generator=torch.Generator().manual_seed(0))
    distinct = {tuple(img.flatten()[::7].round(decimals=3).tolist()) for img in out}
    assert len(distinct) == 64
    assert torch.allclose(out[:, :, 0, :], torch.full_like(out[:, :, 0, :], BACKGROUND), atol=1e-5)  # top row
    assert torch.allclose(augment(digit, degrees=0, shift=0), digit, atol=1e-5)
