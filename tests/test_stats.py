"""The one comparison rule, checked on numbers worked out by hand."""

import math
import statistics

import pytest

from helpers import compare_studies, stats


def test_the_interval_is_the_mean_plus_minus_t_975_times_the_standard_error():
    # t(0.975, n - 1) from any statistics table: 12.706, 4.303, 2.776, 2.262, 2.045 for n = 2, 3, 5, 10, 30 pairs
    for n, t in {2: 12.706, 3: 4.303, 5: 2.776, 10: 2.262, 30: 2.045}.items():
        differences = [0.1 * (k % 2) for k in range(n)]  # 0, 0.1, 0, 0.1, ...
        result = stats.paired_comparison({s: 99.0 for s in range(n)}, {s: 99.0 + d for s, d in enumerate(differences)})
        standard_error = statistics.stdev(differences) / math.sqrt(n)
        assert (result["high"] - result["mean"]) / standard_error == pytest.approx(t, abs=5e-4)
        assert result["mean"] - result["low"] == pytest.approx(result["high"] - result["mean"])


def test_a_hand_computed_paired_interval():
    # differences 0.10, 0.05, 0.05: mean 0.0667, SD 0.02887, SE 0.01667, t(0.975, 2) = 4.3027 -> +-0.0717
    result = stats.paired_comparison({1: 99.40, 2: 99.50, 3: 99.45}, {1: 99.50, 2: 99.55, 3: 99.50})
    assert result["seeds"] == [1, 2, 3]
    assert result["mean"] == pytest.approx(0.0667, abs=1e-4)
    assert result["low"] == pytest.approx(-0.0050, abs=1e-4) and result["high"] == pytest.approx(0.1384, abs=1e-4)
    assert result["verdict"] == "no difference shown" and result["reason"] == ""


def test_better_and_worse_only_when_the_interval_excludes_zero():
    # differences 0.2, 0.3, 0.25, 0.3, 0.2: mean 0.25, SD 0.05, SE 0.02236, t(0.975, 4) = 2.7764 -> 0.188 to 0.312
    before = {s: 99.0 for s in range(1, 6)}
    after = {1: 99.2, 2: 99.3, 3: 99.25, 4: 99.3, 5: 99.2}
    better = stats.paired_comparison(before, after)
    assert better["low"] == pytest.approx(0.1879, abs=1e-3) and better["verdict"] == "better"
    assert stats.paired_comparison(after, before)["verdict"] == "worse"


def test_only_shared_seeds_pair_and_too_few_pairs_give_no_verdict():
    result = stats.paired_comparison({1: 99.0, 2: 99.1, 3: 99.0}, {2: 99.3, 3: 99.3, 7: 50.0})
    assert result["seeds"] == [2, 3] and result["differences"] == pytest.approx([0.2, 0.3])
    assert result["verdict"] == "no verdict"  # an interval, but two pairs are too few to judge
    assert result["reason"] == "fewer than 3 seeds" and result["low"] < result["high"]
    one = stats.paired_comparison({1: 29.0}, {1: 98.0})
    assert math.isnan(one["low"]) and one["verdict"] == "no verdict" and one["reason"] == "one seed, so no interval"
    with pytest.raises(ValueError, match="No seed in common"):
        stats.paired_comparison({1: 99.0}, {2: 99.0})


def test_equal_differences_on_two_seeds_do_not_pass_for_certainty():
    result = stats.paired_comparison({100: 99.43, 101: 99.39}, {100: 99.34, 101: 99.30})
    assert result["low"] == pytest.approx(result["high"]) and result["verdict"] == "no verdict"


def test_change_text_and_the_table_use_the_same_verdict():
    before = {"params": 100, "epochs": 15, "runs": [{"seed": s, "final_test_acc": 99.0} for s in (1, 2, 3)]}
    after = {"params": 100, "epochs": 15, "runs": [{"seed": s, "final_test_acc": a}
                                                    for s, a in ((1, 99.5), (2, 99.6), (3, 99.55))]}
    text = stats.change_text(stats.compare(before, after))
    assert text.startswith("+0.55 points (95% interval") and text.endswith("3 paired seeds): better")
    assert compare_studies({"a": before, "b": after}).splitlines()[2].endswith("better")


def test_the_verdict_is_one_of_four_words_and_the_text_says_the_rest():
    cases = {1: "no verdict", 2: "no verdict", 3: "no difference shown"}
    for n, word in cases.items():
        result = stats.paired_comparison({s: 99.0 for s in range(n)}, {s: 99.0 + 0.1 * (s % 2) for s in range(n)})
        assert result["verdict"] == word and result["verdict"] in stats.VERDICTS
    assert {stats.paired_comparison({1: 1, 2: 1, 3: 1}, {1: a, 2: a + 0.1, 3: a})["verdict"] for a in (2, 0)} == {
        "better", "worse"}
    assert stats.change_text(stats.paired_comparison({1: 99.0}, {1: 99.2})) == (
        "+0.20 points (seed 1): no verdict (one seed, so no interval)")
    two = stats.change_text(stats.paired_comparison({1: 99.0, 2: 99.0}, {1: 99.2, 2: 99.3}))
    assert two.startswith("+0.25 points (95% interval")
    assert two.endswith("2 paired seeds): no verdict (fewer than 3 seeds)")


def study(split="test", n_train=None, epochs=15, accs=(99.0, 99.1, 99.2)):
    return {"params": 1, "epochs": epochs, "split": split, "n_train": n_train,
            "runs": [{"seed": s, "final_test_acc": a} for s, a in enumerate(accs, 1)]}


@pytest.mark.parametrize("other, why", [(study(split="validation"), "split"), (study(n_train=5000), "n_train"),
                                        (study(epochs=19), "epochs")])
def test_unlike_studies_are_refused_by_compare_and_left_unpaired_in_the_table(other, why):
    with pytest.raises(ValueError, match=f"cannot be paired: they differ in .*{why}"):
        stats.compare(study(), other)
    assert "not paired: they differ in" in compare_studies({"a": study(), "b": other}).splitlines()[2]
    older = {k: v for k, v in study().items() if k not in ("split", "n_train")}  # saved before studies said so
    assert stats.compare(older, study())["verdict"] == "no difference shown"


def test_a_change_of_length_is_paired_when_named_and_nothing_else_is_let_through():
    longer = study(epochs=19, accs=(99.1, 99.2, 99.3))
    assert stats.compare(study(), longer, changed=("epochs",))["differences"] == pytest.approx([0.1, 0.1, 0.1])
    assert "+0.10 (3 seeds)" in compare_studies({"a": study(), "b": longer}, changed=("epochs",))
    with pytest.raises(ValueError, match="they differ in the split"):
        stats.compare(study(), study(split="validation", epochs=19), changed=("epochs",))
