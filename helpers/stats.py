"""The one rule that judges every comparison in the series: paired seeds, a mean difference, its 95% t interval.
Runs with the same seed start from the same random state and are measured on the same images: the noise of their
difference is the spread of the per-seed differences, not the noise of either accuracy."""

import math
import statistics

from scipy import stats as scipy_stats

# Fewer pairs give no verdict: with one or two differences the interval's width rests on a spread that can be zero by
# chance (two equal differences, or values rounded alike), and then any mean would look certain.
MIN_PAIRS = 3
VERDICTS = ("better", "worse", "no difference shown", "no verdict")


def paired_comparison(before, after, confidence=0.95):
    """Compare results measured on the same seeds: `before` and `after` map seed -> value; only shared seeds pair.
    Returns the seeds, the per-seed differences (after - before), their mean, the interval of the mean from the t
    distribution (low, high; NaN from one pair), the verdict, one of VERDICTS ("better" or "worse" only when the
    interval excludes zero, from MIN_PAIRS pairs up), and the reason when the verdict is "no verdict"."""
    seeds = sorted(set(before) & set(after))
    if not seeds:
        raise ValueError(f"No seed in common: before has {sorted(before)}, after has {sorted(after)}; pair the runs "
                         "by training both with the same seeds.")
    differences = [after[s] - before[s] for s in seeds]
    n, mean = len(differences), statistics.mean(differences)
    low = high = math.nan
    if n > 1:
        standard_error = statistics.stdev(differences) / math.sqrt(n)
        half = scipy_stats.t.ppf(1 - (1 - confidence) / 2, n - 1) * standard_error
        low, high = mean - half, mean + half
    if n < MIN_PAIRS:
        verdict, reason = "no verdict", "one seed, so no interval" if n == 1 else f"fewer than {MIN_PAIRS} seeds"
    else:
        verdict, reason = "better" if low > 0 else "worse" if high < 0 else "no difference shown", ""
    return {"seeds": seeds, "differences": differences, "mean": mean, "low": low, "high": high, "verdict": verdict,
            "reason": reason}


def by_seed(study, key="final_test_acc"):
    """{seed: value} of a seed study (results/seeds/<name>.json), the input paired_comparison wants."""
    return {run["seed"]: run[key] for run in study["runs"]}


# What makes two seed studies comparable: the same images to learn from and to be judged on, for as long.
LIKE = {"split": "the split (test or validation)", "n_train": "the training images (n_train)", "epochs": "the epochs"}


def unlike(before_study, after_study, changed=()):
    """Why two seed studies cannot be paired (one sentence), or "" when they can. `changed` names the keys of LIKE
    that the change under test is about, e.g. ("epochs",) for training longer. A study without "split" is from the test
    split, one without "n_train" trained on every training image."""
    defaults = {"split": "test", "n_train": None}
    for key, what in LIKE.items():
        if key in changed:
            continue
        a, b = (study.get(key, defaults.get(key)) for study in (before_study, after_study))
        if a != b:
            return f"they differ in {what}: {a} against {b}"
    return ""


def compare(before_study, after_study, key="final_test_acc", changed=()):
    """paired_comparison of two seed studies on their shared seeds; refused when the studies are unlike in anything
    but `changed` (see unlike)."""
    why = unlike(before_study, after_study, changed)
    if why:
        raise ValueError(f"These two studies cannot be paired: {why}. Compare runs trained and measured alike (train "
                         "both with the same split, n_train and epochs), or name what the change is about: "
                         "changed=(\"epochs\",).")
    return paired_comparison(by_seed(before_study, key), by_seed(after_study, key))


def change_text(result):
    """A comparison as one line: "+0.05 points (95% interval -0.02 to +0.12, 5 paired seeds): no difference shown"."""
    seeds = result["seeds"]
    named = f"seed {seeds[0]}" if len(seeds) == 1 else f"{len(seeds)} paired seeds"
    interval = "" if math.isnan(result["low"]) else f"95% interval {result['low']:+.2f} to {result['high']:+.2f}, "
    reason = f" ({result['reason']})" if result["reason"] else ""
    return f"{result['mean']:+.2f} points ({interval}{named}): {result['verdict']}{reason}"
