import json

import torch

from helpers import compare_studies, format_table, time_to_target, top_confusions
from helpers.runtime import REPO_ROOT
from tools import report


def history(name, params, accs):
    return {"model": name, "params": params, "seed": 1, "device": "cpu", "threads": 1, "torch": "2.x",
            "train_eval_acc": 99.0,
            "epochs": [{"epoch": i + 1, "train_loss": 0.1, "train_acc": 98.0, "test_loss": 0.1, "test_acc": a,
                        "lr": 0.01, "seconds": 10.0 + i} for i, a in enumerate(accs)]}


def test_results_table_quotes_the_last_epoch_of_every_seed_not_the_best(tmp_path):
    (tmp_path / "gap.json").write_text(json.dumps(history("gap", 5000, [99.1, 99.6, 99.45])))
    (tmp_path / "no_relu.json").write_text(json.dumps(history("no_relu", 6_379_786, [98.12])))
    study = {"model": "gap", "params": 5000, "epochs": 3, "runs": [
        {"seed": 1, "final_test_acc": 99.45, "final_train_acc": 99.5}, {"seed": 2, "final_test_acc": 99.41,
                                                                         "final_train_acc": 99.9}]}
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "gap.json").write_text(json.dumps(study))
    (tmp_path / "seeds.json").write_text(json.dumps(study))
    table = report.results_markdown(tmp_path)
    assert "| 5,000 | 3 | 2 | 99.41% / 99.43% / 99.45% | 99.70% | 11.0 |" in table  # train acc: mean of 99.5, 99.9
    assert "| 2 | [02_no_final_relu](notebooks/02_no_final_relu.ipynb) | 6,379,786 | 1 | 1 | 98.12% / 98.12%" in table
    assert "99.60" not in table  # the best epoch of seed 1 (99.6) is never the figure
    assert "min 99.41%, mean 99.43%, max 99.45%" in table


def test_compare_studies_calls_small_differences_inside_the_noise():
    def study(*accs):
        return {"params": 5000, "epochs": 15, "runs": [{"final_test_acc": a} for a in accs]}

    rows = compare_studies({"a": study(99.40, 99.44), "b": study(99.45, 99.47), "c": study(98.9, 99.0)}).splitlines()
    assert rows[2].endswith("inside the noise") and rows[3].endswith("worse")
    against_first = compare_studies({"a": study(99.4), "b": study(99.0), "c": study(99.45)}, against_first=True)
    assert against_first.splitlines()[3].endswith("inside the noise")  # 99.45 against 99.4, not against 99.0


def test_format_table_aligns_text_left_and_numbers_right():
    lines = format_table([{"name": "a", "n": 5}, {"name": "bbb", "n": 12345}]).splitlines()
    assert lines == ["name      n", "a         5", "bbb   12345"]


def test_readme_table_is_the_generated_one():
    readme = (REPO_ROOT / "README.md").read_text()
    block = readme.split(report.START)[1].split(report.END)[0].strip()
    assert block == report.results_markdown(REPO_ROOT / "results").strip()  # not results/smoke: see conftest.py


def test_time_to_target_reports_the_whole_schedule_and_the_first_epoch_at_the_target():
    line = time_to_target(history("gap", 5000, [99.1, 99.45, 99.3, 99.5]))
    assert "the 4-epoch schedule took 0.8 minutes (46 s)" in line  # 10 + 11 + 12 + 13 seconds
    assert "first reached 99.4% at epoch 2, after 0.3 minutes (21 s)" in line and line.endswith("final epoch 99.50%")
    assert "first reached" not in time_to_target(history("gap", 5000, [99.1, 99.2]))


def test_ablation_rows_give_every_seed_and_the_minimum():
    study = {"model": "gap", "seeds": [1, 2], "rows": [
        {"removed": "nothing", "params": 5000, "runs": [{"seed": 1, "final_test_acc": 99.5},
                                                        {"seed": 2, "final_test_acc": 99.42}]},
        {"removed": "dropout", "params": 5000, "runs": [{"seed": 1, "final_test_acc": 99.3},
                                                        {"seed": 2, "final_test_acc": 99.6}]}]}
    rows = report.ablation_rows(study)
    assert rows[0] == {"taken away": "nothing", "params": 5000, "per seed": "99.50 99.42", "min": 99.42,
                       "mean": 99.46, "max": 99.5}
    assert rows[1]["min"] == 99.3 and rows[1]["max"] == 99.6


def test_top_confusions_lists_the_most_frequent_mistakes_first():
    matrix = torch.zeros(10, 10, dtype=torch.long)
    matrix.fill_diagonal_(100)
    matrix[4, 9], matrix[3, 5], matrix[7, 1] = 6, 2, 4
    assert top_confusions(matrix, count=2) == [{"true": 4, "predicted": 9, "times": 6},
                                               {"true": 7, "predicted": 1, "times": 4}]
    assert len(top_confusions(matrix)) == 3  # only real mistakes, never a zero


def test_validation_rows_group_runs_by_what_was_tried(tmp_path):
    runs = [{"note": "A", "params": 5818, "seed": 100, "changes": {}, "final_val_acc": 99.3},  # the old baseline
            {"note": "A", "params": 5818, "seed": 101, "changes": {}, "final_val_acc": 99.2,
             "recipe": {"batch_size": 128, "max_lr": 0.1}},  # the same recipe, recorded whole
            {"note": "A", "params": 5818, "seed": 100, "changes": {"max_lr": 0.2}, "final_val_acc": 99.4}]
    (tmp_path / "validation.jsonl").write_text("".join(json.dumps(run) + "\n" for run in runs))
    rows = report.validation_rows(tmp_path / "validation.jsonl")
    assert [(r["seeds"], r["mean"], r["min"]) for r in rows] == [("100, 101", 99.25, 99.2), ("100", 99.4, 99.4)]
    assert (rows[0]["batch"], rows[0]["lr"], rows[1]["lr"], rows[1]["changes"]) == (128, 0.1, 0.2, "")


def test_a_note_with_a_pipe_does_not_break_the_validation_table(tmp_path):
    runs = [{"note": "A: widths 8 | 1x1 to 8", "params": 5818, "seed": 100, "changes": {}, "final_val_acc": 99.3}]
    (tmp_path / "validation.jsonl").write_text(json.dumps(runs[0]) + "\n")
    row = [line for line in report.results_markdown(tmp_path).splitlines() if line.startswith("| A: widths")][0]
    assert row.count("|") == 9  # eight cells, like the header "| tried | ... | min |"
