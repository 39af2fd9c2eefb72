"""The open draw algorithm: reproducible from public data, uniform in form, and any change
to the seed, a batch list or the published record is caught."""

from __future__ import annotations

import datetime as dt
import hashlib

from hypothesis import given
from hypothesis import strategies as st

from jiaoguan.plates import draw as algo

numbers = st.lists(
    st.from_regex(r"苏A[A-HJ-NP-Z0-9]{5}", fullmatch=True), min_size=1, max_size=60, unique=True
)
seeds = st.binary(min_size=32, max_size=32)


def _record(
    seed: bytes, batch: list[str], taken: list[str], count: int
) -> tuple[algo.DrawRecord, algo.PublishedBatch]:
    published = algo.PublishedBatch(
        "b1", "sha256", algo.list_hash(batch), tuple(algo.canonical(batch))
    )
    snap = algo.snapshot(batch, taken)
    snap_hash = algo.list_hash(snap)
    chosen = algo.candidates(
        seed=seed,
        right_id="r-1",
        attempt=1,
        batch_hashes=[published.announced_hash],
        snapshot_hash=snap_hash,
        available=snap,
        count=count,
    )
    record = algo.DrawRecord(
        right_id="r-1",
        attempt=1,
        drawn_at=dt.datetime(2026, 3, 10, tzinfo=dt.UTC),
        count=count,
        batch_ids=("b1",),
        batch_hashes=(published.announced_hash,),
        taken=tuple(algo.canonical(taken)),
        snapshot_hash=snap_hash,
        snapshot_algorithm="sha256",
        candidates=tuple(chosen),
        seed_commitment=algo.seed_commitment(seed),
    )
    return record, published


@given(seeds, numbers, st.integers(1, 60), st.data())
def test_candidates_are_distinct_free_and_reproducible(
    seed: bytes, batch: list[str], count: int, data: st.DataObject
) -> None:
    taken = data.draw(st.lists(st.sampled_from(batch), unique=True, max_size=len(batch) - 1))
    record, published = _record(seed, batch, taken, count)
    free = set(batch) - set(taken)
    assert len(record.candidates) == min(count, len(free))
    assert len(set(record.candidates)) == len(record.candidates)
    assert set(record.candidates) <= free
    result = algo.verify(record, [published], seed.hex())
    assert result.ok and result.recomputed == list(record.candidates)


@given(seeds, seeds, numbers)
def test_another_seed_fails(seed: bytes, other: bytes, batch: list[str]) -> None:
    record, published = _record(seed, batch, [], 10)
    if other != seed:
        assert "seed_commitment_mismatch" in algo.verify(record, [published], other.hex()).failures


@given(seeds, numbers, st.from_regex(r"苏A[A-HJ-NP-Z0-9]{5}", fullmatch=True))
def test_a_changed_batch_list_fails(seed: bytes, batch: list[str], extra: str) -> None:
    record, published = _record(seed, batch, [], 10)
    if extra in batch:
        return
    changed = algo.PublishedBatch(
        "b1", "sha256", published.announced_hash, (*published.numbers, extra)
    )
    failures = algo.verify(record, [changed], seed.hex()).failures
    assert "batch_hash_mismatch:b1" in failures


@given(seeds, numbers)
def test_hiding_a_free_number_fails(seed: bytes, batch: list[str]) -> None:
    record, published = _record(seed, batch, [], 10)
    hidden = algo.DrawRecord(**{**record.__dict__, "taken": (batch[0],)})
    assert "snapshot_hash_mismatch" in algo.verify(hidden, [published], seed.hex()).failures


def test_known_vector() -> None:
    """A fixed vector, so another implementation can check itself against this one."""
    seed = bytes(range(32))
    batch = [f"苏AQ20{i:02d}" for i in range(100)]
    record, _ = _record(seed, batch, ["苏AQ2000"], 5)
    assert record.seed_commitment == hashlib.sha256(seed).hexdigest()
    assert record.candidates == KNOWN
    assert algo.list_hash(batch) == hashlib.sha256("\n".join(sorted(batch)).encode()).hexdigest()


KNOWN = ("苏AQ2054", "苏AQ2047", "苏AQ2020", "苏AQ2052", "苏AQ2019")  # docs/plates.md
