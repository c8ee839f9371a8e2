"""The shapes of the documents the app writes, as the JSON on disk holds them (Qt-free).

Each is a ``TypedDict``: the same plain dict the canonical JSON, the hash chain and the
signatures are computed over, with its keys and value types named for mypy. A key that
records from an earlier form of the app lack is ``NotRequired``.
"""

# No `from __future__ import annotations`: NotRequired must be seen at runtime, where
# __required_keys__/__optional_keys__ are computed (a test holds the written events to them).
from collections.abc import Mapping
from typing import Any, Literal, NotRequired, TypedDict

JsonObject = dict[str, Any]
"""A JSON object whose keys the app does not fix: a settings blob, a protocol being parsed, a
stored document not yet known to be a record (what the store's check reads), or a document of
another format (a FHIR resource of an export)."""


class SignatureBlock(TypedDict):
    """An Ed25519 signature over a record (core/signing.py says what is signed)."""

    v: int
    by: str
    key: str
    value: str


class ChainLink(TypedDict):
    """A record's place in the hash chain: its sequence number, the hash before it and the
    device that sealed it."""

    seq: int
    prev: str
    device: NotRequired[str]


class ChainPoint(TypedDict):
    """A place in the hash chain: its sequence number and the hash of the record there."""

    seq: int
    hash: str


class ChainHeadDoc(ChainPoint):
    """The chain's head as the store's meta file keeps it. ``intent`` is the place a save is about
    to reach, None once reached (the store's recovery completes or drops one a stop left)."""

    intent: NotRequired[ChainPoint | None]


class HeartbeatDoc(TypedDict):
    """The last moment the app was alive with a session open: wall time, monotonic seconds and
    the boot it was measured in (a crash's interruption is counted from it)."""

    at: str
    mono: float
    boot: str


class ScryptCost(TypedDict):
    n: int
    r: int
    p: int


class SealedKey(TypedDict):
    """A private key encrypted under a PIN, with what is needed to open it."""

    kdf: str
    n: int
    r: int
    p: int
    salt: str
    cipher: str
    nonce: str
    data: str


class KeyCertificate(TypedDict):
    by: str
    at: str
    value: str


class KeyDoc(TypedDict):
    """An account's key: the public key, the sealed private key and the certificate vouching for it."""

    v: int
    public: str
    sealed: SealedKey
    cert: KeyCertificate


class PatientSnapshot(TypedDict):
    """The patient's details a session's start records as they were then."""

    name: str
    dob: str
    clinic_id: str
    sex: str
    indication: str
    scale: str
    grade: str


class PatientDoc(PatientSnapshot):
    """A registered patient (core/records.py)."""

    schema: int
    kind: Literal["patient"]
    id: str
    device: str
    created_at: str
    demo: bool
    language: NotRequired[str]  # only when chosen


class PractitionerDoc(TypedDict):
    schema: int
    kind: Literal["practitioner"]
    id: str
    name: str
    device: str
    created_at: str
    active: bool


class PhotoRecord(TypedDict):
    """What a session's record holds of a stored photo (core/photos.py checks it)."""

    photo_id: str
    view: str
    phase: str
    file: str
    sha256: str
    source_sha256: str
    width: int
    height: int
    captured: str | None
    original_name: str


class AmendmentDoc(TypedDict):
    """A correction of one field of a signed session; ``old``/``new`` are the field's JSON values."""

    schema: int
    kind: Literal["amendment"]
    id: str
    session_id: str
    field: str
    old: object
    new: object
    reason: str
    by: str
    at: str
    device: str
    sig: NotRequired[SignatureBlock]
    chain: NotRequired[ChainLink]
    hash: NotRequired[str]


class PhaseDoc(TypedDict):
    """A course plan's run of sessions at one interval; ``sessions`` None: open-ended."""

    interval_days: int
    window_days: int
    sessions: int | None


class CoursePlanDoc(TypedDict):
    """A course plan as a course event or a preset keeps it (core/course_plan.py CoursePlan.to_doc);
    the main phase's figures are at the top level, as plans were first written."""

    id: str
    label: str
    source: str
    sessions: int
    interval_days: int
    window_days: int
    needle_mm: str | None
    adjunct: str
    clinic: bool
    maintenance: NotRequired[PhaseDoc]


class CourseEventDoc(TypedDict):
    """One change to a patient's course (core/course_events.py): started, paused, resumed, plan
    changed, new phase, ended."""

    schema: int
    kind: Literal["course_event"]
    type: str
    id: str
    patient_id: str
    course_id: str
    on: str
    reason: str
    by: str
    device: str
    at: str
    plan: NotRequired[CoursePlanDoc]  # started, plan_changed
    outcome: NotRequired[str]  # course_ended: completed or stopped
    phase: NotRequired[str]  # phase_started: main or maintenance


class CoursePresetDoc(TypedDict):
    """A course plan a clinic added (clinic/courses.py): the plan (CoursePlan.to_doc) and who added it."""

    schema: int
    kind: Literal["course_plan"]
    id: str
    plan: CoursePlanDoc
    by: str
    device: str
    at: str


class FollowupDoc(TypedDict):
    """What was found when a patient was checked after a session (core/followup.py)."""

    schema: int
    kind: Literal["followup"]
    id: str
    session_id: str
    on: str
    none: bool
    what: str
    severity: str
    note: str
    by: str
    at: str
    device: str


class FollowupIndexRow(FollowupDoc):
    """A follow-up's copy in its session's month of the history index, with what the due list
    and the course read of the session beside it."""

    patient_id: str
    needle_mm: float | None


class AccessSubject(TypedDict, total=False):
    """What an access record is about: a patient, a session (UUIDs only, never a name)."""

    patient_id: str
    session_id: str


class AccessDoc(TypedDict):
    """One line of the access log (store/access_log.py): a sign-in, a failure, an opened record,
    an export, a print, a command-line use; sealed in the hash chain like the sessions."""

    schema: int
    kind: Literal["access"]
    id: str
    at: str
    device: str
    account_id: str | None
    os_user: str | None  # a command-line use: the OS user's name
    action: str
    subject: AccessSubject
    detail: str
    chain: NotRequired[ChainLink]
    hash: NotRequired[str]


class PinHash(TypedDict):
    """A salted scrypt hash of a PIN or passphrase, with the parameters needed to check it."""

    alg: str
    n: int
    r: int
    p: int
    salt: str
    hash: str


class AccountDoc(TypedDict):
    """A person's account (core/accounts.py); ``key`` is None for an account from before signatures."""

    schema: int
    kind: Literal["account"]
    id: str
    name: str
    role: str
    active: bool
    pin_hash: PinHash | None
    must_change_pin: bool
    failures: int
    lockouts: int
    locked_until: str | None
    wait_mono: float | None
    wait_boot: str | None
    device: str
    created_at: str
    key: KeyDoc | None
    past_keys: list[Mapping[str, object]]
