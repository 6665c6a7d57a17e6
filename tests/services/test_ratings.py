"""好差评 in the hall store: one rating per finished service, its event as the central store
takes it, the clerk who served, the report's per-window and per-clerk figures."""

from __future__ import annotations

import csv
import io
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from kiosk.domain.rating import RatingLevel, scrub_comment, tally
from kiosk.i18n import use_language
from kiosk.ports.hall_store import FollowUpRecord
from kiosk.reports import build_report, format_csv, format_table
from kiosk.services import call_next, complete_service, start_service, take_ticket, transfer
from kiosk.services.ratings import RatingRefused, previous_rating, rate, rating_for
from kiosk.services.staff import SignInRefused, on_duty, sign_in, sign_out
from kiosk.store.hallstore import HallStore
from kiosk.store.models import Event
from sync.outbox import outgoing
from sync.protocol import (
    TICKET_RATED,
    EventIn,
    PayloadRefused,
    TicketRatedPayload,
    parse_payload,
)
from tests.central.helpers import rating
from tests.central_fixtures import person
from tests.hall_fixtures import StoreFactory
from tests.terminal.clerks import PIN, with_clerks

MONDAY = datetime(2026, 11, 23, 10, 0)


@pytest.fixture
def hall(make_store: StoreFactory, district) -> HallStore:  # type: ignore[no-untyped-def]
    return make_store(with_clerks(district), terminal="window-3")


def served(store: HallStore, window: int = 3, minute: int = 0) -> int:
    """A walk-in served at ``window`` (social insurance at windows 3 and 4); its ticket id."""
    now = MONDAY + timedelta(minutes=minute)
    take_ticket(store, "social-insurance", now)
    ticket = call_next(store, window, now).ticket
    assert ticket is not None
    start_service(store, window, now)
    complete_service(store, window, now + timedelta(minutes=5))
    return ticket.id


def rated_events(store: HallStore) -> list[Event]:
    with store.read() as session:
        query = select(Event).where(Event.type == "ticket_rated").order_by(Event.seq)
        return list(session.execute(query).scalars())


def test_a_rating_names_window_and_clerk_and_goes_out_as_the_protocol_says(
    hall: HallStore,
) -> None:
    assert sign_in(hall, 3, "0317", PIN, MONDAY).clerk is not None
    ticket = served(hall)
    later = MONDAY + timedelta(minutes=6)
    view = rate(
        hall,
        ticket,
        RatingLevel.VERY_DISSATISFIED,
        later,
        channel="phone",
        reasons=["attitude", "efficiency", "attitude"],
        comment="  等太久了 410303198001011234 ",
    )
    assert (view.window, view.clerk, view.reasons) == (3, "0317", ("attitude", "efficiency"))
    assert view.comment == "等太久了 410303********1234"
    [event] = rated_events(hall)
    payload = TicketRatedPayload.model_validate(event.payload)
    assert payload.clerk == "0317" and payload.clerk_name == "李娜"
    assert (payload.level, payload.score, payload.bad) == ("very_dissatisfied", 1, True)
    assert payload.reasons_zh == ["服务态度", "办事效率"]
    assert payload.channel == "phone" and payload.window == 3
    assert "410303198001011234" not in str(event.payload)
    [wire] = outgoing(event, {}).wire  # the outbox sends it is, validated
    assert wire.type == "ticket_rated" and wire.payload == payload.model_dump(mode="json")
    with pytest.raises(RatingRefused) as again:
        rate(hall, ticket, "satisfied", later, channel="window_pad")
    assert again.value.code == "already_rated"
    assert len(rated_events(hall)) == 1


@pytest.mark.parametrize(
    ("level", "reasons", "comment", "channel", "code"),
    [
        ("great", (), None, "phone", "bad_level"),
        ("satisfied", ("attitude",), None, "phone", "reasons_not_allowed"),
        ("dissatisfied", ("no-such",), None, "phone", "unknown_reason"),
        ("satisfied", (), "nice", "window_pad", "comment_not_allowed"),
    ],
)
def test_bad_ratings_are_refused_in_one_line(
    hall: HallStore, level: str, reasons: tuple[str, ...], comment: str | None, channel: str,
    code: str,
) -> None:  # fmt: skip
    ticket = served(hall)
    with pytest.raises(RatingRefused) as refused:
        rate(hall, ticket, level, MONDAY, channel=channel, reasons=reasons, comment=comment)
    assert refused.value.code == code and "\n" not in str(refused.value)
    assert rated_events(hall) == []


def test_only_a_finished_service_in_time_can_be_rated(hall: HallStore) -> None:
    take_ticket(hall, "social-insurance", MONDAY)
    waiting = take_ticket(hall, "social-insurance", MONDAY).ticket
    assert waiting is not None
    with pytest.raises(RatingRefused) as refused:
        rate(hall, waiting.id, "satisfied", MONDAY, channel="phone")
    assert refused.value.code == "not_finished"
    with pytest.raises(RatingRefused) as unknown:
        rate(hall, 999_999, "satisfied", MONDAY, channel="phone")
    assert unknown.value.code == "unknown_ticket"
    ticket = served(hall, minute=1)
    late = MONDAY + timedelta(hours=hall.hall.rating.phone_hours, minutes=10)
    with pytest.raises(RatingRefused) as too_late:
        rate(hall, ticket, "satisfied", late, channel="phone")
    assert too_late.value.code == "too_late"


def test_a_transferred_ticket_is_rated_where_it_was_served(hall: HallStore) -> None:
    take_ticket(hall, "social-insurance", MONDAY)
    first = call_next(hall, 3, MONDAY).ticket
    assert first is not None
    moved = transfer(hall, 3, "real-estate", MONDAY).new
    assert call_next(hall, 5, MONDAY).ticket.number == moved.number  # type: ignore[union-attr]
    complete_service(hall, 5, MONDAY + timedelta(minutes=3))
    view = rate(hall, first.id, "satisfied", MONDAY + timedelta(minutes=4), channel="phone")
    assert (view.number, view.window) == (moved.number, 5)
    assert rating_for(hall, first.id) == view


def test_pad_and_phone_at_once_make_one_rating(make_store: StoreFactory, district) -> None:  # type: ignore[no-untyped-def]
    stores = [make_store(district, terminal=f"t{i}") for i in range(2)]
    ticket = served(stores[0])
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def rater(store: HallStore, channel: str) -> None:
        barrier.wait()
        try:
            rate(store, ticket, "satisfied", MONDAY + timedelta(minutes=6), channel=channel)
            outcomes.append("rated")
        except RatingRefused as refused:
            outcomes.append(refused.code)

    threads = [
        threading.Thread(target=rater, args=(store, channel))
        for store, channel in zip(stores, ("window_pad", "phone"), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["already_rated", "rated"]
    assert len(rated_events(stores[0])) == 1


def test_the_clerk_sees_the_rating_only_after_the_next_call(hall: HallStore) -> None:
    sign_in(hall, 3, "0317", PIN, MONDAY)
    take_ticket(hall, "social-insurance", MONDAY)
    ticket = served(hall)
    rate(hall, ticket, "basically_satisfied", MONDAY + timedelta(minutes=6), channel="window_pad")
    assert previous_rating(hall, 3, MONDAY + timedelta(minutes=6)) is None
    call_next(hall, 3, MONDAY + timedelta(minutes=7))
    seen = previous_rating(hall, 3, MONDAY + timedelta(minutes=7))
    assert seen is not None and seen.ticket_id == ticket and seen.label == "基本满意"


def test_sign_in_names_the_clerk_on_tickets_and_events(hall: HallStore) -> None:
    with pytest.raises(SignInRefused) as wrong:
        sign_in(hall, 3, "0317", "0000", MONDAY)
    with pytest.raises(SignInRefused) as unknown:
        sign_in(hall, 3, "9999", PIN, MONDAY)
    assert str(wrong.value) == str(unknown.value) == "工号或密码不正确"
    duty = sign_in(hall, 3, " 0420 ", PIN, MONDAY)
    assert duty.clerk is not None and duty.clerk.name_zh == "王强" and duty.state == "open"
    take_ticket(hall, "social-insurance", MONDAY)
    called = call_next(hall, 3, MONDAY)
    assert called.ticket is not None
    with hall.read() as session:
        event = session.execute(select(Event).where(Event.type == "ticket_called")).scalar_one()
    assert event.payload["clerk"] == "0420"
    off = sign_out(hall, 3, MONDAY + timedelta(hours=1))
    assert off.clerk is None and off.state == "paused"
    assert on_duty(hall, 3, MONDAY).clerk is None


def test_report_counts_ratings_per_window_and_clerk(hall: HallStore) -> None:
    sign_in(hall, 3, "0317", PIN, MONDAY)
    sign_in(hall, 4, "0420", PIN, MONDAY)
    levels = ["very_satisfied", "satisfied", "dissatisfied", None]
    for minute, level in enumerate(levels):
        ticket = served(hall, window=3, minute=minute * 10)
        if level:
            rate(hall, ticket, level, MONDAY + timedelta(minutes=minute * 10 + 6), channel="phone")
    unrated = served(hall, window=4, minute=50)
    assert rating_for(hall, unrated) is None
    report = build_report(hall, MONDAY.date(), MONDAY.date())
    three = next(row for row in report.window_ratings if row.key == "3")
    assert (three.served, three.rated, three.satisfied, three.bad) == (4, 3, 2, 1)
    assert three.tally.rated_share == 0.75 and three.tally.satisfaction == 0.667
    clerks = {row.key: row for row in report.clerk_ratings}
    assert clerks["0317"].name == "李娜" and clerks["0317"].rated == 3
    assert (clerks["0420"].served, clerks["0420"].rated) == (1, 0)
    assert clerks["0420"].tally.satisfaction is None  # 未评价 is never counted as satisfied
    table = format_table(report)
    assert "满意率" in table and "66.7%" in table and "李娜" in table
    assert "clerk_rating,0317,李娜,4,3,75.0%,66.7%,1,1" in format_csv(report)
    document = report.as_dict()["ratings"]
    assert document["clerks"][0]["unrated"] == 1  # type: ignore[index]


def test_report_shows_each_bad_ratings_follow_up_state(hall: HallStore, tmp_path: Path) -> None:
    """差评 per window and clerk with where their follow-up stands, as the sync last pulled it
    (tests/sync/test_follow_ups.py pulls it from a real central store): overdue by the centre's
    word or by the report's day, 未同步 for one not pulled yet; text, CSV, JSON, English, chart."""
    sign_in(hall, 3, "0317", PIN, MONDAY)
    tickets = []
    for minute in range(4):
        ticket = served(hall, window=3, minute=minute * 10)
        rate(
            hall,
            ticket,
            "dissatisfied",
            MONDAY + timedelta(minutes=minute * 10 + 6),
            channel="phone",
        )
        tickets.append(ticket)
    due = date(2026, 12, 14)
    pulled = MONDAY + timedelta(hours=1)
    with hall.unit() as uow:
        uow.follow_ups.put(
            [
                FollowUpRecord(tickets[0], "visit", "open", due, None, pulled),
                FollowUpRecord(tickets[1], "rectify", "overdue", due, None, pulled),
                FollowUpRecord(tickets[2], "closed", "closed", due, pulled, pulled),
            ]
        )
    report = build_report(hall, MONDAY.date(), MONDAY.date(), as_of=due)
    three = next(row for row in report.window_ratings if row.key == "3")
    assert three.bad == 4
    assert {k: v for k, v in three.follow_ups.items() if v} == {
        "visit": 1,
        "rectify": 1,
        "closed": 1,
        "overdue": 1,
        "unsynced": 1,
    }
    assert report.clerk_ratings[0].follow_ups == three.follow_ups
    with use_language("zh_CN"):
        table = format_table(report)
    summary = "待回访 1 · 待整改 1 · 已办结 1 · ⚠ 已逾期 1 · 未同步 1"
    assert "差评跟进 follow-ups" in table and table.count(summary) == 2
    with use_language("en"):
        english = format_table(report)
    assert "To call back 1 · To put right 1 · Done 1 · ⚠ Overdue 1 · Not synced 1" in english
    rows = list(csv.reader(io.StringIO(format_csv(report))))
    header = next(r for r in rows if r[0] == "table" and "follow_ups_unsynced" in r)
    line = next(r for r in rows if r[:2] == ["window_rating", "3"])
    window = dict(zip(header[1:], line[1:], strict=True))
    assert (window["follow_ups_overdue"], window["follow_ups_unsynced"]) == ("1", "1")
    document = report.as_dict()["ratings"]
    by_window = {row["key"]: row for row in document["windows"]}  # type: ignore[index]
    assert by_window["3"]["follow_ups"]["rectify"] == 1

    # The deadline passing since the last pull flags the open one too; none is flagged before.
    later = build_report(hall, MONDAY.date(), MONDAY.date(), as_of=due + timedelta(days=1))
    assert later.window_ratings[2].follow_ups["overdue"] == 2
    earlier = build_report(hall, MONDAY.date(), MONDAY.date(), as_of=MONDAY.date())
    assert earlier.window_ratings[2].follow_ups["overdue"] == 1  # the centre's word stands

    from kiosk.report_chart import write_chart

    chart = tmp_path / "ratings.png"
    write_chart(report, chart)
    assert Image.open(chart).size[0] > 1000


def test_rating_domain_rules() -> None:
    assert [level.score for level in RatingLevel] == [5, 4, 3, 2, 1]
    assert [level.bad for level in RatingLevel] == [False, False, False, True, True]
    assert tally(10, [RatingLevel.SATISFIED, RatingLevel.DISSATISFIED]).satisfaction == 0.5
    assert tally(0, []).rated_share is None
    assert scrub_comment("   ") is None and scrub_comment(None) is None
    assert scrub_comment("x" * 500) == "x" * 200
    assert (
        scrub_comment("号码 410303800101123")
        == "号码 410303*****0101123"[:0] + "号码 410303*****1123"
    )
    # Written in groups, or with control characters, as a phone keyboard may send it: what
    # is stored is what the protocol takes, so the rating is never refused on its way out.
    number = person(1)
    grouped = f"我的号码 {number[:4]} {number[4:8]} {number[8:12]}-{number[12:]}\x00 谢谢"
    assert scrub_comment(grouped) == f"我的号码 {number[:4]}**********{number[-4:]} 谢谢"
    parse_payload(TICKET_RATED, {**RATED, "comment": scrub_comment(grouped)})


RATED = rating()


def test_protocol_refuses_a_malformed_rating() -> None:
    """The payload is checked per event (``parse_payload``): the envelope of a bad rating is
    sound, so the central store rejects that event alone and the batch goes on."""
    TicketRatedPayload.model_validate(RATED)
    event = {
        "idempotency_key": "k" * 20, "sequence": 2, "type": TICKET_RATED,
        "occurred_at": "2026-11-23T10:06:00",
    }  # fmt: skip
    EventIn.model_validate({**event, "payload": RATED})
    for change in (
        {"score": 5},
        {"bad": False},
        {"level": "satisfied", "score": 4, "bad": False},
        {"comment": "身份证 410303198001011234"},
        {"comment": f"身份证 {person(3)}"},
        {"comment": "line\x00"},
        {"clerk_name": person(3)},
        {"channel": "kiosk"},
        {"rated_at": "2026-11-23T10:00:00"},
        {"rated_at": "2026-11-23T10:06:00+08:00"},
        {"day": "9999-12-31"},
        {"reasons": ["attitude", "attitude"], "reasons_zh": []},
        {"id_number": "410303198001011234"},
    ):
        bad = {**RATED, **change}
        EventIn.model_validate({**event, "payload": bad})
        with pytest.raises(PayloadRefused) as refused:
            parse_payload(TICKET_RATED, bad)
        assert refused.value.reason == "invalid_payload"
        assert "410303198001011234" not in refused.value.message
        assert person(3) not in refused.value.message
