"""The report as a chart (matplotlib, rendered off-screen with the CJK font)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.reports import OVERDUE, UNSYNCED, RatingRow, Report

if TYPE_CHECKING:
    from matplotlib.axes import Axes

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def write_chart(report: Report, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    if CJK_FONT.exists():
        font_manager.fontManager.addfont(str(CJK_FONT))
        plt.rcParams["font.family"] = font_manager.FontProperties(fname=str(CJK_FONT)).get_name()
    plt.rcParams["axes.unicode_minus"] = False

    figure, (by_service, by_window, ratings) = plt.subplots(1, 3, figsize=(19, 5.5), dpi=100)
    names = [row.name_zh or row.service_id for row in report.services]
    positions = range(len(names))
    width = 0.27
    by_service.bar(
        [p - width for p in positions],
        [r.issued for r in report.services],
        width,
        label="取号 issued",
        color="#1f4e8c",
    )
    by_service.bar(
        list(positions),
        [r.served for r in report.services],
        width,
        label="办结 served",
        color="#4f9d69",
    )
    by_service.bar(
        [p + width for p in positions],
        [r.no_shows for r in report.services],
        width,
        label="过号 no-show",
        color="#d08c2f",
        hatch="//",
    )
    by_service.set_xticks(list(positions), names, rotation=20, ha="right")
    by_service.set_title("按事项 by service")
    by_service.legend()

    windows = [f"{row.window}号" for row in report.windows]
    regular = [row.served_by_period["regular"] for row in report.windows]
    extended = [
        row.served_by_period["extended"] + row.served_by_period["weekend"] for row in report.windows
    ]
    natural = [row.served_by_period["natural_extension"] for row in report.windows]
    by_window.bar(windows, regular, label="办公时间 regular", color="#1f4e8c")
    by_window.bar(
        windows, extended, bottom=regular, label="延时/周末 extended", color="#d08c2f", hatch="//"
    )
    by_window.bar(
        windows,
        natural,
        bottom=[a + b for a, b in zip(regular, extended, strict=True)],
        label="自然延时 natural ext.",
        color="#8c5fb0",
        hatch="..",
    )
    by_window.set_title("按窗口办结 served by window")
    by_window.legend()
    _ratings(ratings, report)

    period = report.start.isoformat()
    if report.end != report.start:
        period += f" — {report.end.isoformat()}"
    figure.suptitle(f"{report.hall_name_zh} · {period}")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)


def _ratings(axes: Axes, report: Report) -> None:
    """好差评 by window: satisfied, 差评 and 未评价 stacked, 满意率 above each bar."""
    rows = report.window_ratings
    windows = [f"{row.key}号" for row in rows]
    satisfied = [row.satisfied for row in rows]
    bad = [row.bad for row in rows]
    unrated = [row.served - row.rated for row in rows]
    axes.bar(windows, satisfied, label="满意 satisfied", color="#4f9d69")
    # 差评 split by where their follow-up stands: closed, open, overdue, not synced here.
    base = list(satisfied)
    for label, color, hatch, counts in _bad_parts(rows):
        axes.bar(windows, counts, bottom=base, label=label, color=color, hatch=hatch)
        base = [a + b for a, b in zip(base, counts, strict=True)]
    axes.bar(
        windows,
        unrated,
        bottom=[a + b for a, b in zip(satisfied, bad, strict=True)],
        label="未评价 unrated",
        color="#c9ced8",
        hatch="..",
    )
    for index, row in enumerate(rows):
        share = row.tally.satisfaction
        if share is not None:
            axes.annotate(
                f"{share * 100:.0f}%", (index, row.served), ha="center", va="bottom", fontsize=9
            )
    axes.set_title("好差评 按窗口 ratings by window (满意率)")
    axes.legend()


def _bad_parts(rows: list[RatingRow]) -> list[tuple[str, str, str, list[int]]]:
    """The 差评 segments of the ratings bars: (label, colour, hatch, count per row)."""
    closed = [row.follow_ups["closed"] for row in rows]
    late = [row.follow_ups[OVERDUE] for row in rows]
    unsynced = [row.follow_ups[UNSYNCED] for row in rows]
    open_ = [row.bad - c - o - u for row, c, o, u in zip(rows, closed, late, unsynced, strict=True)]
    return [
        ("差评·已办结 bad, closed", "#e8a0a0", "xx", closed),
        ("差评·办理中 bad, open", "#b91c1c", "xx", open_),
        ("差评·已逾期 bad, overdue", "#5c0a0a", "xx", late),
        ("差评·未同步 bad, not synced", "#9a8a8a", "xx", unsynced),
    ]
