"""The first-start screen: shown on a new data folder, saves the clinic and the first account,
keeps demo data in a folder of its own."""

from __future__ import annotations

from microneedle_desk.ui.first_start import FirstStartDialog, demo_dir, needs_first_start


def test_the_first_start_makes_one_account_with_a_pin_and_nothing_less(qtbot, data_dir, fake_clock):
    from microneedle_desk.app import build_window

    window, lock = build_window(fake_clock, interactive=False)
    qtbot.addWidget(window)
    try:
        ctx = window.ctx
        assert needs_first_start(ctx.settings, ctx.store)
        dialog = FirstStartDialog(window)
        qtbot.addWidget(dialog)
        dialog.clinic.setText("Demo Clinic")
        dialog.practitioner.setText("Dr Demo")
        dialog.save()
        assert "PIN" in dialog.error_label.text(), "a name alone makes no practitioner"
        assert needs_first_start(ctx.settings, ctx.store) and not ctx.store.practitioners()
        dialog.pin.setText("246810")
        dialog.pin_again.setText("246810")
        dialog.save()
        assert ctx.settings.get("clinic/name") == "Demo Clinic"
        [account] = window.security.book.accounts()
        assert account.name == "Dr Demo" and account.is_admin and account.pin_hash is not None
        assert [p.id for p in ctx.store.practitioners()] == [account.id], "the practitioner is the account"
        assert window.security.current == account, "the first person is signed in"
        assert not needs_first_start(ctx.settings, ctx.store)
    finally:
        lock.release()


def test_the_first_start_screen_says_where_the_data_and_backups_are(qtbot, data_dir, fake_clock):
    from microneedle_desk.app import build_window

    window, lock = build_window(fake_clock, interactive=False)
    qtbot.addWidget(window)
    lock.release()
    dialog = FirstStartDialog(window)
    qtbot.addWidget(dialog)
    texts = " ".join(label.text() for label in dialog.findChildren(type(dialog.error_label)))
    assert str(data_dir) in texts and "backups" in texts


def test_demo_data_goes_to_a_folder_beside_the_real_one(data_dir):
    assert demo_dir(data_dir) == data_dir.parent / "data-demo"
    assert data_dir not in demo_dir(data_dir).parents
