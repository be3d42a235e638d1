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
    assert result["verdict"] == "no difference shown (interval -0.01 to +0.14)"


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
    assert result["verdict"].startswith("no verdict")  # an interval, but two pairs are too few to judge
    one = stats.paired_comparison({1: 29.0}, {1: 98.0})
    assert math.isnan(one["low"]) and one["verdict"].startswith("no verdict")
    with pytest.raises(ValueError, match="No seed in common"):
        stats.paired_comparison({1: 99.0}, {2: 99.0})


def test_equal_differences_on_two_seeds_do_not_pass_for_certainty():
    result = stats.paired_comparison({100: 99.43, 101: 99.39}, {100: 99.34, 101: 99.30})
    assert result["low"] == pytest.approx(result["high"]) and result["verdict"].startswith("no verdict")


def test_change_text_and_the_table_use_the_same_verdict():
    before = {"params": 100, "epochs": 15, "runs": [{"seed": s, "final_test_acc": 99.0} for s in (1, 2, 3)]}
    after = {"params": 100, "epochs": 15, "runs": [{"seed": s, "final_test_acc": a}
                                                    for s, a in ((1, 99.5), (2, 99.6), (3, 99.55))]}
    text = stats.change_text(stats.compare(before, after))
    assert text.startswith("+0.55 points (95% interval") and text.endswith("3 paired seeds): better")
    assert compare_studies({"a": before, "b": after}).splitlines()[2].endswith("better")
