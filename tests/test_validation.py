from tools import validation


def runs(note, seeds_accs, **extra):
    return [{"note": note, "params": 5818, "seed": s, "changes": {}, "final_val_acc": a, **extra}
            for s, a in seeds_accs]


def test_every_run_of_the_committed_record_has_a_plain_label_and_a_question():
    record = validation.load_record()
    assert validation.unlabelled(record) == []
    rows = validation.judged_record(record)
    assert sum(len(row["seeds"].split(", ")) for row in rows) == len(record)  # each run in exactly one arm
    assert not any("_" in row["tried"] for row in rows)  # no internal run names such as A_R_do05b2


def test_the_collapsed_step_3_run_is_the_history_git_holds():
    run = validation.collapsed_run()
    accs = [round(e["test_acc"], 2) for e in run["history"]["epochs"]]
    assert "4da2ca6^" in run["source"] and accs[:4] == [96.82, 95.58, 9.74, 11.35]
    assert run["history"]["recipe"]["clip_grad_norm"] is None


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


def test_the_whole_record_prints_every_run_under_its_question():
    record = validation.load_record()
    text = validation.record_tables(record)
    assert all(f"{run['seed']}: {run['final_val_acc']:.2f}" in text for run in record)
    assert all(question in text for question, _ in validation.QUESTIONS)


def test_the_summary_for_learners_lists_exactly_the_variants_the_rule_could_judge():
    record = validation.load_record()
    text = validation.judged_summary(record)
    judged = [row for row in validation.judged_record(record) if len(row["differences"]) >= 3]
    assert f"{len(judged)} judged (three or more shared seeds)" in text
    table = text.split("The variants the rule judged:")[1]
    assert len(table.strip().splitlines()) == len(judged) + 1  # a header, then one line per judged variant
    assert all(row["tried"] in table for row in judged)


def test_the_pool_after_conv2_variant_is_the_capstone_with_its_pool_moved():
    import torch

    from helpers.models import count_params, get_model
    from tools.variants import VARIANTS

    net, capstone = VARIANTS["final_pool_after_conv2"](), get_model("final")
    net.load_state_dict(capstone.state_dict())  # the same layers, so the capstone's weights fit it
    assert count_params(net) == count_params(capstone) == 5818
    shapes = {}
    for name in ("conv3", "conv6"):
        getattr(net, name).register_forward_hook(lambda m, i, o, name=name: shapes.update({name: tuple(o.shape[2:])}))
    net.eval()
    assert net(torch.zeros(1, 1, 28, 28)).shape == (1, 10)
    assert shapes == {"conv3": (10, 10), "conv6": (4, 4)}  # the capstone's: 22x22 and 5x5
