"""The book (python -m tools.book) builds offline from the committed notebooks, with every page, figure and link."""

import json
import re
from html.parser import HTMLParser
import pytest

from tools.book import REPO_ROOT, build

# Sphinx 9 deprecations inside the theme and myst, not ours; a Sphinx *build* warning still fails build().
pytestmark = pytest.mark.filterwarnings("ignore:.*Check CHANGES for Sphinx API modifications")
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))


class Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.srcs = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.srcs.append(dict(attrs)["src"])


def images(page):
    parser = Images()
    parser.feed(page.read_text())
    return parser.srcs


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    return build(tmp_path_factory.mktemp("book") / "book").parent


def test_one_page_per_notebook_in_story_order(book):
    pages = sorted(p.stem for p in (book / "notebooks").glob("*.html"))
    assert pages == [nb.stem for nb in NOTEBOOKS]
    index = (book / "index.html").read_text()
    for nb in NOTEBOOKS:  # the README's links to notebooks/NN_name.ipynb now lead to the book's pages
        assert f'href="notebooks/{nb.stem}.html"' in index


def test_previous_and_next_links_and_colab_badge(book):
    for i, nb in enumerate(NOTEBOOKS):
        page = (book / "notebooks" / f"{nb.stem}.html").read_text()
        previous = f"{NOTEBOOKS[i - 1].stem}.html" if i else "../index.html"
        assert re.search(rf'class="left-prev"\s+href="{re.escape(previous)}"', page), nb.name
        if i + 1 < len(NOTEBOOKS):
            assert re.search(rf'class="right-next"\s+href="{NOTEBOOKS[i + 1].stem}.html"', page), nb.name
        assert "colab.research.google.com/github/" in page and f"notebooks/{nb.name}" in page, nb.name


def test_every_figure_is_in_the_book(book):
    for page in book.rglob("*.html"):
        for src in images(page):
            if not src.startswith(("http://", "https://", "data:")):
                assert (page.parent / src.split("?")[0]).resolve().is_file(), f"{page.name}: {src}"
    for nb in NOTEBOOKS:  # one <img> per PNG output and per markdown image (the Colab badge included)
        cells = json.loads(nb.read_text())["cells"]
        pngs = sum("image/png" in out.get("data", {}) for cell in cells for out in cell.get("outputs", []))
        markdown = "".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
        marked = markdown.count("![")
        assert len(images(book / "notebooks" / f"{nb.stem}.html")) >= pngs + marked, nb.name


def test_landing_page_has_the_results_table(book):
    readme = (REPO_ROOT / "README.md").read_text()
    table = readme.split("<!-- RESULTS:START")[1].split("<!-- RESULTS:END")[0]
    header = next(line for line in table.splitlines() if line.startswith("|"))
    index = (book / "index.html").read_text()
    for cell in filter(None, (c.strip() for c in header.strip("|").split("|"))):
        assert re.search(rf"<th[^>]*>(<p>)?{re.escape(cell)}(</p>)?</th>", index), cell
    assert "GPU" in index


def test_sources_and_scratch_files_stay_in_the_staging_folder(book):
    assert (book.with_name("book-src") / "conf.py").is_file()
    assert sorted(p.name for p in book.parent.iterdir()) == ["book", "book-src"]
