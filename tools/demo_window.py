"""The real main window with demo data, as the screenshot tools and the layout probe set it up:
offscreen on the data folder already chosen (``paths.set_data_dir``), a fake clock, no alert
sound, the demo doctor signed in with the PIN prompts answered as they would type it, and the
demo patient registered and chosen. The sample data is obviously fake.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.records import Patient, make_patient

if TYPE_CHECKING:
    from microneedle_desk.store.lock import StoreLock
    from microneedle_desk.ui.main_window import MainWindow

DOCTOR = "Dr Demo Practitioner"
PATIENT = "Demo Patient (sample)"
DEMO_PIN = "246810"


def open_window(clock: FakeClock) -> tuple[MainWindow, StoreLock]:
    """The app's window as it starts, without questions, on a fake clock and with no alert sound."""
    from microneedle_desk.app import build_window

    window, lock = build_window(clock, interactive=False)
    window.ctx.settings.set("alerts/sound", False)
    return window, lock


def sign_in_doctor(window: MainWindow, pin: str = DEMO_PIN) -> None:
    """The demo doctor is the first admin and signed in; every PIN prompt (start, override, sign)
    is answered with their PIN."""
    from microneedle_desk.ui import pin_prompt

    doctor = window.security.book.create_first_admin(DOCTOR, pin)
    window.security.set_current(doctor)
    pin_prompt.ask_pin = lambda *_: pin
    window.ctx.settings.set("ui/last_practitioner", doctor.name)


def add_patient(window: MainWindow, clock: FakeClock) -> Patient:
    """The demo patient, registered and chosen in the patient list."""
    ctx = window.ctx
    patient = make_patient(ctx.protocol, name=PATIENT, dob="1984-05-17", clinic_id="DEMO-0042", sex="male",
                           indication="aga_male", scale="norwood_hamilton", grade="III vertex",
                           device=ctx.store.device, now=clock.now(), demo=True)
    ctx.store.add_patient(patient)
    window.patient_page.reload()
    window.patient_page.select(patient)
    return patient


def answer_screening(window: MainWindow, yes: tuple[str, ...] = ()) -> None:
    """Every screening question asked of the patient answered: Yes for those in ``yes``, else No."""
    c = window.ctx.controller
    for item in window.ctx.protocol.contraindications:
        if c.session and item.id not in c.session.state.not_applicable:  # not asked of a male patient
            c.act(lambda k, item=item: k.answer(item.id, item.id in yes))


def prepare_device(window: MainWindow) -> None:
    """The device step's entries: needle length, a new sealed cartridge and the handpiece."""
    c = window.ctx.controller
    c.act(lambda k: k.set_needle_length("1.2"))
    c.act(lambda k: k.set_cartridge("LOT-DEMO-7731", "2027-06-30"))
    c.act(lambda k: k.confirm_cartridge_new(True))
    c.act(lambda k: k.set_handpiece_serial("HP-DEMO-001"))


def consent_and_numbing(window: MainWindow, apply: bool = True) -> None:
    """Consent confirmed and the anesthetic product given; applied now (30 min) unless ``apply`` is False."""
    c = window.ctx.controller
    c.act(lambda k: k.confirm_consent(PATIENT))
    c.act(lambda k: k.set_anesthetic_product("Lidocaine 5% cream"))
    if apply:
        c.act(lambda k: k.apply_anesthetic(30))


def start_needling(window: MainWindow, clock: FakeClock) -> None:
    """Antiseptic and planned needling time given, the 30-minute numbing over (its alert seen),
    then needling started."""
    c = window.ctx.controller
    c.act(lambda k: k.set_antiseptic("povidone_iodine"))
    c.act(lambda k: k.plan_needling(18))
    clock.advance(31 * 60)
    c.poll()
    window.acknowledge_alert()
    c.act(lambda k: k.start_needling())
