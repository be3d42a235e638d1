import re

from helpers.runtime import REPO_ROOT


def bash_blocks():
    return re.findall(r"```bash\n(.*?)\n```", (REPO_ROOT / "README.md").read_text(), flags=re.S)


def test_readme_gives_two_commands_and_ci_runs_the_test_command():
    setup_and_run, tests = bash_blocks()
    assert setup_and_run.endswith("python -m tools.run_notebooks")
    assert tests.endswith("pytest")
    assert tests in (REPO_ROOT / ".ci" / "run").read_text().splitlines()
