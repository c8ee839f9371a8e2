"""The store check's part for derived data: the history index and the patients' last-visit
files must be as the store wrote them (their digests in ``meta.json``), and, in a deep check,
each history row must agree with the sealed record it was derived from. A disagreement is
reported as derived: nothing recorded is wrong, and the app derives it again.
"""

from __future__ import annotations

from pathlib import Path

from microneedle_desk import paths
from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.store.check_problems import Problem
from microneedle_desk.store.check_state import MONTH, TABLES, CheckState
from microneedle_desk.store.derived import file_digest, month_from_records, relative, row_differences
from microneedle_desk.store.index_parts import recent_ids


class IndexChecks(CheckState):
    """The store check's part that reads the derived history files."""

    def check_digest(self, path: Path) -> bool:
        """Whether a derived file is as the store wrote it (reported as derived when not)."""
        if self.digests is None:
            return True  # a store from before the digests: they are taken at its next opening
        rel = relative(self.root, path)
        if self.digests.get(rel) == file_digest(path):
            return True
        self.problems.append(Problem(rel, "", "this history index file differs from what the app wrote "
                                     "(edited or damaged); it is derived again from the records at the "
                                     "next start, and nothing shown comes from it until then.", derived=True))
        return False

    def check_index(self, path: Path) -> None:
        if not self.check_digest(path):
            return
        data = self.load(path, TABLES["index"])
        if data is None:
            return
        if self.deep and MONTH.match(path.stem):
            self.compare_with_records(path, data)
        if not MONTH.match(path.stem):
            self.add(path, "", "the file name is not a month (YYYY-MM).")
        for row in data.get("summaries", {}).values():
            label = f"summary {row.get('id', '(no id)')}"
            if not self.schema_ok(path, label, row) or self.missing(path, label, row, ("id", "status")):
                continue
            if not self.months_unreadable and row["id"] not in self.session_ids \
                    and row["id"] not in self.active_ids:
                self.add(path, label, "the history lists a session whose record is not on file.")

    def compare_with_records(self, path: Path, stored: JsonObject) -> None:
        expected = {str(r.get("id")): r for r in month_from_records(
            self.root, path.stem, self.protocol)["summaries"].values()}
        faulty = {p.record for p in self.problems}
        # a month file's row of a session filed again in the recent part is that row's older version
        newer = set() if path.parent.name == paths.index_recent_dir(self.root).name else recent_ids(
            self.root, path.stem)
        for row in stored.get("summaries", {}).values():
            sid = str(row.get("id"))
            if sid not in expected or f"session {sid}" in faulty or sid in newer:
                continue  # not on file, or its record is itself at fault: reported as that, once
            differ = row_differences(row, expected[sid])
            if differ:
                self.problems.append(Problem(
                    self.rel(path), f"summary {sid}", "the history row disagrees with the sealed record in "
                    f"{', '.join(differ)}; it is derived again from the records at the next start.", derived=True))
