"""The example FHIR bundle in the repository: one demo session, exported as the app exports it.

    .venv/bin/python tools/fhir_example.py [--out resources/examples/fhir-example.json]

Makes a throw-away demo data folder with every UUID drawn from a seeded generator (so the
same bundle comes out every time), picks a signed session that has side effects, an adjunct
and a deviation, corrects its needle length as an amendment (to show the Provenance), and
writes that one session's bundle, pretty-printed. ``tests/test_fhir_export.py`` checks the
file in the repository is exactly what this writes, and that it validates.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "resources" / "examples" / "fhir-example.json"
SEED = 19
SESSIONS = 40
CLINIC = "Example Dermatology Clinic"
GENERATED_AT = "2026-11-25T18:00:00+01:00"
PIN = "864213"


@contextmanager
def seeded_uuids(seed: int) -> Iterator[None]:
    """Every ``uuid.uuid4()`` (records' ids, the store's own) drawn from a seeded generator."""
    rng = random.Random(seed)
    real = uuid.uuid4
    uuid.uuid4 = lambda: uuid.UUID(int=rng.getrandbits(128), version=4)  # type: ignore[assignment]
    try:
        yield
    finally:
        uuid.uuid4 = real  # type: ignore[assignment]


def example_text() -> str:
    """The example bundle's text (JSON, two-space indents)."""
    sys.path.insert(0, str(ROOT))
    from microneedle_desk import paths
    from microneedle_desk.core.clock import FakeClock
    from microneedle_desk.core.fold import replay
    from microneedle_desk.core.protocol import load_protocol
    from microneedle_desk.review import fhir, fhir_source
    from microneedle_desk.review.demo import generate
    from microneedle_desk.store.accounts import AccountBook
    from microneedle_desk.store.store import Store

    protocol = load_protocol(paths.protocol_file())
    with tempfile.TemporaryDirectory() as tmp, seeded_uuids(SEED):
        store = Store(Path(tmp) / "data", protocol, FakeClock())
        generate(store, SESSIONS, seed=SEED)

        def fits(row: dict[str, object]) -> bool:
            state = replay(store.session_doc(str(row["id"]))["events"], protocol)  # type: ignore[index]
            return (row["status"] == "signed" and bool(row["side_effects"]) and row["adjunct"] != "none"
                    and bool(state.deviations_acknowledged))

        rows = sorted(store.summaries(), key=lambda r: str(r["started_at"]))
        row = next(r for r in rows if fits(r))
        book = AccountBook(store)
        person = next(a for a in book.accounts(include_retired=False) if a.is_admin)
        book.change_pin(person.id, None, PIN)
        mm = float(row["needle_mm"]) - 0.1
        book.amend(person.id, PIN, str(row["id"]), "needle_mm", f"{mm:.1f}",
                   "The handpiece dial was read wrong at the session; the setting log shows the length.")
        chosen = fhir_source.select_rows(store.summaries(), None, None, str(row["patient_id"]))
        chosen = [r for r in chosen if r["id"] == row["id"]]
        setup = fhir_source.store_setup(store, protocol, GENERATED_AT, False, CLINIC)
        setup.bundle_id = str(uuid.uuid5(fhir_source.SYSTEM_NAMESPACE, "example-bundle"))
        out = io.StringIO()
        fhir.write_stream(out, fhir_source.store_records(store, chosen), setup, indent=2)
        store.close()
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=EXAMPLE, help="where to write it (default: %(default)s)")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(example_text(), encoding="utf-8")
    print(f"Wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
