import json

from tools import validation


def runs(note, seeds_accs, **extra):
    return [{"note": note, "params": 5818, "seed": s, "changes": {}, "final_val_acc": a, **extra}
            for s, a in seeds_accs]


def test_the_record_groups_runs_by_what_was_tried(tmp_path):
    record = (runs("A: base", [(100, 99.3)]) + runs("A: base", [(101, 99.2)], recipe={"batch_size": 128, "max_lr": 0.1})
              + [{**runs("A: base", [(100, 99.4)])[0], "changes": {"max_lr": 0.2}}])
    (tmp_path / "v.jsonl").write_text("".join(json.dumps(run) + "\n" for run in record))
    rows = validation.grouped_runs(validation.load_record(tmp_path / "v.jsonl"))
    assert [(r["seeds"], r["mean"], r["min"]) for r in rows] == [("100, 101", "99.25", "99.20"),
                                                                  ("100", "99.40", "99.40")]
    assert (rows[0]["batch"], rows[0]["peak lr"], rows[1]["peak lr"]) == (128, 0.1, 0.2)


def test_each_choice_is_judged_on_the_seeds_both_arms_share():
    record = (runs("base", [(100, 99.30), (101, 99.28), (102, 99.31)])
              + runs("variant", [(100, 99.40), (101, 99.40), (102, 99.42), (103, 10.0)])
              + runs("elsewhere", [(104, 99.0)]))
    rows = validation.judged_choices(record, [("q", ["base"], ["variant"]), ("r", ["base"], ["elsewhere"])])
    assert rows[0]["differences"] == "+0.10 +0.12 +0.11" and rows[0]["verdict"] == "better"  # seed 103 has no pair
    assert rows[1]["verdict"] == "no seed in common: cannot be paired"
    assert validation.collapsed_runs(record)[0]["seed"] == 103


def test_every_choice_names_arms_that_exist_in_the_committed_record():
    record = validation.load_record()
    for question, before, after in validation.CHOICES:
        assert validation.arm(record, before) and validation.arm(record, after), question


def test_every_run_of_the_committed_record_has_a_plain_label_and_a_question():
    record = validation.load_record()
    assert validation.unlabelled(record) == []
    rows = validation.judged_record(record)
    assert sum(len(row["seeds"].split(", ")) for row in rows) == len(record)  # each run in exactly one arm
    assert not any("_" in row["tried"] for row in rows)  # no internal run names such as A_R_do05b2


def test_each_arm_is_judged_against_its_baseline_on_shared_seeds_only():
    record = (runs("base", [(100, 99.30), (101, 99.28), (102, 99.31)])
              + runs("variant", [(100, 99.40), (101, 99.40), (102, 99.42), (103, 10.0)])
              + runs("elsewhere", [(104, 99.0)]))
    questions = [("q", [("the baseline", ["base"], None), ("a variant", ["variant"], "the baseline"),
                        ("unpaired", ["elsewhere"], "the baseline")])]
    rows = validation.judged_record(record, questions)
    assert [row["verdict"] for row in rows] == ["baseline", "better", "no seed in common: cannot be paired"]
    assert round(rows[1]["change"], 2) == 0.11 and rows[1]["seeds"] == "100, 101, 102, 103"
    assert validation.unlabelled(record, questions) == []
    assert validation.unlabelled(record + runs("stray", [(100, 99.0)]), questions) == ["stray"]
