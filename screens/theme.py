"""The government-hall look: calm deep blue and white, one accent for the main action.

Sizes are in window pixels for a 1080×1920 portrait kiosk (SCREENS.md: body text ≥ 40 px,
ticket numbers ≥ 200 px, touch targets ≥ 120 px with ≥ 24 px gaps). Elderly mode multiplies
text by ``ELDERLY_SCALE``. Colour pairs are chosen for a contrast ratio of at least 4.5:1.
"""

from __future__ import annotations

Colour = tuple[float, float, float, float]


def rgb(hex_text: str, alpha: float = 1.0) -> Colour:
    value = hex_text.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, alpha)


BLUE = rgb("#0b3d91")  # header, titles: white on it is 10.6:1
BLUE_DARK = rgb("#072a66")
BACKGROUND = rgb("#f4f7fb")
SURFACE = rgb("#ffffff")
TEXT = rgb("#1a1f2b")  # on the background: 15:1
TEXT_MUTED = rgb("#3d4657")  # on white: 9.7:1
ON_BLUE = rgb("#ffffff")
ACCENT = rgb("#c2410c")  # the one main action; white on it is 5.2:1
OK = rgb("#166534")  # white on it is 7.1:1
WARN = rgb("#8a4b00")  # white on it is 6.3:1
FAULT = rgb("#b91c1c")  # white on it is 6.5:1
BUTTON = rgb("#1d4ed8")  # white on it is 6.7:1
BUTTON_LIGHT = rgb("#e3ecfb")  # dark text on it is 13:1
HIGHLIGHT = rgb("#fde68a")  # the newest call on the display, dark text on it 14:1

TITLE = 56
BODY = 40
SMALL = 30
BUTTON_MAIN = 48
BUTTON_SUB = 30
NUMBER = 260
TOUCH = 160
TOUCH_LANDSCAPE = 128  # still above the 120 px minimum; a landscape screen is only 1080 high
GAP = 24
ELDERLY_SCALE = 1.4
MIN_TOUCH = 120  # no button is lower than this (SCREENS.md), checked on every kiosk screen
ICON = 112  # the pictogram's circle on a big button
TOOL_HEIGHT = 124  # 大字 · English · 🔊重听 · 上一步 · 返回首页
TOOL_ICON = 48
TOOL_FONT = 36
HALL_NAME = 52
STATUS = 26  # the staff status line
PROMPT = 64  # the home screen's card prompt
MESSAGE_ICON = 180

# The hall display: a 55" 1080p screen read from up to 8 m (one pixel ≈ 0.63 mm; type needs
# about 1/200 of the distance, 40 mm ≈ 64 px, for the numbers people wait for).
DISPLAY_CALL = 180  # the newest call across the full width (≥ 180 px)
DISPLAY_HISTORY = 80  # earlier calls (≥ 80 px)
DISPLAY_COUNTS = 48  # waiting counts
DISPLAY_HOURS = 44  # today's hours and extended periods
