"""The one rule that judges every comparison in the series: paired seeds, a mean difference, its 95% t interval.
Runs with the same seed start from the same random state and are measured on the same images: the noise of their
difference is the spread of the per-seed differences, not the noise of either accuracy."""

import math
import statistics

from scipy import stats as scipy_stats

# Fewer pairs give no verdict: with one or two differences the interval's width rests on a spread that can be zero by
# chance (two equal differences, or values rounded alike), and then any mean would look certain.
MIN_PAIRS = 3


def paired_comparison(before, after, confidence=0.95):
    """Compare results measured on the same seeds: `before` and `after` map seed -> value; only shared seeds pair.
    Returns the seeds, the per-seed differences (after - before), their mean, the interval of the mean from the t
    distribution, and the verdict: "better" or "worse" only when the interval excludes zero, from MIN_PAIRS pairs up."""
    seeds = sorted(set(before) & set(after))
    if not seeds:
        raise ValueError(f"No seed in common: before has {sorted(before)}, after has {sorted(after)}; pair the runs "
                         "by training both with the same seeds.")
    differences = [after[s] - before[s] for s in seeds]
    n, mean = len(differences), statistics.mean(differences)
    result = {"seeds": seeds, "differences": differences, "mean": mean, "low": math.nan, "high": math.nan,
              "verdict": "no verdict (one seed, so no interval)"}
    if n > 1:
        standard_error = statistics.stdev(differences) / math.sqrt(n)
        half = scipy_stats.t.ppf(1 - (1 - confidence) / 2, n - 1) * standard_error
        low, high = mean - half, mean + half
        verdict = ("better" if low > 0 else "worse" if high < 0
                   else f"no difference shown (interval {low:+.2f} to {high:+.2f})")
        if n < MIN_PAIRS:
            verdict = f"no verdict ({n} seeds; at least {MIN_PAIRS} needed)"
        result.update(low=low, high=high, verdict=verdict)
    return result


def by_seed(study, key="final_test_acc"):
    """{seed: value} of a seed study (results/seeds/<name>.json), the input paired_comparison wants."""
    return {run["seed"]: run[key] for run in study["runs"]}


def compare(before_study, after_study, key="final_test_acc"):
    """paired_comparison of two seed studies on their shared seeds."""
    return paired_comparison(by_seed(before_study, key), by_seed(after_study, key))


def change_text(result):
    """A comparison as one line: "+0.05 points (95% interval -0.02 to +0.12, 5 paired seeds): no difference shown"."""
    seeds = result["seeds"]
    named = f"seed {seeds[0]}" if len(seeds) == 1 else f"{len(seeds)} paired seeds"
    if math.isnan(result["low"]):
        return f"{result['mean']:+.2f} points ({named}): {result['verdict']}"
    word = result["verdict"].split(" (")[0]  # the interval is already in the line
    if word == "no verdict":
        word = f"no verdict (fewer than {MIN_PAIRS} seeds)"
    return f"{result['mean']:+.2f} points (95% interval {result['low']:+.2f} to {result['high']:+.2f}, {named}): {word}"

