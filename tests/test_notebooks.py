"""The committed notebooks: the six steps, the capstone and the appendix, Colab-ready, with a full run's outputs."""

import json
import re

import pytest

from helpers.models import MODELS
from helpers.runtime import REPO_ROOT
from tools import colab

STEMS = ["01_bad_network", "02_no_final_relu", "03_new_architecture", "03b_training_recipe", "04_batch_norm",
         "05_dropout", "06_gap", "07_capstone", "08_how_we_know"]
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))


def code_cells(path):
    cells = json.loads(path.read_text())["cells"]
    return [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def test_the_six_steps_the_capstone_and_the_appendix_are_there():
    assert [p.stem for p in NOTEBOOKS] == STEMS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_badge_and_install_cell_come_from_helpers_colab(path):
    cells = json.loads(path.read_text())["cells"]
    assert "".join(cells[0]["source"]) == colab.badge_source(path.stem)
    assert "".join(cells[1]["source"]) == colab.install_source()
    assert colab.REPOSITORY in colab.install_source()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_outputs_come_from_a_clean_full_run(path):
    cells = code_cells(path)
    assert [c["execution_count"] for c in cells] == list(range(1, len(cells) + 1))
    for cell in cells:
        for out in cell["outputs"]:
            assert out["output_type"] != "error", out.get("evalue")
            text = "".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", ""))
            # Smoke output, not the printed source of the function that prints it (notebook 3 shows that code).
            assert not re.search(r"SMOKE MODE: (?!\{)", text), text[:200]
            assert not re.search(r"(/work/|/tmp/|/root/|/home/)", text), text[:200]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_series_networks_live_in_helpers_models_alone(path):
    """A notebook may define code (a network of its own, a picture), but the step networks have one source."""
    steps = {cls.__name__ for cls, _ in MODELS.values()}
    for cell in code_cells(path):
        defined = set(re.findall(r"^\s*class (\w+)", "".join(cell["source"]), flags=re.M))
        assert not defined & steps, defined & steps


def test_notebook_one_shows_the_training_loop_before_it_first_trains():
    sources = [("".join(c["source"])) for c in code_cells(REPO_ROOT / "notebooks" / "01_bad_network.ipynb")]
    shown = next(i for i, s in enumerate(sources) if "h.show_code(h.fit)" in s)
    trained = next(i for i, s in enumerate(sources) if "h.train_with_recipe(" in s)
    assert "h.show_code(h.train_one_epoch)" in sources[shown] and shown < trained


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_figures_render_in_colab_too(path):
    """A markdown image with a relative path shows on GitHub, not in Colab (which opens the notebook alone); an
    absolute URL breaks on every fork. Figures are drawn by code cells instead."""
    cells = json.loads(path.read_text())["cells"]
    for cell in cells:
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"])
            assert not re.search(r"!\[[^\]]*\]\((?!https?:|data:|attachment:)", source), source[:200]
            assert not re.search(r"<img[^>]*src=[\"'](?!https?:|data:)", source), source[:200]


def test_notebooks_three_to_six_show_the_code_diff_of_their_step():
    pairs = {"03_new_architecture": 'show_code("new_arch")', "04_batch_norm": 'show_diff("new_arch", "batchnorm")',
             "05_dropout": 'show_diff("batchnorm", "dropout")', "06_gap": 'show_diff("dropout", "gap")'}
    for stem, call in pairs.items():
        sources = "".join("".join(c["source"]) for c in code_cells(REPO_ROOT / "notebooks" / f"{stem}.ipynb"))
        assert call in sources, stem


def sources(stem):
    return "".join("".join(c["source"]) for c in code_cells(REPO_ROOT / "notebooks" / f"{stem}.ipynb"))


def test_notebooks_one_and_three_to_six_show_a_torchsummary_table():
    for stem in ["01_bad_network", "03_new_architecture", "04_batch_norm", "05_dropout", "06_gap"]:
        assert "h.summary(" in sources(stem), stem


def test_notebooks_four_to_six_judge_their_step_with_the_paired_rule():
    for stem, pair in {"04_batch_norm": '"3 new_arch": previous, "4 batchnorm": study',
                       "05_dropout": '"4 batchnorm": previous, "5 dropout": study',
                       "06_gap": '"5 dropout": previous, "6 gap": study'}.items():
        assert "h.change_text(h.compare(previous, study))" in sources(stem) and pair in sources(stem), stem


@pytest.mark.parametrize("path", [*NOTEBOOKS, REPO_ROOT / "README.md"], ids=lambda p: p.name)
def test_no_text_uses_the_old_lenient_rule(path):
    """Verdicts come from helpers.stats alone; the old "inside the noise" rule must not survive anywhere."""
    assert "inside the noise" not in path.read_text().lower()


def test_every_name_helpers_exports_is_used_by_a_notebook_or_a_tool():
    """No dead code: what `import helpers as h` offers, something of the series calls."""
    import helpers

    used = "".join(sources(p.stem) for p in NOTEBOOKS) + "".join(
        p.read_text() for p in (REPO_ROOT / "tools").glob("*.py"))
    exported = [name for name in vars(helpers) if not name.startswith("_") and name not in {
        "data", "diagnostics", "models", "pictures", "plots", "receptive_field", "runtime", "stats", "train"}]
    assert [name for name in exported if not re.search(rf"\b{name}\b", used)] == []
