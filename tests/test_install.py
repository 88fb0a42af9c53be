"""A non-editable install works: the package data (ontology, shapes, queries, example
data) is shipped inside ``mag_graph`` and found from any working directory.

The development environment uses an editable install, which reads the folders straight
from the repository, so it would never notice a resource missing from
``pyproject.toml``. Here the project is installed into a temporary directory from a copy
of the sources and run from somewhere else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RESOURCES = {"ontology": "*.ttl", "shapes": "*.ttl", "queries": "*.rq", "data": "*.t*"}
PACKAGING = ["pyproject.toml", "README.md", "LICENSE", "mag_graph", "api", *RESOURCES]


def _copy_sources(target: Path) -> Path:
    """The files a build reads, without caches or the editable install's metadata."""
    src = target / "src"
    src.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for name in PACKAGING:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        elif path.is_file():
            shutil.copy2(path, src / name)
    return src


def _install(src: Path, site: Path) -> tuple[str, str]:
    """Install without the editable machinery; returns (how, log).

    First as asked, with the current interpreter and no build isolation; environments
    without the ``wheel`` package (or with an old setuptools) cannot build a wheel that
    way, so then with pip's isolated build (fetches the build requirements), and as the
    last, offline resort setuptools' ``build_py``, which applies the same package and
    package-data configuration (only the console script and metadata are missing).
    """
    pip = [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site), "--quiet"]
    attempts = [
        ("pip --no-build-isolation", [*pip, "--no-build-isolation", "--no-index", str(src)]),
        ("pip (isolated build)", [*pip, "--retries", "0", "--timeout", "20", str(src)]),
        (
            "setuptools build_py",
            [sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py", "--build-lib", str(site)],
        ),
    ]
    log = []
    for how, command in attempts:
        shutil.rmtree(site, ignore_errors=True)
        proc = subprocess.run(command, cwd=src, capture_output=True, text=True, timeout=300)
        log.append(f"$ {how}: exit {proc.returncode}\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
        if proc.returncode == 0 and (site / "mag_graph" / "__init__.py").is_file():
            return how, "\n".join(log)
    pytest.fail("could not install mag-graph non-editably:\n" + "\n".join(log))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path | str]:
    root = tmp_path_factory.mktemp("install")
    src = _copy_sources(root)
    site = root / "site"
    how, _log = _install(src, site)
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    return {"site": site, "how": how, "cwd": elsewhere}


def _run(installed: dict[str, Path | str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed mag-graph from a directory outside the repository."""
    site = Path(installed["site"])
    env = {k: v for k, v in os.environ.items() if k not in ("MAG_GRAPH_STORE", "PYTHONPATH")}
    env["PYTHONPATH"] = str(site)
    script = site / "bin" / "mag-graph"
    command = [str(script), *args] if script.is_file() else [sys.executable, "-m", "mag_graph.cli", *args]
    return subprocess.run(
        command, cwd=installed["cwd"], env=env, capture_output=True, text=True, timeout=120
    )


def test_package_data_is_shipped(installed: dict[str, Path | str]) -> None:
    package = Path(installed["site"]) / "mag_graph"
    for folder, pattern in RESOURCES.items():
        shipped = sorted(p.name for p in (package / folder).glob(pattern))
        source = sorted(p.name for p in (REPO / folder).glob(pattern))
        assert shipped == source, f"{folder}/ is not shipped completely"
    # Not vacuous: these exist in the sources, so they must be in the install.
    assert (package / "queries" / "q01-rolmatrix.rq").is_file()
    if (REPO / "ontology" / "mag.ttl").exists():
        assert (package / "ontology" / "mag.ttl").is_file()


def test_installed_code_reads_its_own_resources(installed: dict[str, Path | str]) -> None:
    site = Path(installed["site"]).resolve()
    code = (
        "import mag_graph, mag_graph.resources as r;"
        "print(mag_graph.__file__);"
        "print(r.resource_dir('ontology'));"
        "print(r.resource_dir('queries'))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("MAG_GRAPH_STORE", "PYTHONPATH")}
    env["PYTHONPATH"] = str(site)
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=installed["cwd"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    module, ontology, queries = (Path(line).resolve() for line in proc.stdout.splitlines())
    for path in (module, ontology, queries):
        assert path.is_relative_to(site), f"{path} is not inside the install {site}"
    assert (queries / "q01-rolmatrix.rq").is_file()


def test_installed_cli_initialises_from_the_shipped_files(installed: dict[str, Path | str]) -> None:
    version = _run(installed, "--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("mag-graph ")
    init = _run(installed, "init", "--store", ":memory:")
    assert init.returncode == 0, init.stderr
    rows = dict(
        line.rsplit(None, 1) for line in init.stdout.splitlines() if line.startswith("magg:")
    )
    assert "magg:ontologie" in rows and "magg:shapes" in rows
    if (REPO / "ontology" / "mag.ttl").exists():
        assert int(rows["magg:ontologie"]) > 0, init.stdout
    assert not (Path(installed["cwd"]) / ".mag-graph").exists()  # :memory: wrote nothing


def test_installed_matrix_finds_its_query(installed: dict[str, Path | str]) -> None:
    matrix = _run(installed, "matrix", "--store", ":memory:")
    assert matrix.returncode == 0, matrix.stderr
    assert "Geen verantwoordelijkheden" in matrix.stdout
