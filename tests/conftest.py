import pytest

from helpers import load_mnist, runtime

runtime.SMOKE = False  # before any fixture loads MNIST: the unit tests check the real behaviour (see full_mode)


@pytest.fixture(autouse=True)
def full_mode(monkeypatch):
    """Unit tests check the real behaviour; the root conftest's smoke switch is meant for the notebook kernels."""
    monkeypatch.setattr(runtime, "SMOKE", False)


@pytest.fixture(scope="session")
def mnist_train():
    return load_mnist(train=True)


@pytest.fixture(scope="session")
def mnist_test():
    return load_mnist(train=False)
