"""The one rule that judges every comparison in the series: paired seeds, a mean difference, its 95% t interval.

Two steps trained with the same seeds share their batch order and augmentation and are measured on the same images,
so the noise of their difference is the spread of the per-seed differences, not the noise of either accuracy.
"""

import math
import statistics


def t_cdf(x, df, intervals=2000):
    """P(T <= x) for Student's t with `df` degrees of freedom: Simpson's rule on the density from 0 to |x|."""
    scale = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)

    def density(t):
        return scale * (1 + t * t / df) ** (-(df + 1) / 2)

    width = abs(x) / intervals
    area = density(0) + density(abs(x))
    area += sum((4 if k % 2 else 2) * density(k * width) for k in range(1, intervals))
    half = area * width / 3
    return 0.5 + half if x >= 0 else 0.5 - half


def t_quantile(p, df):
    """The t value below which a share `p` of Student's t distribution lies (bisection on t_cdf)."""
    low, high = -1000.0, 1000.0
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if t_cdf(middle, df) < p else (low, middle)
    return (low + high) / 2


def verdict(low, high):
    """'better' or 'worse' only when the 95% interval of the mean difference excludes zero."""
    if low > 0:
        return "better"
    if high < 0:
        return "worse"
    return f"no difference shown (interval {low:+.2f} to {high:+.2f})"


# Fewer pairs give no verdict: with one or two differences the interval's width rests on a spread that can be zero by
# chance (two equal differences, or values rounded alike), and then any mean would look certain.
MIN_PAIRS = 3


def paired_comparison(before, after, confidence=0.95):
    """Compare two sets of results measured on the same seeds: `before` and `after` map seed -> value.

    Only the seeds both have are paired. Returns the seeds, the per-seed differences (after - before), their mean,
    the `confidence` interval of that mean from the t distribution (n - 1 degrees of freedom) and the verdict.
    With one shared seed there is no interval; with fewer than MIN_PAIRS the interval is given but no verdict.
    """
    seeds = sorted(set(before) & set(after))
    if not seeds:
        raise ValueError(f"No seed in common: before has {sorted(before)}, after has {sorted(after)}; pair the runs "
                         "by training both with the same seeds.")
    differences = [after[s] - before[s] for s in seeds]
    mean = statistics.mean(differences)
    result = {"seeds": seeds, "differences": differences, "mean": mean, "low": math.nan, "high": math.nan,
              "verdict": "no verdict (one seed, so no interval)"}
    if len(seeds) > 1:
        half = t_quantile(1 - (1 - confidence) / 2, len(seeds) - 1) * statistics.stdev(differences) / math.sqrt(
            len(seeds))
        result.update(low=mean - half, high=mean + half, verdict=verdict(mean - half, mean + half))
        if len(seeds) < MIN_PAIRS:
            result["verdict"] = f"no verdict ({len(seeds)} seeds; at least {MIN_PAIRS} needed)"
    return result


def by_seed(study, key="final_test_acc"):
    """{seed: value} of a seed study (results/seeds/<name>.json), the input paired_comparison wants."""
    return {run["seed"]: run[key] for run in study["runs"]}


def compare(before_study, after_study, key="final_test_acc"):
    """paired_comparison of two seed studies on their shared seeds."""
    return paired_comparison(by_seed(before_study, key), by_seed(after_study, key))


def change_text(result):
    """A comparison in words: "+0.05 points (95% interval -0.02 to +0.12, seeds 1-5): no difference shown"."""
    seeds = result["seeds"]
    named = f"seed {seeds[0]}" if len(seeds) == 1 else f"{len(seeds)} paired seeds"
    if math.isnan(result["low"]):
        return f"{result['mean']:+.2f} points ({named}): {result['verdict']}"
    word = result["verdict"].split(" (")[0]  # the interval is already in the text
    if word == "no verdict":
        word = f"no verdict (fewer than {MIN_PAIRS} seeds)"
    return (f"{result['mean']:+.2f} points (95% interval {result['low']:+.2f} to {result['high']:+.2f}, "
            f"{named}): {word}")


def binomial_se(accuracy, n=10_000):
    """Standard error (points) of an accuracy measured on n images: how far this test set's figure may lie from the
    accuracy the same weights would reach on new digits of the same kind. It says nothing about other seeds."""
    p = accuracy / 100
    return 100 * math.sqrt(p * (1 - p) / n)


def mcnemar(correct_before, correct_after):
    """The per-image view of two models on the same images: how many only one of them gets right, and McNemar's
    two-sided p-value (exact binomial) that the two would err equally often on such images."""
    only_before = sum(1 for a, b in zip(correct_before, correct_after) if a and not b)
    only_after = sum(1 for a, b in zip(correct_before, correct_after) if b and not a)
    n = only_before + only_after
    tail = sum(math.comb(n, k) for k in range(min(only_before, only_after) + 1)) / 2**n if n else 1.0
    return {"only_before": only_before, "only_after": only_after, "p_value": min(1.0, 2 * tail)}
