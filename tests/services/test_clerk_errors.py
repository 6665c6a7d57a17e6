"""Refusals a clerk reads are whole sentences in the console's language, never state words."""

from __future__ import annotations

from kiosk.i18n import use_language
from kiosk.services.errors import InvalidTransition, NoCurrentTicket, WindowNotOpen


def test_window_not_open_names_the_state_in_words() -> None:
    with use_language("zh_CN"):
        assert str(WindowNotOpen(3, "paused")) == "3号窗口当前为“暂停服务”，请先恢复服务"
    with use_language("en"):
        assert str(WindowNotOpen(3, "paused")) == "Window 3 is “Paused”: resume service first"
        assert str(WindowNotOpen(3, "closed")) == "Window 3 is “Closed”: resume service first"
        assert "paused" not in str(WindowNotOpen(3, "paused"))


def test_ticket_state_and_action_are_translated() -> None:
    with use_language("zh_CN"):
        assert (
            str(InvalidTransition("B002", "done", "开始办理"))
            == "B002 号当前为“已办结”，不能开始办理"
        )
    with use_language("en"):
        assert str(InvalidTransition("B002", "done", "开始办理")) == "B002 is “Done”: cannot start"
        assert str(NoCurrentTicket(3, "办结")) == "Window 3 has no ticket to complete"
        assert str(NoCurrentTicket(3, "转办")) == "Window 3 has no ticket to transfer"
    # a state the store may gain later is shown as stored rather than hidden
    with use_language("en"):
        assert "“closing”" in str(WindowNotOpen(2, "closing"))
