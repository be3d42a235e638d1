"""What the notebooks call: data, the networks, the training loop and recipe, the paired rule, pictures and tables.
`h.show_code(h.fit)` prints the source of any of them."""

from . import stats
from .data import load_mnist
from .diagnostics import logit_report
from .models import count_params, eval_mode, get_model, show_code, show_diff, summary
from .plots import (compare_studies, format_table, last_epochs_line, plot_confusion, plot_history, plot_paired,
                    plot_seeds)
from .pictures import draw_architecture, draw_receptive_field
from .receptive_field import receptive_field_table
from .runtime import pick_device, seed_everything
from .stats import change_text, compare, paired_comparison
from .train import (BOLD_RECIPE, FINAL_RECIPE, PLAIN_TRAINING, RECIPE, evaluate, fit, load_results, load_weights,
                    print_epochs, save_results, save_weights, seed_summary, train_one_epoch, train_seeds,
                    train_with_recipe)

