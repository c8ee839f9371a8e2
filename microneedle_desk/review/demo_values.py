"""The made-up values demo sessions are drawn from: practitioners, products, reasons, side
effects and their notes, zones by indication, and the shape of the clinic's days. Every name,
lot and serial is obviously fake.
"""

from __future__ import annotations

from datetime import date, timedelta, timezone

END_DATE = date(2026, 10, 30)
"""The last possible day of generated history (fixed, so a seed always gives the same data)."""
TZ = timezone(timedelta(hours=1))
SESSIONS_PER_DAY = 20  # on average while the history is shorter than MAX_YEARS; a day's count varies
MAX_YEARS = 10  # the longest history made: 150,000 sessions are a ten-year clinic of ~57 a day
COURSE_MIN, COURSE_MAX = 4, 12  # visits in a patient's course
OPEN_MIN, LAST_START_MIN = 8 * 60, 17 * 60

PRACTITIONERS = ("Demo Practitioner A", "Demo Practitioner B", "Demo Practitioner C")
ANESTHETICS = ("EMLA 5% cream", "LMX4 lidocaine 4% cream", "Pliaglis 7%/7% cream")
DEMO_MINOXIDIL = (
    {"product": "Regaine for Men Extra Strength", "strength": "5pct", "form": "foam"},
    {"product": "Regaine for Women", "strength": "2pct", "form": "solution"},
)
ANTIBIOTICS = ("Fucidin cream", "Bactroban ointment", "Polysporin ointment")
OVERRIDES = {
    "eczema_or_psoriasis": "Mild psoriasis plaques behind the ears only, away from the treated "
                           "zones; dermatologist examined and cleared.",
    "raised_lesions": "Small flat naevus on the vertex, mapped and avoided during needling.",
    "blood_thinners": "Low-dose aspirin for primary prevention; GP agreed it need not stop; "
                      "needle depth kept shallow.",
}
EARLY_REASONS = ("Patient has a fixed appointment after; numbness tested and adequate.",
                 "Second session of the day for the room running late; numbness confirmed by "
                 "pinprick.")
# Reasons for needling started after the maximum numbing time, or finished outside the
# protocol's needling minutes: fixed texts, so the seeded random stream (and with it every
# other generated value) is the same as before they were asked for.
LATE_REASON = "Patient was called away from the chair; numbness rechecked and adequate before starting."
SHORT_REASON = "Patient found the scalp too tender to go on; stopped once the zones were covered."
LONG_REASON = "Zones took longer to cover evenly after the pauses; endpoint reached at the end."
SIDE_EFFECT_NOTES = {
    "redness": "Redness beyond the usual, settling before discharge.",
    "bleeding": "Bleeding slow to stop on the vertex; pressure applied.",
    "itching": "Patient reported itching during clean-up.",
    "tightness": "Scalp felt tight after needling.",
    "bruising": "Small bruise at the left temporal zone.",
    "dryness_peeling": "Dry patches on the frontal zone.",
    "allergic_reaction": "Hives around the numbed area; antihistamine given, resolved.",
    "lymph_nodes": "Tender occipital node on palpation; advised to call if it grows.",
}
SIDE_EFFECT_WEIGHTS = {"redness": 40, "bleeding": 20, "itching": 12, "tightness": 10, "bruising": 8,
                       "dryness_peeling": 6, "lymph_nodes": 2, "allergic_reaction": 2}
ZONES = {
    "aga_male": ("frontal", "mid_scalp", "vertex", "temporal_left", "temporal_right"),
    "aga_female": ("frontal", "mid_scalp", "vertex"),
    "alopecia_areata": ("vertex", "occipital", "temporal_left", "temporal_right", "mid_scalp"),
    "other": ("frontal", "mid_scalp", "vertex", "occipital"),
}
INDICATIONS = (("aga_male", 45), ("aga_female", 30), ("alopecia_areata", 15), ("other", 10))
