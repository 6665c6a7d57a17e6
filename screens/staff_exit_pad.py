"""The PIN pad widget of the hidden staff exit (rules in ``kv/staff_exit.kv``)."""

from __future__ import annotations

from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.modalview import ModalView


class StaffExitPad(ModalView):
    exit = ObjectProperty(None)  # the screens.kioskmode.StaffExit that opened it
    entered = StringProperty("")
    message = StringProperty("")
