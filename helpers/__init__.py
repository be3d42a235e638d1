"""What the notebooks call: data, models, training, receptive fields, plots and tables, the final-ReLU diagnostics."""

from .data import Batches, augment, data_root, load_mnist
from .models import MODEL_NAMES, count_params, get_model, model_diff, show_code, show_diff, summary
from .plots import (ablation_rows, compare_histories, confusion_matrix, format_table, plot_ablation, plot_confusion,
                    plot_history, plot_seeds, seed_line, show_misclassified, step_summary, time_to_target,
                    top_confusions)
from .receptive_field import receptive_field_table
from .runtime import RESULTS_DIR, SMOKE, pick_device, seed_everything
from .train import (ABLATIONS, RECIPE, ablation_study, evaluate, fit, load_history, load_weights, predict,
                    save_history, save_weights, seed_study, train_with_recipe)
