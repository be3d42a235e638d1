"""The committed notebooks: the story's six, Colab-ready, and carrying the outputs of a full run."""

import json
import re

import pytest

from tools import colab
from helpers.runtime import REPO_ROOT

STEMS = ["01_bad_network", "02_no_final_relu", "03_new_architecture", "04_batch_norm", "05_dropout", "06_gap",
         "07_ablation"]
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))


def code_cells(path):
    cells = json.loads(path.read_text())["cells"]
    return [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def test_the_six_steps_and_the_optional_ablation_are_there():
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
            assert "SMOKE MODE" not in text
            assert not re.search(r"(/work/|/tmp/|/root/|/home/)", text), text[:200]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_call_helpers_instead_of_defining_code(path):
    for cell in code_cells(path)[1:]:  # the install cell aside
        source = "".join(cell["source"])
        assert not re.search(r"^\s*(def|class) ", source, flags=re.M), source[:200]
