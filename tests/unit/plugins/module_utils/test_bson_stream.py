"""Streaming BSON decoding: counts do not depend on how the bytes are cut; damage is found and located."""

from __future__ import annotations

import gzip

import bson
from hypothesis import given, settings
from hypothesis import strategies as st
from verify_archives import sample_documents

from ansible_collections.alteryx.server.plugins.module_utils import _bson_stream
from ansible_collections.alteryx.server.plugins.module_utils._bson_stream import (
    BsonCounter,
    GzipBsonCounter,
    TextBuffer,
)

DOCS = sample_documents("users", 25) + [{"big": bson.Binary(b"x" * 70_000), "n": 1}]
DATA = b"".join(bson.encode(d) for d in DOCS)


def _feed(counter, data: bytes, cuts: list[int]):
    at = 0
    for cut in sorted(set(cuts)):
        counter.feed(memoryview(data)[at:cut])
        at = cut
    counter.feed(data[at:])
    counter.close()
    return counter


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.lists(st.integers(0, len(DATA)), max_size=12))
def test_count_does_not_depend_on_the_pieces(cuts: list[int]) -> None:
    counter = _feed(BsonCounter(), DATA, cuts)
    assert (counter.documents, counter.error, counter.bytes) == (len(DOCS), "", len(DATA))


@settings(max_examples=30, derandomize=True, deadline=None)
@given(st.lists(st.integers(0, 4000), max_size=6))
def test_gzip_count_does_not_depend_on_the_pieces(cuts: list[int]) -> None:
    packed = gzip.compress(DATA[:3000]) + gzip.compress(DATA[3000:])  # two members: still one gzip file
    counter = _feed(GzipBsonCounter(), packed, [c for c in cuts if c <= len(packed)])
    assert (counter.documents, counter.error, counter.bytes) == (len(DOCS), "", len(DATA))


def test_truncated_tail() -> None:
    counter = _feed(BsonCounter(), DATA[:-5], [100, 2000])
    assert counter.documents == len(DOCS) - 1
    assert counter.error.endswith("do not make a whole document (truncated)")


def test_impossible_lengths_stop_decoding_and_keep_the_count_before() -> None:
    one = bson.encode({"a": 1})
    for length in (4, 0, -1, _bson_stream.MAX_DOCUMENT + 1):
        counter = _feed(BsonCounter(), one * 3 + length.to_bytes(4, "little", signed=True) + one, [])
        assert counter.documents == 3
        assert counter.error == f"document 4 at byte {3 * len(one)} declares {length} bytes"


def test_damaged_document_is_located() -> None:
    docs = [bytearray(bson.encode({"k": n, "s": "text"})) for n in range(5)]
    docs[2][-1] = 1  # the terminating NUL of document 3
    counter = _feed(BsonCounter(), b"".join(docs), [])
    assert counter.documents == 2 and counter.error.startswith("document 3 does not decode")


def test_nothing_is_fed_after_an_error() -> None:
    counter = BsonCounter()
    counter.feed((3).to_bytes(4, "little"))
    counter.feed(bson.encode({"a": 1}))
    counter.close()
    assert counter.documents == 0 and "declares 3 bytes" in counter.error


def test_empty_input_is_zero_documents() -> None:
    assert (_feed(BsonCounter(), b"", []).documents, _feed(BsonCounter(), b"", []).error) == (0, "")
    gz = _feed(GzipBsonCounter(), gzip.compress(b""), [])
    assert (gz.documents, gz.error) == (0, "")


def test_gzip_damage() -> None:
    packed = gzip.compress(DATA)
    assert _feed(GzipBsonCounter(), packed[:-20], []).error == "the gzip stream is cut short"
    assert _feed(GzipBsonCounter(), b"nope" + packed, []).error.startswith("not a valid gzip stream")
    inner = _feed(GzipBsonCounter(), gzip.compress(DATA[:-3]), [])
    assert inner.error.endswith("(truncated)")


def test_text_buffer_keeps_up_to_its_limit() -> None:
    kept = TextBuffer(10)
    kept.feed(b"12345")
    kept.feed(memoryview(b"67890"))
    kept.close()
    assert (kept.data, kept.overflow) == (b"1234567890", False)
    over = TextBuffer(10)
    over.feed(b"12345678901")
    over.close()
    assert (over.data, over.overflow) == (b"", True)


def test_bson_import_is_guarded() -> None:
    assert _bson_stream.HAS_BSON and _bson_stream.BSON_IMPORT_ERROR is None


def test_batches_split_a_piece_and_stop_at_a_damaged_document(monkeypatch) -> None:
    monkeypatch.setattr(_bson_stream, "DECODE_BATCH", 100)  # a batch of one or two documents
    assert _feed(BsonCounter(), DATA, [5000]).documents == len(DOCS)
    docs = [bytearray(bson.encode({"k": n, "s": "text"})) for n in range(12)]
    docs[9][-1] = 1
    counter = _feed(BsonCounter(), b"".join(docs), [])
    assert counter.documents == 9 and counter.error.startswith("document 10 does not decode")
