"""A newcomer's first hour (issue 14): a fresh clone's tests run without ../shared, the offline
install test passes when the tests themselves run inside a venv, and the README's package list
is the one .ci/run installs."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

# ---------------------------------------------------------------- a clone without ../shared


def _shared_dependent_tests() -> list[str]:
    """Node ids of every test that reads material which is not the project's own (../shared):
    tests asking for the `realdata` fixture and every test of a module using AGE_TESTKIT."""
    ids: list[str] = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        if path.resolve() == Path(__file__).resolve():
            continue  # this file names them too
        source = path.read_text(encoding="utf-8")
        if "realdata" not in source and "AGE_TESTKIT" not in source:
            continue
        rel = path.relative_to(ROOT).as_posix()
        if "AGE_TESTKIT" in source:
            ids.append(rel)
            continue
        for node in ast.parse(source).body:
            if (
                isinstance(node, ast.FunctionDef)
                and node.name.startswith("test_")
                and "realdata" in {a.arg for a in node.args.args}
            ):
                ids.append(f"{rel}::{node.name}")
    return ids


def _copy_of_the_project(where: Path) -> Path:
    """The project's tests and configuration in a folder with no `shared` beside it (as in a
    fresh clone); the package itself is the installed one."""
    clone = where / "clone"
    clone.mkdir()
    shutil.copytree(ROOT / "tests", clone / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", clone / "pyproject.toml")
    assert not (where / "shared").exists()
    return clone


def _pytest_in(clone: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRIAGE_", "PYTEST_"))}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run(
        # -n 0: in one process (a few tests; worker start-up would cost more than it saves)
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-n", "0", *args],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _docstrings(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def test_third_party_material_is_reached_only_through_guards_that_skip() -> None:
    """Fast guard for the default run: no test builds a path into ../shared itself; the samples
    come through the `realdata` fixture (which skips), the age vectors through AGE_TESTKIT in a
    module marked skipif. The slow test below runs them in a clone."""
    problems = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path.name == "conftest.py" or path.resolve() == Path(__file__).resolve():
            continue
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        docs = _docstrings(tree)
        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(tree):
            # "../shared/x" in a string, or `folder / "shared"`; the bare word "shared"
            # elsewhere (a link kind, a label) is not a path
            joined = (
                isinstance(node, ast.BinOp)
                and isinstance(node.op, ast.Div)
                and isinstance(node.right, ast.Constant)
                and node.right.value == "shared"
            )
            if joined or (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docs
                and re.search(r"(^|[/\\])shared[/\\]|[/\\]shared$", node.value)
            ):
                problems.append(f"{rel}:{node.lineno}: a path into shared/: {ast.unparse(node)}")
            if isinstance(node, ast.Name) and node.id == "REALDATA":
                problems.append(f"{rel}:{node.lineno}: REALDATA used directly (use the fixture)")
        if "AGE_TESTKIT" in source and not re.search(
            r"pytestmark\s*=\s*pytest\.mark\.skipif\(\s*not AGE_TESTKIT", source
        ):
            problems.append(f"{rel}: uses AGE_TESTKIT without a module skipif on it")
    assert problems == []
    conftest = (ROOT / "tests" / "conftest.py").read_text(encoding="utf-8")
    assert re.search(r"if not REALDATA\.is_dir\(\):\s*pytest\.skip\(", conftest)


@pytest.mark.slow
def test_a_clone_without_shared_collects_and_skips_with_reasons(tmp_path: Path) -> None:
    clone = _copy_of_the_project(tmp_path)
    collected = _pytest_in(clone, "--co", "-m", "", timeout=600)
    out = collected.stdout + collected.stderr
    assert collected.returncode == 0, out[-3000:]
    assert re.search(r"\d+ tests collected", out), out[-3000:]

    wanted = _shared_dependent_tests()
    # the samples and the vectors are both used (if not, the search above went stale)
    assert any("::" in w for w in wanted) and any("cctv" in w for w in wanted), wanted
    result = _pytest_in(clone, "-rs", *wanted)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    summary = result.stdout.strip().splitlines()[-1]  # stderr may carry plugins' warnings
    assert "skipped" in summary and not re.search(r"passed|failed|error", summary), out
    reasons = [line for line in out.splitlines() if line.startswith("SKIPPED")]
    assert reasons, out
    for line in reasons:
        # one clear reason: what is missing, that it is not the project's own, and where
        assert "not the project's own" in line, line
        assert str(tmp_path / "shared") in line, line


# ------------------------------------------------------- the offline install test in a venv


def _bare_interpreter() -> str | None:
    """A Python of this version whose own site-packages lack the project's dependencies (the
    Debian /usr/bin/python3 here): a venv built on it holds the dependencies itself, as a
    newcomer's `python3 -m venv .venv && pip install -e '.[test]'` does."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (f"/usr/bin/{version}", f"/usr/local/bin/{version}"):
        if (
            not os.access(candidate, os.X_OK)
            or Path(candidate).resolve() == Path(sys.base_prefix, "bin", version).resolve()
        ):
            continue
        probe = subprocess.run(
            [candidate, "-c", "import venv, ensurepip, sqlcipher3"], capture_output=True
        )
        if probe.returncode != 0 and b"sqlcipher3" in probe.stderr:
            return candidate
    return None


@pytest.mark.slow
def test_the_offline_install_test_passes_inside_a_venv(tmp_path: Path) -> None:
    venv = tmp_path / "newcomer-venv"
    bare = _bare_interpreter()
    if bare is not None:
        # A venv on a base without the dependencies; they are "installed" into it by a .pth
        # naming this environment's site folders (copying a Qt install would take minutes).
        subprocess.run([bare, "-m", "venv", str(venv)], check=True, timeout=300)
        (own,) = (venv / "lib").glob("python3*/site-packages")
        import site

        lines = [f"import site; site.addsitedir({f!r})" for f in site.getsitepackages()]
        (own / "newcomer_deps.pth").write_text("\n".join(lines) + "\n")
    else:  # no second interpreter here: at least a --system-site-packages venv
        subprocess.run(
            [sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
            check=True,
            timeout=300,
        )
    python = venv / "bin" / "python"
    check = subprocess.run(
        [str(python), "-c", "import sys; print(sys.prefix != sys.base_prefix)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert check.stdout.strip() == "True"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRIAGE_", "PYTEST_"))}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"  # as if activated
    env["VIRTUAL_ENV"] = str(venv)
    result = subprocess.run(
        [
            str(python),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "tests/test_offline_install.py::test_offline_install_of_the_program_from_a_wheelhouse",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert "1 passed" in result.stdout


# ------------------------------------------------------------ the README's package list


def _apt_packages(command: str) -> list[str]:
    """The package names of one `apt-get install` command (options and redirections left out)."""
    words = command.replace("\\\n", " ").split()
    start = words.index("install") + 1
    return [w for w in words[start:] if not w.startswith(("-", ">", "2>", "&"))]


def readme_apt_line() -> str:
    lines = [
        line
        for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
        if re.match(r"^(sudo )?apt(-get)? install ", line)
    ]
    assert len(lines) == 1, f"the README should have one apt line, found {lines}"
    return lines[0]


def ci_apt_command() -> str:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    found = re.search(r"^apt-get install (?:.*\\\n)*.*$", script, re.MULTILINE)
    assert found, ".ci/run installs no Debian packages?"
    return found.group(0)


def test_the_readme_apt_line_is_what_ci_installs() -> None:
    readme = _apt_packages(readme_apt_line())
    ci = _apt_packages(ci_apt_command())
    assert len(readme) == len(set(readme)), "a package named twice in the README"
    missing, extra = sorted(set(ci) - set(readme)), sorted(set(readme) - set(ci))
    assert (missing, extra) == ([], []), f"README lacks {missing}; only the README has {extra}"
    # what a bare Debian needs for the tests and the window (issue 14), in both
    for package in ("zip", "libgl1", "libfontconfig1", "libglib2.0-0", "libdbus-1-3"):
        assert package in readme
    assert "fonts-noto-color-emoji" in readme


def test_the_comparison_reads_both_forms() -> None:
    ci = "apt-get install -y -qq --no-install-recommends \\\n  zip age \\\n  libgl1 >/dev/null"
    assert _apt_packages(ci) == ["zip", "age", "libgl1"]
    assert _apt_packages("sudo apt-get install --no-install-recommends libgl1 zip age") == [
        "libgl1",
        "zip",
        "age",
    ]
