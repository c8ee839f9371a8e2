"""The first-start screen: shown on a new data folder, saves the clinic and first practitioner,
keeps demo data in a folder of its own."""

from __future__ import annotations

from microneedle_desk.ui.first_start import FirstStartDialog, demo_dir, needs_first_start


def test_first_start_is_needed_only_until_a_clinic_or_practitioner_is_set(qtbot, window):
    ctx = window.ctx
    assert needs_first_start(ctx.settings, ctx.store)
    dialog = FirstStartDialog(window)
    qtbot.addWidget(dialog)
    dialog.clinic.setText("Demo Clinic")
    dialog.save()
    assert dialog.error_label.isVisible() or not dialog.error_label.isHidden(), "both names are asked for"
    assert needs_first_start(ctx.settings, ctx.store)
    dialog.practitioner.setText("Dr Demo")
    dialog.save()
    assert ctx.settings.get("clinic/name") == "Demo Clinic"
    assert [p.name for p in ctx.store.practitioners()] == ["Dr Demo"]
    assert not needs_first_start(ctx.settings, ctx.store)


def test_the_first_start_screen_says_where_the_data_and_backups_are(qtbot, window, data_dir):
    dialog = FirstStartDialog(window)
    qtbot.addWidget(dialog)
    texts = " ".join(label.text() for label in dialog.findChildren(type(dialog.error_label)))
    assert str(data_dir) in texts and "backups" in texts


def test_demo_data_goes_to_a_folder_beside_the_real_one(data_dir):
    assert demo_dir(data_dir) == data_dir.parent / "data-demo"
    assert data_dir not in demo_dir(data_dir).parents
