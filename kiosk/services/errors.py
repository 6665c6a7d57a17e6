"""Typed refusals of the queue services.

A refusal the citizen should read (no walk-in now, too early) is a result, not an error; these
errors are for requests that cannot be carried out as asked (an unknown window, a clerk pressing
"start" with nobody called). ``str()`` is one line for the clerk or the operator.
"""

from __future__ import annotations

from kiosk.errors import ExitCode, KioskError
from kiosk.i18n import N_, _

# The store's state words in the clerk's words; a state not listed is shown as stored.
WINDOW_STATES = {"open": N_("服务中"), "paused": N_("暂停服务"), "closed": N_("已关闭")}
TICKET_STATES = {
    "waiting": N_("等候中"),
    "called": N_("已呼叫"),
    "serving": N_("办理中"),
    "done": N_("已办结"),
    "no_show": N_("已过号"),
    "transferred": N_("已转移"),
    "cancelled": N_("已取消"),
}


def window_state_label(state: str) -> str:
    return _(WINDOW_STATES[state]) if state in WINDOW_STATES else state


def ticket_state_label(status: str) -> str:
    return _(TICKET_STATES[status]) if status in TICKET_STATES else status


class QueueError(KioskError):
    """A request the queue cannot carry out; ``code`` is stable for scripts and screens.

    The queue's state refuses it (nobody called, the window paused): exit status 3, except for
    a window or service the hall does not have, which is a wrong request (2).
    """

    code = "queue_error"
    exit_code = ExitCode.REFUSED


class UnknownService(QueueError):
    code = "unknown_service"
    exit_code = ExitCode.USAGE

    def __init__(self, service_id: str, known: list[str]) -> None:
        self.service_id = service_id
        super().__init__(
            _("未知的事项 {service}；本中心的事项：{known}").format(
                service=service_id, known=", ".join(known)
            )
        )


class UnknownWindow(QueueError):
    code = "unknown_window"
    exit_code = ExitCode.USAGE

    def __init__(self, window: int, known: list[int]) -> None:
        self.window = window
        super().__init__(
            _("未知的窗口 {window}；本中心的窗口：{known}").format(
                window=window, known=", ".join(str(n) for n in known)
            )
        )


class WindowNotOpen(QueueError):
    code = "window_not_open"

    def __init__(self, window: int, state: str) -> None:
        self.window = window
        self.state = state
        super().__init__(
            _("{window}号窗口当前为“{state}”，请先恢复服务").format(
                window=window, state=window_state_label(state)
            )
        )


class NoCurrentTicket(QueueError):
    code = "no_current_ticket"

    def __init__(self, window: int, action: str) -> None:
        self.window = window
        super().__init__(
            _("{window}号窗口没有可{action}的号码").format(window=window, action=_(action))
        )


class TicketNotFound(QueueError):
    code = "ticket_not_found"

    def __init__(self, number: str) -> None:
        self.number = number
        super().__init__(_("今天没有 {number} 号").format(number=number))


class InvalidTransition(QueueError):
    code = "invalid_transition"

    def __init__(self, number: str, status: str, action: str) -> None:
        self.number = number
        self.status = status
        super().__init__(
            _("{number} 号当前为“{status}”，不能{action}").format(
                number=number, status=ticket_state_label(status), action=_(action)
            )
        )


class RecallExpired(QueueError):
    code = "recall_expired"

    def __init__(self, number: str, minutes: int) -> None:
        self.number = number
        super().__init__(
            _("{number} 号过号已超过 {minutes} 分钟，不能再呼叫").format(
                number=number, minutes=minutes
            )
        )
