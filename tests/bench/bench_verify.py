"""Throughput of offline verification (alteryx_backup_verify) against `sha256sum` of the same archive.

Builds a backup archive of at least 1 GB in a temporary folder (removed afterwards) with the collection's own
manifest, sidecar and manifest copy (tests/tools/verify_archives.py):

* a GridFS-style collection of 255 KB chunk documents whose payload is already-compressed data, the way MongoDB
  stores large files such as workflow packages (.yxzp files are zip archives),
* metadata collections of small documents (strings, dates, nested documents, arrays), which compress well and
  are the expensive case for the BSON decoder,
* two large incompressible files under Config/.

Then times, alternately and with the file in the page cache, `sha256sum <archive>` and one full verification
(``verify_archive``: sidecar, manifest copy, every CRC, every manifest SHA256, every BSON document decoded and
counted), and reports the best of ``--rounds`` for each. Target: verify >= 0.9x the throughput of sha256sum.

    .venv/bin/python tests/bench/bench_verify.py [--size-mb 1200] [--rounds 3] [--out docs/verify.md]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import bson

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / ".build" / "collections"))
sys.path.insert(0, str(REPO / "tests" / "tools"))

from verify_archives import Collection, build_archive  # noqa: E402

from ansible_collections.alteryx.server.plugins.module_utils._archive_verify import verify_archive  # noqa: E402

CHUNK_DOC = 255 * 1024
MB = 1_000_000
CREATED = datetime(2025, 6, 1, 12, 0, 0)
MARKER_START = "<!-- bench_verify:start -->"
MARKER_END = "<!-- bench_verify:end -->"


def _chunk_docs(total: int, seed: int) -> Collection:
    """``fs.chunks``-like documents carrying incompressible payloads, ``total`` bytes of payload."""
    count = max(1, total // CHUNK_DOC)

    def chunks():
        files_id = bson.ObjectId(b"%012d" % seed)
        batch = []
        for n in range(count):
            batch.append(bson.encode({"_id": bson.ObjectId(b"%04d%08d" % (seed, n)), "files_id": files_id, "n": n,
                                      "data": bson.Binary(os.urandom(CHUNK_DOC))}))
            if len(batch) == 16:
                yield b"".join(batch)
                batch = []
        if batch:
            yield b"".join(batch)

    return Collection("AlteryxService", "fs.chunks", count, chunks)


def _small_docs(name: str, total: int, seed: int) -> Collection:
    """Gallery-like metadata documents, about 420 bytes each, ``total`` bytes in all."""
    template = {"_id": None, "name": "", "owner": "", "created": CREATED, "runCount": 0, "public": True,
                "tags": ["finance", "daily", "emea"], "settings": {"priority": "Default", "workerTag": "",
                                                                   "retries": 3, "notes": ""}}
    one = len(bson.encode({**template, "_id": bson.ObjectId(), "name": "x" * 24, "owner": "y" * 22,
                           "settings": {**template["settings"], "notes": "z" * 180}}))
    count = max(1, total // one)

    def chunks():
        batch = []
        for n in range(count):
            doc = {**template, "_id": bson.ObjectId(b"%04d%08d" % (seed, n)), "name": f"workflow-{n:015d}",
                   "owner": f"user{n % 977:05d}@example.com", "runCount": n % 1000,
                   "settings": {**template["settings"], "notes": f"{n:x}" * (180 // len(f'{n:x}'))}}
            batch.append(bson.encode(doc))
            if len(batch) == 4096:
                yield b"".join(batch)
                batch = []
        if batch:
            yield b"".join(batch)

    return Collection("AlteryxGallery", name, count, chunks)


def _random_file(size: int):
    def chunks():
        left = size
        while left > 0:
            yield os.urandom(min(left, 1 << 20))
            left -= 1 << 20
    return chunks


def build(folder: Path, size_mb: int) -> Path:
    total = size_mb * MB
    collections = [_chunk_docs(int(total * 0.60), 1), _small_docs("appInfos", int(total * 0.06), 2),
                   _small_docs("auditEvents", int(total * 0.06), 3)]
    files = {"Config/RuntimeSettings.xml": lambda: [b"<SystemSettings/>"],
             "Secrets/ControllerToken.txt": lambda: [b"A" * 64],
             "Config/Engine/Large1.bin": _random_file(int(total * 0.14)),
             "Config/Engine/Large2.bin": _random_file(int(total * 0.14))}
    return build_archive(folder, collections=collections, files=files).archive


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(command) -> float:
    start = time.perf_counter()
    command()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=1200, help="payload size in MB (1200 gives an archive of ~1.09 GB)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, help="write the figures into this Markdown file between the markers")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench_verify_", dir="/tmp"))
    try:
        start = time.perf_counter()
        archive = build(folder, args.size_mb)
        built = time.perf_counter() - start
        size = archive.stat().st_size
        if size < 1_000_000_000:
            print(f"the archive is {size / MB:,.0f} MB; the comparison needs at least 1 GB (raise --size-mb)")
            return 2
        sha_runs, verify_runs, sha_cpu, verify_cpu, report = [], [], [], [], None
        subprocess.run(["sha256sum", str(archive)], check=True, capture_output=True)  # into the page cache
        for _ in range(args.rounds):
            before = _children_cpu()
            sha_runs.append(_time(lambda: subprocess.run(["sha256sum", str(archive)], check=True,
                                                         capture_output=True)))
            sha_cpu.append(_children_cpu() - before)
            start, cpu = time.perf_counter(), time.process_time()
            report = verify_archive(str(archive))
            verify_runs.append(time.perf_counter() - start)
            verify_cpu.append(time.process_time() - cpu)
        assert report is not None and report["passed"], report and report["failed_checks"][:5]
        sha_best, verify_best = min(sha_runs), min(verify_runs)
        ratio = sha_best / verify_best
        lines = [
            f"- archive: {size / MB:,.0f} MB ({report['entries']} entries, {report['documents']:,} BSON documents, "
            f"{len(report['checks'])} checks), built in {built:.0f} s",
            f"- `sha256sum`: best {sha_best:.2f} s of {args.rounds} = {size / MB / sha_best:,.0f} MB/s",
            f"- verify: best {verify_best:.2f} s of {args.rounds} = {size / MB / verify_best:,.0f} MB/s",
            f"- verify / sha256sum throughput: **{ratio:.2f}x** (target >= 0.90x): "
            f"{'met' if ratio >= 0.9 else 'NOT met'}",
            f"- all rounds, seconds: sha256sum {', '.join(f'{t:.2f}' for t in sha_runs)}; verify "
            f"{', '.join(f'{t:.2f}' for t in verify_runs)}",
            f"- CPU seconds (least of the rounds): sha256sum {min(sha_cpu):.2f}; verify {min(verify_cpu):.2f} on two "
            f"threads (load average at the end {os.getloadavg()[0]:.1f})",
            f"- machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
            f"{subprocess.run(['sha256sum', '--version'], capture_output=True, text=True).stdout.splitlines()[0]}",
        ]
        print("\n".join(lines))
        if args.out:
            _write_out(args.out, lines)
        return 0 if ratio >= 0.9 else 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _write_out(path: Path, lines: list[str]) -> None:
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition(MARKER_START)
    _, _, tail = rest.partition(MARKER_END)
    path.write_text(f"{head}{MARKER_START}\n" + "\n".join(lines) + f"\n{MARKER_END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
