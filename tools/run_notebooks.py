"""Execute the notebooks in place, each top to bottom on a fresh kernel, the way the committed outputs are made.

    python -m tools.run_notebooks                 # all of notebooks/*.ipynb, in order
    python -m tools.run_notebooks notebooks/06_gap.ipynb

Each notebook's wall time is added to results/run_times.json, with the device and torch version, for the README.
"""

import json
import re
import sys
import time
from pathlib import Path

import nbformat
import torch
from nbconvert.preprocessors import CoalesceStreamsPreprocessor, ExecutePreprocessor

from helpers.runtime import REPO_ROOT, RESULTS_DIR, SMOKE


# loky's notice that an idle worker process timed out and was replaced: it changes no result, and names a path.
LOKY_NOTICE = "UserWarning: A worker stopped while some jobs were given to the executor"


def drop_progress_bars(notebook):
    """Keep what a reader of the notebook sees: the one line per epoch, not the live progress bars (tqdm's text bars
    leave carriage returns and blanks in stderr; its widgets, which GitHub cannot draw, leave a stuck 0% line), nor
    loky's notice of a replaced worker process."""
    CoalesceStreamsPreprocessor().preprocess(notebook, {})
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [out for out in cell.outputs if not (
                (out.get("name") == "stderr" and (not re.sub(r"[^\n\r]*\r", "", out.text).strip()
                                                  or LOKY_NOTICE in out.text))
                or "application/vnd.jupyter.widget-view+json" in out.get("data", {}))]
    notebook.metadata.pop("widgets", None)


def main(paths):
    paths = [Path(p).resolve() for p in paths] or sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
    record_path = RESULTS_DIR / "run_times.json"
    record = json.loads(record_path.read_text()) if record_path.exists() else {"seconds": {}}
    record.update(device=torch.cuda.get_device_name(0) if torch.cuda.is_available() else
                  f"cpu ({torch.get_num_threads()} threads)", torch=torch.__version__, smoke=SMOKE)
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        print(f"executing {path.name} ...", flush=True)
        start = time.perf_counter()
        ExecutePreprocessor(timeout=None).preprocess(notebook, {"metadata": {"path": str(path.parent)}})
        record["seconds"][path.stem] = round(time.perf_counter() - start, 1)
        drop_progress_bars(notebook)
        nbformat.write(notebook, path)
        print(f"  {record['seconds'][path.stem]:.0f} s", flush=True)
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        record_path.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
