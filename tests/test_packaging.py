"""What `pip install -e .` asks for: nothing that Colab's runtime pins otherwise, and floors that the code needs."""

from importlib import metadata

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from helpers.runtime import REPO_ROOT

# Colab's runtime, for the packages we share with it: google-colab requires ipython==7.34.0, and the runtime runs
# Python 3.12. Installing the package must leave both as they are (pip would otherwise upgrade IPython under the
# running kernel).
COLAB_PINS = {"ipython": "7.34.0"}
COLAB_PYTHON = "3.12"


def requirements():
    return [Requirement(r) for r in metadata.requires("mnist-99-4-helpers") or []]


def test_the_installed_metadata_is_the_pyproject_of_this_checkout():
    assert metadata.version("mnist-99-4-helpers") in (REPO_ROOT / "pyproject.toml").read_text()
    assert {r.name for r in requirements()} >= {"torch", "torchvision", "scipy", "torchsummary"}


def test_every_requirement_admits_what_colab_pins_and_its_python():
    for requirement in requirements():
        pinned = COLAB_PINS.get(requirement.name.lower())
        assert pinned is None or requirement.specifier.contains(pinned), (requirement, pinned)
    assert SpecifierSet(metadata.metadata("mnist-99-4-helpers")["Requires-Python"]).contains(COLAB_PYTHON)


def test_the_floors_say_what_the_code_needs():
    """statistics.correlation is Python 3.10+; ttest_ind(...).confidence_interval is scipy 1.11+ (the appendix)."""
    python = SpecifierSet(metadata.metadata("mnist-99-4-helpers")["Requires-Python"])
    assert python.contains("3.10") and not python.contains("3.9")
    scipy = next(r for r in requirements() if r.name == "scipy").specifier
    assert scipy.contains("1.11.0") and not scipy.contains("1.10.1")
