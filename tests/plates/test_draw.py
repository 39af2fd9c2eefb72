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


BEACON_KEY = "4fad65805da97323a26cf625d5535ee962abda3098c073e79e1fdf9eb879cd46"  # sandbox
BEACON_1000 = (
    "f718823327feec46fda62e400e5a19b2ca50cef0821d5045780fb411a1971bee",
    "2e4de06afada75d9e965cd39e2808cab0f568382ba5ba3eaa8629c95174f53c0"
    "19966b562c1781dac04270d7082d09d40b63bb30c3dfc339fc475960201ee205",
)
KNOWN_WITH_BEACON = ("苏AQ2098", "苏AQ2010", "苏AQ2047", "苏AQ2011", "苏AQ2050")  # docs/plates.md


def test_known_vector_with_beacon() -> None:
    """The same draw with beacon round 1000 of the sandbox beacon mixed in (docs/plates.md)."""
    import dataclasses

    from sandbox import beacon as sandbox_beacon

    assert sandbox_beacon.PUBLIC_KEY_HEX == BEACON_KEY
    assert sandbox_beacon.beacon_round(1000)["randomness"] == BEACON_1000[0]
    seed = bytes(range(32))
    mixed = algo.mixed_seed(seed, 1000, BEACON_1000[0])
    assert mixed.hex() == "73fce2377b80c69efe122b94ba3d973d468a7a349a40850af8bedd238d78991a"
    batch = [f"苏AQ20{i:02d}" for i in range(100)]
    record, published = _record(mixed, batch, ["苏AQ2000"], 5)
    assert record.candidates == KNOWN_WITH_BEACON
    record = dataclasses.replace(
        record,
        seed_commitment=algo.seed_commitment(seed),
        beacon_round=1000,
        beacon_randomness=BEACON_1000[0],
        beacon_signature=BEACON_1000[1],
    )
    ok = algo.verify(record, [published], seed.hex(), beacon_key=BEACON_KEY)
    assert ok.ok, ok.failures
    tampered = dataclasses.replace(record, beacon_randomness="00" * 32)
    bad = algo.verify(tampered, [published], seed.hex(), beacon_key=BEACON_KEY)
    assert "beacon_randomness_mismatch" in bad.failures
    assert "candidates_mismatch" in bad.failures
