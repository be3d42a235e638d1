"""Shared code of the notebooks: data, models, training, receptive fields, plots and reports."""

from .data import Batches, augment, data_root, load_mnist
from .models import MODEL_NAMES, compare_models, count_params, get_model, summary
from .plots import (compare_histories, confusion_matrix, plot_ablation, plot_confusion, plot_history, plot_seeds,
                    show_misclassified, top_confusions)
from .receptive_field import receptive_field_table
from .report import ablation_rows, format_table, results_rows, seed_line, step_summary, time_to_target
from .runtime import RESULTS_DIR, SMOKE, pick_device, seed_everything
from .train import (ABLATIONS, RECIPE, ablation_study, evaluate, fit, load_history, load_weights, predict,
                    save_history, save_weights, seed_study, train_with_recipe)

__all__ = [
    "Batches", "augment", "data_root", "load_mnist",
    "MODEL_NAMES", "compare_models", "count_params", "get_model", "summary",
    "compare_histories", "confusion_matrix", "plot_ablation", "plot_confusion", "plot_history", "plot_seeds",
    "show_misclassified", "top_confusions",
    "receptive_field_table",
    "ablation_rows", "format_table", "results_rows", "seed_line", "step_summary", "time_to_target",
    "RESULTS_DIR", "SMOKE", "pick_device", "seed_everything",
    "ABLATIONS", "RECIPE", "ablation_study", "evaluate", "fit", "load_history", "load_weights", "predict",
    "save_history", "save_weights", "seed_study", "train_with_recipe",
]
