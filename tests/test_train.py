import os
import pickle
import subprocess
import sys

import pytest
import torch

from helpers import (ABLATIONS, FINAL_RECIPE, RECIPE, ablation_study, count_params, evaluate, fit, get_model,
                     load_history, load_weights, noise_yardstick, runtime, save_history, save_weights, schedule_trace,
                     seed_everything, seed_summary, train_seeds, train_with_recipe)
from helpers import train as train_module
from helpers.runtime import REPO_ROOT
from helpers.train import BOLD_RECIPE, PLAIN_TRAINING, collapse_lr, lr_sweep, make_optimizer, make_scheduler


def short_fit(train, test, seed):
    seed_everything(seed)
    model = get_model("gap")
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return model, fit(model, train, test, epochs=2, optimizer=optimizer, batch_size=64, augment=True, seed=seed)


def test_same_seed_same_history_on_cpu(mnist_train, mnist_test):
    train, test = (mnist_train[0][:1280], mnist_train[1][:1280]), (mnist_test[0][:500], mnist_test[1][:500])
    runs = [short_fit(train, test, seed)[1] for seed in (7, 7, 8)]
    strip = [[{k: v for k, v in e.items() if k != "seconds"} for e in h["epochs"]] for h in runs]
    assert strip[0] == strip[1]
    assert strip[0] != strip[2]


def test_history_has_the_documented_fields_and_round_trips_through_json(mnist_train, mnist_test, tmp_path):
    train, test = (mnist_train[0][:640], mnist_train[1][:640]), (mnist_test[0][:200], mnist_test[1][:200])
    _, history = short_fit(train, test, seed=1)
    assert {"model", "params", "seed", "device", "threads", "epochs", "train_eval_acc"} <= set(history)
    assert [e["epoch"] for e in history["epochs"]] == [1, 2]
    assert set(history["epochs"][0]) == {"epoch", "train_loss", "train_acc", "test_loss", "test_acc", "lr", "seconds"}
    save_history(history, tmp_path / "h.json")
    assert load_history(tmp_path / "h.json") == history


def test_a_small_model_learns_mnist_in_a_few_hundred_steps(mnist_train, mnist_test):
    train = mnist_train[0][:300 * 128], mnist_train[1][:300 * 128]
    model, history = train_with_recipe("gap", train, mnist_test, seed=0, epochs=1)
    assert len(history["epochs"]) == 1 and history["recipe"]["epochs"] == 1
    assert history["epochs"][0]["test_acc"] > 95
    assert evaluate(model, *mnist_test)[1] == pytest.approx(history["epochs"][0]["test_acc"])


def test_recipe_changes_must_name_recipe_keys(mnist_train, mnist_test):
    with pytest.raises(ValueError, match="Unknown recipe keys.*learning_rate"):
        train_with_recipe("gap", mnist_train, mnist_test, seed=0, learning_rate=1.0)
    assert "epochs" in RECIPE


def test_weights_round_trip(tmp_path):
    model = get_model("gap")
    save_weights(model, tmp_path / "w.pt")
    fresh = load_weights(get_model("gap"), tmp_path / "w.pt")
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), fresh.state_dict().values()))


def test_weights_of_another_architecture_are_refused(tmp_path):
    save_weights(get_model("new_arch"), tmp_path / "w.pt")
    with pytest.raises(ValueError, match="another architecture than GapNet"):
        load_weights(get_model("gap"), tmp_path / "w.pt")


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path):
    (tmp_path / "notes.pt").write_text("these are not weights")
    with pytest.raises(ValueError, match="not a PyTorch checkpoint"):
        load_weights(get_model("gap"), tmp_path / "notes.pt")


class Payload:
    def __reduce__(self):
        return (print, ("this would run on load",))


def test_a_foreign_pickle_is_refused_without_running_it(tmp_path, capsys):
    with open(tmp_path / "evil.pt", "wb") as f:
        pickle.dump({"conv1.0.weight": Payload()}, f)
    torch.save({"model": get_model("gap")}, tmp_path / "whole_model.pt")  # a pickled module, not a state_dict
    for name in ("evil.pt", "whole_model.pt"):
        with pytest.raises(ValueError, match="Python objects other than tensors"):
            load_weights(get_model("gap"), tmp_path / name)
    assert "this would run" not in capsys.readouterr().out


def test_a_checkpoint_that_is_not_a_state_dict_is_refused(tmp_path):
    torch.save([torch.zeros(3)], tmp_path / "list.pt")
    with pytest.raises(ValueError, match="not a state_dict"):
        load_weights(get_model("gap"), tmp_path / "list.pt")


def test_smoke_switch_shortens_training_and_says_so(mnist_test):
    code = ("import helpers as h; x, y = h.load_mnist(train=False); "
            "h.train_with_recipe('gap', (x, y), (x, y), seed=0)")
    env = {**os.environ, "MNIST_SMOKE": "1"}
    run = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO_ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    assert "SMOKE MODE: 2 epochs of 5 batches, tested on 1000 images." in run.stdout
    assert "epoch  2/2  loss" in run.stdout and "epoch  3/" not in run.stdout
    assert runtime.SMOKE is False  # in this process the fixture keeps the real behaviour


def learning_rates(schedule, total_steps=100):
    model = get_model("gap")
    optimizer = torch.optim.SGD(model.parameters(), lr=RECIPE["max_lr"])
    scheduler = make_scheduler(optimizer, {**RECIPE, "schedule": schedule}, total_steps)
    rates = []
    for _ in range(total_steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return rates


def test_step_schedule_divides_by_ten_at_half_and_three_quarters():
    rates = learning_rates("step")
    top = RECIPE["max_lr"]
    assert rates[0] == rates[49] == top
    assert rates[50] == pytest.approx(top / 10) and rates[74] == pytest.approx(top / 10)
    assert rates[75] == pytest.approx(top / 100) and rates[99] == pytest.approx(top / 100)


def test_one_cycle_warms_up_to_max_lr_then_anneals_far_below_it():
    rates = learning_rates("one_cycle")
    peak = max(range(100), key=rates.__getitem__)
    assert 20 <= peak <= 40 and rates[peak] == pytest.approx(RECIPE["max_lr"])
    assert rates[0] < RECIPE["max_lr"] / 10 and rates[-1] < RECIPE["max_lr"] / 1000


def test_an_unknown_schedule_is_refused():
    with pytest.raises(ValueError, match="Unknown schedule 'cosine'.*one_cycle.*step"):
        learning_rates("cosine")


def test_ablation_takes_one_ingredient_per_row_from_the_final_recipe_and_reuses_its_seed_study():
    assert list(ABLATIONS)[0].startswith("nothing") and ABLATIONS[list(ABLATIONS)[0]] == ({}, {})
    for model_changes, changes in list(ABLATIONS.values())[1:]:  # every change names a real model argument or
        get_model("final", **model_changes)                      # recipe entry, and differs from FINAL_RECIPE
        assert set(changes) <= set(RECIPE) and model_changes or changes
        assert all(FINAL_RECIPE[key] != value for key, value in changes.items())
    bold = ABLATIONS["the bold recipe (RECIPE's batch 128, peak 0.1 and clipping instead)"][1]
    assert bold == {key: RECIPE[key] for key in BOLD_RECIPE}  # one ingredient: the three settings of BOLD_RECIPE
    # The runs happen in worker processes, which inherit MNIST_SMOKE=1 from the root conftest: a few batches each.
    reference = {"model": "final", "params": 5818, "epochs": 15,
                 "runs": [{"seed": 1, "final_test_acc": 12.5, "final_train_acc": 12.5, "seconds": 1.0}]}
    study = ablation_study([1], reference)
    assert [row["removed"] for row in study["rows"]] == list(ABLATIONS) and study["seeds"] == [1]
    assert study["rows"][0]["runs"] == reference["runs"]  # the unchanged recipe is not trained again
    assert all(row["runs"][0]["seed"] == 1 and row["epochs"] == 2 for row in study["rows"][1:])
    assert study["rows"][1]["recipe"] == {**FINAL_RECIPE, **bold}  # the rest of the row's recipe is FINAL_RECIPE
    assert all(row["side_by_side"] == 3 for row in study["rows"][1:])  # their seconds: three runs sharing the cores
    with pytest.raises(ValueError, match="no run for seeds \\[2\\]"):
        ablation_study([2], reference)


def test_the_final_recipe_has_every_key_of_the_recipe_and_spends_what_batchnorm_allows():
    assert set(FINAL_RECIPE) == set(RECIPE)
    assert {key: FINAL_RECIPE[key] for key in BOLD_RECIPE} == BOLD_RECIPE
    assert {k: v for k, v in FINAL_RECIPE.items() if k not in BOLD_RECIPE} == {
        k: v for k, v in RECIPE.items() if k not in BOLD_RECIPE}


def test_the_committed_final_network_holds_the_target_on_every_seed_and_its_weights_re_evaluate(mnist_test):
    """The capstone's headline, read from what notebook 7 saved: five seeds or more, at most 15 epochs, fewer than
    6,000 parameters, every seed at least 99.4% at the final epoch; and results/final.pt, re-read and measured again
    on the real test set, gives seed 1's figure."""
    study = load_history(REPO_ROOT / "results" / "seeds" / "final.json")  # committed results, even under smoke
    model = get_model("final")
    assert study["params"] == count_params(model) < 6_000 and study["epochs"] <= 15
    assert len(study["runs"]) >= 5 and all(run["final_test_acc"] >= 99.4 for run in study["runs"])
    assert all(len(run["test_acc_by_epoch"]) == study["epochs"] for run in study["runs"])
    assert study["recipe"] == FINAL_RECIPE
    load_weights(model, REPO_ROOT / "results" / "final.pt")
    accuracy = evaluate(model, *mnist_test)[1]
    seed_1 = next(run for run in study["runs"] if run["seed"] == 1)
    assert accuracy >= 99.4 and round(accuracy, 2) == seed_1["final_test_acc"]


def test_a_seed_gives_the_same_run_in_a_worker_process_and_in_this_one(mnist_train, mnist_test, monkeypatch):
    """train_seeds runs each seed in its own single-thread process; the same seed, one thread, in this process, must
    give the same history to the last digit (both under the smoke switch: the workers inherit MNIST_SMOKE=1)."""
    (state, history), = train_module.parallel(train_module._train_one, [("batchnorm", 4, "test", None, {})])
    monkeypatch.setattr(runtime, "SMOKE", True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model, here = train_with_recipe("batchnorm", mnist_train, mnist_test, seed=4, verbose=False)
    finally:
        torch.set_num_threads(threads)
    strip = [[{k: v for k, v in e.items() if k != "seconds"} for e in h["epochs"]] for h in (history, here)]
    assert strip[0] == strip[1] and history["train_eval_acc"] == here["train_eval_acc"]
    assert all(torch.equal(state[k], v) for k, v in model.state_dict().items())
    runs = train_seeds("batchnorm", [4, 5])
    assert [h["seed"] for _, h in runs] == [4, 5]
    assert [{k: v for k, v in e.items() if k != "seconds"} for e in runs[0][1]["epochs"]] == strip[0]
    summary = seed_summary(runs)
    assert summary["model"] == "batchnorm" and [r["seed"] for r in summary["runs"]] == [4, 5]
    assert summary["runs"][0]["final_test_acc"] == round(history["epochs"][-1]["test_acc"], 2)
    assert summary["runs"][0]["test_acc_by_epoch"] == [round(e["test_acc"], 2) for e in history["epochs"]]
    assert summary["side_by_side"] == 2 and summary["recipe"] == RECIPE


def test_the_refactor_kept_every_number(mnist_train, mnist_test):
    """300 steps of the step-4 and step-6 networks, one thread, seed 3: the figures recorded when the classes were
    written out (a later change to the models, the loop or the data that moves them shows up here). The last digits
    depend on the CPU's kernels (another machine gave 0.316677 / 98.50% and 0.467676 / 97.90%), hence the margins:
    far below what a change of the model, the loop or the data moves."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for name, (loss, accuracy) in {"batchnorm": (0.315225, 98.05), "gap": (0.468151, 97.8)}.items():
            train = mnist_train[0][:300 * 128], mnist_train[1][:300 * 128]
            _, history = train_with_recipe(name, train, (mnist_test[0][:2000], mnist_test[1][:2000]), seed=3,
                                           epochs=1, verbose=False)
            assert history["epochs"][0]["train_loss"] == pytest.approx(loss, abs=0.005)
            assert history["epochs"][0]["test_acc"] == pytest.approx(accuracy, abs=0.6)
    finally:
        torch.set_num_threads(threads)


def test_noise_yardstick_is_the_binomial_standard_error_and_the_seed_spread():
    study = {"runs": [{"final_test_acc": a} for a in (99.4, 99.5, 99.6)]}
    noise = noise_yardstick(study)
    assert noise["binomial_se"] == pytest.approx(100 * (0.995 * 0.005 / 10_000) ** 0.5)  # about 0.07 points
    assert noise["seed_sd"] == pytest.approx(0.1)


def test_schedule_trace_reads_the_momentum_that_one_cycle_moves():
    trace = schedule_trace(RECIPE, n_train=6400)
    assert trace["steps_per_epoch"] == 50 and len(trace["lr"]) == 50 * RECIPE["epochs"]
    peak = max(range(len(trace["lr"])), key=trace["lr"].__getitem__)
    assert trace["lr"][peak] == pytest.approx(RECIPE["max_lr"])
    assert trace["momentum"][peak] == pytest.approx(0.85) and trace["momentum"][0] == pytest.approx(0.95)
    assert trace["momentum"][-1] == pytest.approx(0.95, abs=1e-3)


def test_lr_sweep_finds_the_collapse_of_the_network_without_batchnorm():
    record = lr_sweep("new_arch", seed=0, low=0.001, high=3.0, steps=150)
    assert min(record["loss"]) < 1.0  # it learned first
    assert record["collapse_lr"] is not None and 0.001 < record["collapse_lr"] <= 3.0
    assert len(record["lr"]) == len(record["loss"]) <= 150 and record["lr"][0] == pytest.approx(0.001)


def test_a_passing_spike_is_not_a_collapse_but_staying_at_chance_is():
    rates = [0.01 * 2**i for i in range(10)]
    spike = [2.3, 1.5, 0.8, 0.5, 2.5, 0.6, 0.4, 0.4, 0.5, 0.4]  # above chance once, then learning again
    assert collapse_lr(rates, spike) is None
    stays = [2.3, 1.5, 0.8, 0.5, 2.5, 0.6, 2.31, 2.29, 2.302, float("nan")]  # hovering at ln 10 = 2.3026, either side
    assert collapse_lr(rates, stays) == rates[6]  # from step 6 on it never comes back down
    assert collapse_lr(rates, [2.3, 2.4, 2.5]) is None  # it never learned, so it cannot have collapsed


def test_plain_training_is_the_references_sgd_with_no_schedule():
    recipe = {**RECIPE, **PLAIN_TRAINING}
    optimizer = make_optimizer(get_model("new_arch"), recipe)
    group = optimizer.param_groups[0]
    assert (group["lr"], group["momentum"], group["nesterov"], group["weight_decay"]) == (0.01, 0.9, False, 0.0)
    assert make_scheduler(optimizer, recipe, 100) is None and schedule_trace(recipe, n_train=640)["lr"] == [0.01] * 75
    assert set(PLAIN_TRAINING) <= set(RECIPE) and set(BOLD_RECIPE) <= set(RECIPE)


def test_a_study_on_a_subset_trains_and_measures_only_those_images():
    # The workers inherit MNIST_SMOKE=1 from the root conftest: a few batches each.
    (_, history), = train_seeds("dropout", [3], n_train=500)
    assert history["n_train"] == 500 and seed_summary([(None, history)])["n_train"] == 500
