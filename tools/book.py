"""The series as a static HTML book, built offline from the README and the notebooks as committed.

    python -m tools.book            # writes build/book/index.html (open it in a browser)
    python -m tools.book OUT_DIR    # the same book elsewhere

Why: the notebooks carry the outputs of a full run, figures included, and a reader should not need Jupyter (or a
GPU, or an hour of training) to read them. How: the README becomes the landing page and every notebooks/*.ipynb,
in sorted (story) order, one page; Sphinx with myst-nb (which never executes a notebook here) and
sphinx-book-theme renders them, all without the network. The sources are staged next to the output
(build/book-src/), and any Sphinx warning (a missing image, a broken link, a notebook that does not parse) fails
the build.
"""

import json
import re
import shutil
import sys
from pathlib import Path

from sphinx.cmd.build import build_main

from tools.colab import BRANCH, REPOSITORY, install_source

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = REPO_ROOT / "build" / "book"
GITHUB = f"https://github.com/{REPOSITORY}"

CONF = f"""
project = {{title!r}}
html_title = {{short_title!r}}
extensions = ["myst_nb"]
nb_execution_mode = "off"  # the committed outputs are the book; nothing is run
nb_merge_streams = True
exclude_patterns = ["_build"]
html_theme = "sphinx_book_theme"
html_static_path = ["_static"]
html_css_files = ["book.css"]
html_show_sourcelink = False
html_theme_options = {{{{
    "repository_url": "{GITHUB}",
    "repository_branch": "{BRANCH}",
    "use_repository_button": True,
    "show_toc_level": 2,
    "footer_content_items": [],  # no author line ("By Author name not set") under every page
}}}}
"""

# Long outputs (training logs) scroll inside their box, figures shrink to the page, and the README's wide tables
# (which the theme already scrolls sideways) get smaller type, so that fewer of them need to.
CSS = """
div.cell_output div.output pre { max-height: 24em; overflow: auto; }
.bd-article img { max-width: 100%; height: auto; }
.bd-article table { font-size: 0.85em; }
.bd-article table td, .bd-article table th { padding: 0.3em 0.5em; }
.bd-article details { margin-bottom: 1em; }
.bd-article h1 { font-size: 2.2rem; }
@media (max-width: 600px) { .bd-article h1 { font-size: 1.7rem; } }
"""

GPU_NOTE = "\n\nOn a GPU: nothing to change; a GPU is used automatically when torch sees one, the CPU otherwise.\n"


def landing_page(readme, notebooks):
    """The README as index.md: links to other repository files go to GitHub, and a toctree lists the notebooks."""
    names = {f"notebooks/{nb.name}" for nb in notebooks}

    def link(match):
        target = match.group(1)
        if target in names or target.startswith("images/") or re.match(r"[a-z]+:|#", target):
            return match.group(0)  # a notebook page (myst resolves it), a staged image or an outside link
        return f"]({GITHUB}/blob/{BRANCH}/{target})"

    text = re.sub(r"\]\(([^)\s]+)\)", link, readme)
    if "GPU" not in text:
        text += GPU_NOTE
    toc = "\n".join(f"notebooks/{nb.stem}" for nb in notebooks)
    return f"{text}\n\n```{{toctree}}\n:hidden:\n:caption: The notebooks\n:maxdepth: 1\n\n{toc}\n```\n"


def stage(src):
    """Write the Sphinx sources into `src`: conf.py, index.md, the notebooks and the images they show."""
    shutil.rmtree(src, ignore_errors=True)
    (src / "_static").mkdir(parents=True)
    notebooks = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    title = re.search(r"^# (.+)$", readme, re.MULTILINE).group(1)
    (src / "conf.py").write_text(CONF.format(title=title, short_title=title.split(":")[0]))
    (src / "_static" / "book.css").write_text(CSS)
    (src / "index.md").write_text(landing_page(readme, notebooks), encoding="utf-8")
    (src / "notebooks").mkdir()
    for nb in notebooks:  # the Colab install cell (a no-op outside Colab) is folded away: the story starts at the title
        content = json.loads(nb.read_text(encoding="utf-8"))
        for cell in content["cells"]:
            if "".join(cell["source"]) == install_source():
                cell.setdefault("metadata", {}).setdefault("tags", []).append("hide-input")
        (src / "notebooks" / nb.name).write_text(json.dumps(content, indent=1), encoding="utf-8")
    shutil.copytree(REPO_ROOT / "images", src / "images")


def build(out=OUT_DIR):
    """Build the book into `out` (staging its sources in a sibling `<out>-src/`); return the landing page's path."""
    out = Path(out)
    src = out.with_name(out.name + "-src")
    stage(src)
    html = src / "_build" / "html"  # myst-nb writes its scratch files beside this, so inside the staging folder too
    # -W --keep-going: every warning is reported, then fails the build.
    args = ["-b", "html", "-W", "--keep-going", "-q", "-d", str(src / "_build" / "doctrees"), str(src), str(html)]
    code = build_main(args)
    if code:
        raise SystemExit(f"the book did not build cleanly (sphinx exit code {code}); see the warnings above")
    shutil.rmtree(out, ignore_errors=True)
    shutil.move(html, out)
    return out / "index.html"


def main():
    index = build(sys.argv[1] if len(sys.argv) > 1 else OUT_DIR)
    print(f"The book: {index}")


if __name__ == "__main__":
    main()
