"""Where the shipped RDF lives: ontology, shapes, queries and example data.

The folders sit at the top of the repository and are installed as sub-packages of
``mag_graph`` (see ``pyproject.toml``), so the same lookup works for an editable install,
a wheel, and a plain source checkout.
"""

from __future__ import annotations

from pathlib import Path

_FOLDERS = ("ontology", "shapes", "queries", "data")


def resource_dir(name: str) -> Path:
    """The directory holding one kind of shipped resource (``ontology``, ``shapes``, ...)."""
    if name not in _FOLDERS:
        raise ValueError(f"unknown resource folder {name!r}; expected one of {_FOLDERS}")
    package_dir = Path(__file__).resolve().parent
    # Installed (wheel): the folder sits inside the package. Editable installs and source
    # checkouts: it sits beside the package, at the top of the repository. The folders
    # have no __init__.py, so importlib.resources would return a MultiplexedPath.
    for candidate in (package_dir / name, package_dir.parent / name):
        if candidate.is_dir():
            return candidate
    return package_dir.parent / name


def resource_files(name: str, *patterns: str) -> list[Path]:
    """The files of one resource folder matching the glob patterns, sorted by name."""
    folder = resource_dir(name)
    found: set[Path] = set()
    for pattern in patterns or ("*",):
        found.update(p for p in folder.glob(pattern) if p.is_file())
    return sorted(found)
