import json

from helpers import format_table, report
from helpers.runtime import REPO_ROOT


def history(name, params, accs):
    return {"model": name, "params": params, "seed": 1, "device": "cpu", "torch": "2.x",
            "epochs": [{"epoch": i + 1, "train_loss": 0.1, "train_acc": 98.0, "test_loss": 0.1, "test_acc": a,
                        "lr": 0.01, "seconds": 10.0 + i} for i, a in enumerate(accs)]}


def test_results_table_quotes_the_last_epoch_not_the_best(tmp_path):
    (tmp_path / "gap.json").write_text(json.dumps(history("gap", 5000, [99.1, 99.6, 99.45])))
    (tmp_path / "seeds.json").write_text(json.dumps({"model": "gap", "params": 5000, "epochs": 3, "runs": [
        {"seed": 1, "final_test_acc": 99.45}, {"seed": 2, "final_test_acc": 99.41}]}))
    table = report.results_markdown(tmp_path)
    assert "| 6 | [06_gap](notebooks/06_gap.ipynb) | 5,000 | 99.45% |" in table and "99.60" not in table
    assert "| 11.0 |" in table  # mean seconds per epoch
    assert "min 99.41%, mean 99.43%, max 99.45%" in table


def test_format_table_aligns_text_left_and_numbers_right():
    lines = format_table([{"name": "a", "n": 5}, {"name": "bbb", "n": 12345}]).splitlines()
    assert lines == ["name      n", "a         5", "bbb   12345"]


def test_readme_table_is_the_generated_one():
    readme = (REPO_ROOT / "README.md").read_text()
    block = readme.split(report.START)[1].split(report.END)[0].strip()
    assert block == report.results_markdown(REPO_ROOT / "results").strip()  # not results/smoke: see conftest.py
