"""The validation record (results/validation.jsonl): every run that chose a setting, under a plain label, grouped by
the question it asked, each variant judged against its baseline by the series' one paired rule (helpers.stats).

    python -m tools.validation     # prints the whole record, question by question, every run's accuracy
"""

import json
import statistics

from helpers.plots import format_table
from helpers.runtime import REPO_ROOT
from helpers.stats import paired_comparison

# Read from results/ even under the smoke switch: the record is data, nothing here writes it.
RECORD = REPO_ROOT / "results" / "validation.jsonl"
# Step 3's collapsed test run, as git holds it (results/new_arch.json at 4da2ca6^), the reason clipping joined RECIPE.
COLLAPSED_RUN = REPO_ROOT / "results" / "collapsed_step3_run.json"

# Every arm of the record: (plain label, the beginnings of its runs' notes, the label of the arm it is judged
# against, or None for a baseline), grouped by the question the runs asked, in the order they were made.
# "The 5,818 network" is run "A" of an earlier family (no padding, GAP): the capstone's widths come from it.
EARLY, A, BOLD_A = "baseline (5,982 parameters)", "the 5,818 network, batch 128, peak 0.1", "batch 64 and peak 0.2"
NO_BN = "without BatchNorm: batch 64, peak 0.2"
CAPSTONE = "the capstone of 15 epochs (Dropout 0.1)"
NO_DROPOUT_19 = "the capstone without Dropout, 19 epochs"
CAPSTONE_AGAIN = "the capstone of 15 epochs, run again"
G = "more channels in block 1: widths 8,10,16 | 8 | 10,12,12"
H = "more channels in block 1: widths 10,10,16 | 8 | 10,12,12"
QUESTIONS = [
    ("1. An earliest network (5,982 parameters, Dropout 0.05 after every convolution), seed 100 (one row also 101): "
     "its recipe", [
        (EARLY, ["baseline recipe"], None),
        ("peak 0.2, weight decay 1e-4, label smoothing 0.1", ["higher lr, less wd"], EARLY),
        ("without Dropout", ["no dropout"], EARLY),
        ("lighter augmentation (5 degrees, 1 pixel)", ["lighter augmentation"], EARLY),
        ("wider block 2 (8,338 parameters), lighter augmentation", ["capacity in block 2"], EARLY),
        ("He initialisation, wider block 2, lighter augmentation", ["He init, 8.3K"], EARLY)]),
    ("2. The 5,818 network (widths 8,8,12 | 8 | 12,12,16): its architecture, seeds 100-101", [
        (A, ["A: "], None),
        ("padding 1,1,0 in block 2 (GAP over 9x9)", ["B: "], A),
        ("padding 1,1,1 in block 2 (GAP over 11x11)", ["C: "], A),
        ("four convolutions in block 2 (5,894 parameters)", ["D: "], A),
        ("other widths, padding 1,1,0 in block 2 (5,886 parameters)", ["F: "], A),
        (G, ["G: "], A),
        (H, ["H: "], A),
        ("Dropout 0.05 after every convolution", ["A_do05:"], A)]),
    ("3. The 5,818 network: batch, learning rate, weight decay, augmentation, seeds 100-101 (one row 100-103)", [
        ("batch 64", ["A_bs64:"], A),
        ("batch 32", ["A_bs32:"], A),
        ("peak 0.2", ["A_lr02:"], A),
        ("peak 0.4", ["A_lr04:"], A),
        (BOLD_A, ["A_bs64_lr02:"], A),
        ("weight decay 1e-4 instead of 5e-4", ["A_wd1e4:"], A),
        ("without augmentation", ["A_noaug:"], A),
        ("widths 8,10,16 | 8 | 10,12,12, peak 0.2", ["G_lr02:"], G),
        ("widths 10,10,16 | 8 | 10,12,12, peak 0.2", ["H_lr02:"], H)]),
    ("4. The 5,818 network at batch 64 and peak 0.2: the other ingredients, seeds 100-101 (clipping at 1.0: "
     "100-103)", [
        ("without augmentation, batch 64 and peak 0.2", ["A_R_noaug:"], BOLD_A),
        ("a step schedule instead of one-cycle", ["A_R_step:"], BOLD_A),
        ("gradient clipping at 1.0", ["A_R_clip1:", "final + gradient clipping at 1.0"], BOLD_A),
        ("Dropout 0.05 after every convolution, batch 64 and peak 0.2", ["A_R_do05:"], BOLD_A),
        ("Dropout 0.05 after the 1x1 and block-2 convolutions", ["A_R_do05b2:"], BOLD_A),
        ("Dropout 0.05 on the last maps", ["A_R_do05last:"], BOLD_A),
        ("Dropout 0.1 on the last maps", ["A_R_do10last:"], BOLD_A),
        ("Dropout 0.05 after GAP", ["A_R_gapdo05:"], BOLD_A),
        ("Dropout 0.1 after GAP", ["A_R_gapdo10:"], BOLD_A)]),
    ("5. The 5,818 network without BatchNorm (a 5x5 head, 9,582 parameters): which recipe it survives", [
        (NO_BN, ["A3_bs64_lr02:"], None),
        ("without BatchNorm: batch 64, peak 0.15", ["A3_bs64_lr015:"], NO_BN),
        ("without BatchNorm: batch 32, peak 0.1", ["A3_bs32:"], NO_BN),
        ("without BatchNorm: batch 64, peak 0.2, clipping at 1.0", ["A3_R_clip1:"], NO_BN),
        ("without BatchNorm: batch 64, peak 0.2, clipping at 2.0", ["A3_R_clip2:"], NO_BN)]),
    ("6. The series' networks, batch 128, peak 0.1: step 3 without gradient clipping and with it, step 6 without "
     "Dropout and with it", [
        ("step 3 without clipping (12,090 parameters)", ["v2: step-3 network (no BatchNorm), 8.3K"], None),
        ("step 3 with clipping at 2.0 (the recipe)", ["v2: step-3 network (no BatchNorm), batch 128"],
         "step 3 without clipping (12,090 parameters)"),
        ("step 6 without Dropout (8,338 parameters)", ["v2: final network (GAP, no Dropout)"], None),
        ("step 6 (Dropout 0.1)", ["v2: step-6 network"], "step 6 without Dropout (8,338 parameters)")]),
    ("7. The capstone's choices (the recipe as it is now), seeds 100-102", [
        ("step 6, the series' recipe", ["capstone change 1: step 6 under RECIPE"], None),
        ("step 6, bold recipe", ["capstone change 1: step 6 under the bold"], "step 6, the series' recipe"),
        ("5,818 (capstone widths), bold recipe", ["capstone change 2: step 6 narrowed to 5,818 (widths only"],
         "step 6, bold recipe"),
        ("5,818 without Dropout, bold recipe", ["capstone change 2: step 6 narrowed to 5,818, Dropout off"],
         "5,818 (capstone widths), bold recipe"),
        ("5,818 without Dropout, the series' recipe", ["capstone change 2, control"],
         "5,818 without Dropout, bold recipe"),
        ("4,614 without Dropout, bold recipe", ["capstone change 2 (stretch)"], "5,818 without Dropout, bold recipe")]),
    ("8. The capstone's search for a margin, seeds 300-303", [
        (CAPSTONE, ["search 1, baseline:"], None),
        (NO_DROPOUT_19, ["search 1, a:"], CAPSTONE),
        ("without Dropout, 19 epochs, weight decay 1e-4 (not 5e-4)", ["search 1, c:"], NO_DROPOUT_19),
        ("without Dropout, 19 epochs, weaker augmentation (3 degrees, 0.5 pixels)", ["search 1, d:"], NO_DROPOUT_19),
        ("without Dropout, 19 epochs, label smoothing 0.1", ["search 1, e:"], NO_DROPOUT_19)]),
    ("9. The capstone's search for a margin, continued, seeds 300-307 (the max-pool row 300-303)", [
        (CAPSTONE_AGAIN, ["search 2, baseline:"], None),
        ("the max-pool after conv2 instead of conv3 (same 5,818 parameters)", ["search 2, h:"], CAPSTONE_AGAIN),
        ("19 epochs, Dropout kept", ["search 2, f:"], CAPSTONE_AGAIN)]),
]


def load_record(path=RECORD):
    """Every validation run, one dict per line of the record, in the order they were made."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def arm(record, prefixes):
    """{seed: final validation accuracy} of the runs whose note begins with one of `prefixes`."""
    return {run["seed"]: run["final_val_acc"] for run in record if run["note"].startswith(tuple(prefixes))}


def unlabelled(record, questions=QUESTIONS):
    """The notes of runs that no arm of `questions` claims (none, for the committed record)."""
    prefixes = tuple(p for _, arms in questions for _, ps, _ in arms for p in ps)
    return sorted({run["note"] for run in record if not run["note"].startswith(prefixes)})


def judged_record(record, questions=QUESTIONS):
    """One row per arm: its question, label, parameters, seeds, mean and lowest final validation accuracy, and the
    paired change against its baseline on the seeds both share, with the rule's verdict; "accs" are its runs'."""
    rows, labels = [], {label: prefixes for _, arms in questions for label, prefixes, _ in arms}
    for question, arms in questions:
        for label, prefixes, against in arms:
            runs = [run for run in record if run["note"].startswith(tuple(prefixes))]
            accs = [run["final_val_acc"] for run in runs]
            row = {"question": question, "tried": label, "params": runs[0]["params"],
                   "seeds": ", ".join(str(run["seed"]) for run in runs), "accs": accs,
                   "mean": round(statistics.mean(accs), 2),
                   "min": round(min(accs), 2), "against": against or "", "differences": [], "change": None,
                   "verdict": "baseline"}
            if against:
                base = arm(record, labels[against])
                shared = sorted(set(base) & {run["seed"] for run in runs})
                if not shared:
                    row["verdict"] = "no seed in common: cannot be paired"
                else:
                    result = paired_comparison(base, arm(record, prefixes))
                    row.update(differences=result["differences"], change=result["mean"], verdict=result["verdict"],
                               low=result["low"], high=result["high"])
            rows.append(row)
    return rows


def collapsed_run():
    """Step 3's collapsed test run: {"source": how it was recovered from git, "history": the run's history}."""
    return json.loads(COLLAPSED_RUN.read_text())


def seed_span(seeds):
    """Seeds "300, 301, 302" as "300-302" where they run without a gap: a shorter line."""
    numbers = [int(seed) for seed in seeds.split(", ")]
    return f"{numbers[0]}-{numbers[-1]}" if numbers == list(range(numbers[0], numbers[-1] + 1)) else seeds


def judged_summary(record):
    """The record for a learner (the appendix, section 4): how many variants the rule could judge (three or more seeds
    shared with their baseline), the questions that have one, and those variants' paired changes."""
    rows = judged_record(record)
    against = [row for row in rows if row["verdict"] != "baseline"]
    questions = list(dict.fromkeys(row["question"] for row in against))
    judged_in = [q for q in questions if any(len(r["differences"]) >= 3 for r in against if r["question"] == q)]
    return "\n".join([
        f"{len(record)} runs, {len(rows)} variants, seeds {sorted({run['seed'] for run in record})} "
        "(every run: python -m tools.validation)",
        f"{len(against)} variants against a baseline: {sum(len(r['differences']) >= 3 for r in against)} judged "
        f"(three or more shared seeds), {sum(0 < len(r['differences']) < 3 for r in against)} on one or two (no "
        f"verdict), {sum(not r['differences'] for r in against)} with no seed in common",
        "questions where no variant shared three seeds with its baseline: "
        + ", ".join(q.split(".")[0] for q in questions if q not in judged_in),
        "", "The questions with judged variants:", *judged_in, "", "The variants the rule judged:",
        format_table([{"question": r["question"].split(".")[0], "tried": r["tried"], "params": f"{r['params']:,}",
                       "seeds": seed_span(r["seeds"]),
                       "per-seed changes": " ".join(f"{d:+.2f}" for d in r["differences"]),
                       "mean change": f"{r['change']:+.2f}", "95% interval": f"{r['low']:+.2f} to {r['high']:+.2f}",
                       "against": r["against"], "verdict": r["verdict"]}
                      for r in rows if len(r["differences"]) >= 3])])


def record_tables(record):
    """The record as text: per question, one line per arm with its runs' accuracies and its verdict."""
    rows, out = judged_record(record), []
    for question in dict.fromkeys(row["question"] for row in rows):
        out += ["", question, format_table([
            {"tried": r["tried"], "params": f"{r['params']:,}",
             "runs (seed: final validation accuracy)": ", ".join(
                 f"{seed}: {acc:.2f}" for seed, acc in zip(r["seeds"].split(", "), r["accs"])),
             "mean change": "" if r["change"] is None else f"{r['change']:+.2f}",
             "95% interval": f"{r['low']:+.2f} to {r['high']:+.2f}" if len(r["differences"]) > 1 else "",
             "against": r["against"], "verdict": r["verdict"]} for r in rows if r["question"] == question])]
    return "\n".join(out)


if __name__ == "__main__":
    print(f"{RECORD.name}: {len(load_record())} runs")
    print(record_tables(load_record()))
