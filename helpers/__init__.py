"""What the notebooks call: data, models, training, receptive fields, plots and tables, the final-ReLU diagnostics."""

from . import stats
from .data import Batches, augment, data_root, load_mnist
from .models import MODEL_NAMES, count_params, get_model, model_diff, show_code, show_diff, summary
from .plots import (ablation_rows, compare_studies, confusion_matrix, final, format_table, last_epochs_line,
                    plot_ablation, plot_confusion, plot_gap, plot_history, plot_paired, plot_schedule, plot_seeds,
                    plot_steps, plot_sweep, recipe_table, seed_line, show_digits, show_figure, show_misclassified,
                    time_to_target, top_confusions, yardstick_line)
from .receptive_field import receptive_field_table
from .runtime import RESULTS_DIR, SMOKE, pick_device, seed_everything
from .scorecard import first_epoch_reaching, scorecard_rows, show_scorecard
from .stats import change_text, compare, paired_comparison
from .train import (ABLATIONS, BOLD_RECIPE, FINAL_RECIPE, PLAIN_TRAINING, RECIPE, ablation_study, accuracies,
                    collapsed, evaluate, fit, load_history, load_study, load_weights, noise_yardstick, predict,
                    print_epochs, save_history, save_study, save_weights, schedule_trace, seed_summary, sweep_seeds,
                    train_seeds, train_with_recipe)
