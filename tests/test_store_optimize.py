"""An on-disk store is compacted after a bulk write (mag_graph/store/loading.py): each
bulk_load block adds its own SST files over the whole key range, and every later read
merges them until the store is optimised."""

from __future__ import annotations

from pathlib import Path

import pytest

import mag_graph.store.loading as loading_module
from mag_graph.store import Store

EX = "http://example.org/"


def _sst_files(store: Store) -> int:
    return len(list(Path(store.location).glob("*.sst")))


def _load_in_blocks(directory: Path, source: Path, monkeypatch: pytest.MonkeyPatch, optimize: bool) -> Store:
    monkeypatch.setattr(loading_module, "SMALL_LOAD_BYTES", -1)
    monkeypatch.setattr(loading_module, "LINE_BLOCK_BYTES", 4000)  # about 40 blocks, each a bulk_load
    monkeypatch.setattr(loading_module, "OPTIMIZE_AFTER_BULK_WRITE", optimize)
    store = Store.open(directory)
    result = store.load(source)
    assert result.triples == 2000
    return store


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "big.nt"
    lines = [f'<{EX}s{i}> <{EX}p{i % 7}> "{i}" .\n<{EX}s{i}> <{EX}q> <{EX}o{i % 13}> .' for i in range(1000)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_bulk_loaded_disk_store_is_compacted(tmp_path: Path, source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    as_loaded = _load_in_blocks(tmp_path / "as-loaded", source, monkeypatch, optimize=False)
    optimised = _load_in_blocks(tmp_path / "optimised", source, monkeypatch, optimize=True)
    try:
        # the same statements either way
        assert set(optimised.oxigraph.quads_for_pattern(None, None, None, None)) == \
            set(as_loaded.oxigraph.quads_for_pattern(None, None, None, None))
        files = _sst_files(optimised)
        assert files < _sst_files(as_loaded)
        # already compacted: optimising again leaves as many files
        optimised.oxigraph.optimize()
        assert _sst_files(optimised) == files
        as_loaded.oxigraph.optimize()
        assert _sst_files(as_loaded) == files
    finally:
        as_loaded.close()
        optimised.close()

