"""The session's event log as the JSON on disk holds it: the envelope every event shares and
the payload (``data``) of each event type (Qt-free).

The reducer (core/fold*.py) still checks every event it folds, since a stored event may come
from a file written around the app; these types say what the app itself writes, and a test
walks a whole session to hold :data:`PAYLOADS` to the events the core emits.
"""

# No `from __future__ import annotations`: NotRequired must be seen at runtime, where
# __required_keys__/__optional_keys__ are computed (a test holds the written events to them).
from typing import Literal, NotRequired, TypedDict

from microneedle_desk.core.record_types import ChainLink, PatientSnapshot, PhotoRecord, SignatureBlock


class ConfigData(TypedDict):
    """The session's settings as the start event records them."""

    washout_months: int
    minoxidil_hours: int
    interval_days: int


class SessionStartedData(TypedDict):
    patient_id: str
    practitioner_id: str
    config: ConfigData
    patient: PatientSnapshot
    schema: int
    rules: NotRequired[int]  # the first sessions lack it: rules 1
    content: NotRequired[int]  # the first record form lacks it: form 1
    not_applicable: NotRequired[list[str]]


class PractitionerChangedData(TypedDict):
    practitioner_id: str
    reason: NotRequired[str]  # "taken_over" at a locked screen


class GradeRecordedData(TypedDict):
    scale: str
    grade: str


class ScreeningAnsweredData(TypedDict):
    item: str
    answer: bool


class DateData(TypedDict):
    """isotretinoin_last_dose, next_session_set."""

    date: str


class JustificationData(TypedDict):
    """screening_override."""

    justification: str


class ConsentData(TypedDict):
    given_by: str


class ProductData(TypedDict):
    """anesthetic_product."""

    product: str


class PlannedMinutesData(TypedDict):
    """anesthetic_applied, dwell_plan_changed, needling_planned: as entered, a number or text."""

    planned_minutes: int | float | str


class NeedleLengthData(TypedDict):
    mm: float


class CartridgeData(TypedDict):
    lot: str
    expiry: str
    justification: NotRequired[str]  # only for an expired cartridge


class CartridgeLotData(TypedDict):
    lot: str


class CartridgeExpiryData(TypedDict):
    expiry: str


class FlagData(TypedDict):
    """blood_washed, none_observed, aftercare_given."""

    value: bool


class SealedData(TypedDict):
    """cartridge_new_sealed."""

    value: bool
    justification: NotRequired[str]  # only when used without confirming it


class HandpieceData(TypedDict):
    serial: str


class KindData(TypedDict):
    """antiseptic_set, alert."""

    kind: str


class NeedlingStartedData(TypedDict, total=False):
    early_reason: str
    late_reason: str


class EmptyData(TypedDict):
    """needling_paused, needling_resumed."""


class NeedlingFinishedData(TypedDict, total=False):
    reason: str


class ZoneData(TypedDict):
    zone: str
    treated: bool


class PassesData(TypedDict):
    count: int
    directions: list[str]


class EndpointData(TypedDict):
    kinds: NotRequired[list[str]]
    kind: NotRequired[str]  # the first record form: one endpoint
    note: NotRequired[str]


class NoteData(TypedDict):
    """endpoint_note_set."""

    note: str


class AntibioticData(TypedDict):
    used: NotRequired[bool]  # the first record form always named a product
    product: str


class AdjunctData(TypedDict):
    kind: str
    prp_ml: NotRequired[float]
    kit_lot: NotRequired[str]
    product: NotRequired[str]
    strength: NotRequired[str]
    form: NotRequired[str]


class SideEffectData(TypedDict):
    entry_id: str
    kind: str
    severity: str
    note: str


class SideEffectRemovedData(TypedDict):
    entry_id: str


class HomeRollerData(TypedDict):
    uses: bool
    mm: NotRequired[float]


class InterruptionData(TypedDict):
    down_since: str
    gap_seconds: float


class DraftData(TypedDict):
    field: str
    text: str


class SignedData(TypedDict, total=False):
    acknowledged: list[str]


class ReasonData(TypedDict):
    """abandoned."""

    reason: str


class PhotoConsentData(TypedDict):
    value: str


class PhotoAddedData(TypedDict):
    photo: PhotoRecord


class PhotoSkippedData(TypedDict):
    view: str
    reason: str


EventData = (
    SessionStartedData | PractitionerChangedData | GradeRecordedData | ScreeningAnsweredData | DateData
    | JustificationData | ConsentData | ProductData | PlannedMinutesData | NeedleLengthData | CartridgeData
    | CartridgeLotData | CartridgeExpiryData | FlagData | SealedData | HandpieceData | KindData
    | NeedlingStartedData | EmptyData | NeedlingFinishedData | ZoneData | PassesData | EndpointData | NoteData
    | AntibioticData | AdjunctData | SideEffectData | SideEffectRemovedData | HomeRollerData | InterruptionData
    | DraftData | SignedData | ReasonData | PhotoConsentData | PhotoAddedData | PhotoSkippedData
)
"""The payload of any session event."""


class SessionEvent(TypedDict):
    """One event of a session's log: who did what, when (wall clock with its UTC offset, and the
    monotonic clock with its boot), on which device; ``n`` is its place in the session."""

    id: str
    session: str
    n: int
    type: str
    at: str
    mono: float
    boot: str
    by: str
    device: str
    data: EventData
    sig: NotRequired[SignatureBlock]  # on the events a person signs


class SessionDoc(TypedDict):
    """A session as filed: its events, sealed in the hash chain. The store reads a session in
    progress (from its own file) as its id, status and events only."""

    id: str
    status: str
    events: list[SessionEvent]
    schema: NotRequired[int]
    kind: NotRequired[Literal["session"]]
    patient_id: NotRequired[str]
    device: NotRequired[str]
    chain: NotRequired[ChainLink]
    hash: NotRequired[str]


PAYLOADS: dict[str, type] = {
    "session_started": SessionStartedData,
    "practitioner_changed": PractitionerChangedData,
    "grade_recorded": GradeRecordedData,
    "screening_answered": ScreeningAnsweredData,
    "isotretinoin_last_dose": DateData,
    "screening_override": JustificationData,
    "consent_confirmed": ConsentData,
    "anesthetic_product": ProductData,
    "anesthetic_applied": PlannedMinutesData,
    "dwell_plan_changed": PlannedMinutesData,
    "needle_length_set": NeedleLengthData,
    "cartridge_set": CartridgeData,
    "cartridge_lot_set": CartridgeLotData,
    "cartridge_expiry_set": CartridgeExpiryData,
    "cartridge_new_sealed": SealedData,
    "handpiece_set": HandpieceData,
    "antiseptic_set": KindData,
    "needling_planned": PlannedMinutesData,
    "needling_started": NeedlingStartedData,
    "needling_paused": EmptyData,
    "needling_resumed": EmptyData,
    "needling_finished": NeedlingFinishedData,
    "zone_set": ZoneData,
    "passes_set": PassesData,
    "endpoint_set": EndpointData,
    "endpoint_note_set": NoteData,
    "blood_washed": FlagData,
    "antibiotic_applied": AntibioticData,
    "adjunct_set": AdjunctData,
    "side_effect_added": SideEffectData,
    "side_effect_removed": SideEffectRemovedData,
    "none_observed": FlagData,
    "aftercare_given": FlagData,
    "home_roller_set": HomeRollerData,
    "next_session_set": DateData,
    "alert": KindData,
    "interruption": InterruptionData,
    "draft": DraftData,
    "signed": SignedData,
    "abandoned": ReasonData,
    "photo_consent": PhotoConsentData,
    "photo_added": PhotoAddedData,
    "photo_skipped": PhotoSkippedData,
}
"""Each event type's payload: the reducer folds exactly these types (a test holds the two together)."""
