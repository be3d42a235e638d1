import json


from helpers import compare_studies, format_table
from helpers.runtime import REPO_ROOT
from tools import report, scorecard


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
    table = report.results_markdown(tmp_path)
    assert "| 5,000 | 3 | 2 | 99.41% / 99.43% / 99.45% | 99.70% |" in table  # train acc: mean of 99.5, 99.9
    assert "| 2 | [02_no_final_relu](notebooks/02_no_final_relu.ipynb) | 6,379,786 | 1 | 1 | 98.12% / 98.12%" in table
    assert "99.60" not in table  # the best epoch of seed 1 (99.6) is never the figure


def test_compare_studies_pairs_seeds_and_judges_each_row_against_the_one_before():
    def study(*accs):
        return {"params": 5000, "epochs": 15, "runs": [{"seed": s, "final_test_acc": a} for s, a in enumerate(accs, 1)]}

    rows = compare_studies({"a": study(99.40, 99.44, 99.42), "b": study(99.45, 99.43, 99.50),
                            "c": study(98.9, 99.0, 98.95)}).splitlines()
    assert rows[2].endswith("no difference shown") and rows[3].endswith("worse")
    against_first = compare_studies({"a": study(99.4, 99.5, 99.45), "b": study(99.0, 99.1, 99.0),
                                     "c": study(99.6, 99.7, 99.64)}, against_first=True)
    assert against_first.splitlines()[3].endswith("better")  # against 99.4.., not against 99.0..
    one_epoch = {"params": 6_379_786, "epochs": 1, "runs": [{"seed": 1, "final_test_acc": 98.12}]}
    unlike = compare_studies({"2 no_relu": one_epoch, "3 new_arch": study(99.4, 99.5, 99.45)}).splitlines()
    assert unlike[2].endswith("not paired: they differ in the epochs: 1 against 15")  # more than one change apart


def test_format_table_aligns_text_left_and_numbers_right():
    lines = format_table([{"name": "a", "n": 5}, {"name": "bbb", "n": 12345}]).splitlines()
    assert lines == ["name      n", "a         5", "bbb   12345"]


def test_readme_table_is_the_generated_one():
    readme = (REPO_ROOT / "README.md").read_text()
    block = readme.split(report.START)[1].split(report.END)[0].strip()
    assert block == report.results_markdown(REPO_ROOT / "results").strip()  # not results/smoke: see conftest.py


def test_the_scorecard_is_generated_from_saved_studies(tmp_path):
    def study(name, params, accs, by_epoch=None):
        return {"model": name, "params": params, "epochs": 3, "runs": [
            {"seed": s, "final_test_acc": a, "final_train_acc": 99.9, "seconds": 30.0,
             "test_acc_by_epoch": (by_epoch or [98.0, 99.0])[: 2] + [a]} for s, a in enumerate(accs, 1)]}

    (tmp_path / "seeds").mkdir()
    for name, params, accs in [("new_arch", 12090, (99.4, 99.5, 99.45)), ("new_arch_plain", 12090, (99.0, 99.1, 99.0)),
                               ("batchnorm", 12178, (99.5, 99.5, 99.6))]:
        (tmp_path / "seeds" / f"{name}.json").write_text(json.dumps(study(name, params, accs, [99.0, 99.45])))
    (tmp_path / "epoch_seconds.json").write_text(json.dumps({"seconds": {"new_arch": 19.96}}))
    rows = scorecard.scorecard_rows(tmp_path)
    assert [row["step"] for row in rows] == ["3b new_arch, recipe", "4 batchnorm"]
    assert rows[0]["test acc: mean +- SD"] == "99.45 +- 0.05" and rows[0]["s / epoch"] == "20.0 (1 thread)"
    assert rows[0]["payoff"].startswith("the recipe against plain training: +0.42 points")
    assert rows[0]["payoff"].endswith("better") and rows[1]["payoff"] == ""  # no two-convs nor bold studies saved
    assert rows[1]["change against the previous step"].endswith("no difference shown")
    assert rows[0]["mean first >= 99.4%"] == "epoch 2"  # the mean of the epoch-2 figures is 99.45
    assert "| 3b new_arch, recipe | 12,090 |" in scorecard.scorecard_markdown(tmp_path)


def test_the_scorecard_ends_with_the_capstone_judged_against_step_6_and_never_pairs_unlike_trainings(tmp_path):
    def study(name, params, accs, epochs=15):
        return {"model": name, "params": params, "epochs": epochs, "runs": [
            {"seed": s, "final_test_acc": a, "final_train_acc": 99.9, "seconds": 30.0,
             "test_acc_by_epoch": [99.0] * (epochs - 1) + [a]} for s, a in enumerate(accs, 1)]}

    (tmp_path / "seeds").mkdir()
    saved = {"dropout": study("dropout", 12178, (99.5, 99.5, 99.6)), "gap": study("gap", 8338, (99.4, 99.5, 99.45)),
             "gap_final_recipe": study("gap", 8338, (99.5, 99.6, 99.55)), "final": study("final", 5818, (99.45,) * 3),
             "new_arch": study("new_arch", 12090, (99.4, 99.5, 99.45))}
    for name, content in saved.items():
        (tmp_path / "seeds" / f"{name}.json").write_text(json.dumps(content))
    (tmp_path / "no_relu.json").write_text(json.dumps(history("no_relu", 6_379_786, [98.12])))
    rows = {row["step"]: row for row in scorecard.scorecard_rows(tmp_path)}
    assert list(rows) == ["2 no_relu", "3b new_arch, recipe", "5 dropout", "6 gap", "7 capstone"]
    recipe_row = rows["3b new_arch, recipe"]
    assert recipe_row["change against the previous step"].startswith("not compared (1 epoch(s) against 15")
    assert rows["2 no_relu"]["mean first >= 99.4%"] == "never (1 epoch)"
    assert rows["2 no_relu"]["test acc: mean +- SD"] == "98.12 (one seed)"
    capstone = rows["7 capstone"]
    assert capstone["change against the previous step"].startswith("+0.00 points")  # 99.45 against 99.4/99.5/99.45
    assert capstone["payoff"].startswith("parameters 8,338 -> 5,818; the bold recipe alone, on step 6's network: "
                                         "+0.10 points")


def test_the_readme_no_longer_carries_the_validation_table_but_points_to_the_appendix():
    readme = (REPO_ROOT / "README.md").read_text()
    assert "| tried | parameters | batch |" not in readme
    assert "notebooks/08_how_we_know.ipynb" in readme


def test_a_verdict_that_only_just_clears_zero_is_called_thin():
    def study(accs):
        return {"params": 1, "epochs": 15, "runs": [{"seed": s, "final_test_acc": a} for s, a in enumerate(accs, 1)]}

    # differences 0.10, 0.05, 0.05, 0.10, 0.05 (step 4's shape): mean 0.07, the lower end just above zero
    thin = scorecard.verdict_text(scorecard.compare(study([99.0] * 5), study([99.10, 99.05, 99.05, 99.10, 99.05])))
    assert "better (thin: the interval ends +0.0" in thin
    clear = scorecard.verdict_text(scorecard.compare(study([99.0] * 5), study([99.5, 99.6, 99.55, 99.5, 99.6])))
    assert clear.endswith("5 paired seeds): better")


def test_the_maintainers_scorecard_is_the_generated_one_and_the_readme_stays_short():
    page = (REPO_ROOT / "docs" / "maintaining.md").read_text()
    block = page.split(report.CARD_START)[1].split(report.CARD_END)[0].strip()
    assert block == report.scorecard_block(REPO_ROOT / "results").strip() and "| 6 gap | 8,338 |" in block
    readme = (REPO_ROOT / "README.md").read_text()
    assert len(readme.split()) <= 1500 and len(readme.split("## Run it")[0].split()) <= 800
    assert "docs/maintaining.md" in readme
