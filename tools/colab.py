"""The "Open in Colab" badge and the Colab install cell at the top of every notebook, from one address.

    python -m tools.colab     # after changing REPOSITORY (in a fork, say): rewrites both cells in every notebook

The notebooks must carry the address themselves (Colab opens one notebook, not the repository), so this module is
the one place it is written by hand; tests/test_notebooks.py checks that every notebook agrees with it.
"""

import json

from helpers.runtime import REPO_ROOT

REPOSITORY = "mnist-99-4/mnist-99-4"  # GitHub owner/name: the one line a fork changes
BRANCH = "main"


def badge_source(stem):
    url = f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/notebooks/{stem}.ipynb"
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})"


def install_source():
    return "\n".join([
        "# In Colab: fetch the project and install its helpers/ package. Elsewhere this cell does nothing.",
        "import sys",
        "",
        'if "google.colab" in sys.modules:',
        "    import os",
        "    import subprocess",
        "",
        f'    repository = "https://github.com/{REPOSITORY}"',
        '    if not os.path.exists("/content/project"):',
        '        subprocess.run(["git", "clone", "--depth", "1", repository, "/content/project"], check=True)',
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", "/content/project"], check=True)',
        '    sys.path.insert(0, "/content/project")',
    ])


def stamp(path):
    """Make the first two cells of the notebook at `path` the badge and the install cell, keeping everything else."""
    notebook = json.loads(path.read_text())
    cells = notebook["cells"]
    cells[0]["source"] = badge_source(path.stem)
    cells[1]["source"] = install_source()
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    for path in sorted((REPO_ROOT / "notebooks").glob("*.ipynb")):
        stamp(path)
        print(f"stamped {path.name}")
