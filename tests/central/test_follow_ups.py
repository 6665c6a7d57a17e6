"""Ratings in the central store and the follow-ups of 差评, over HTTP on SQLite and PostgreSQL:
a pushed 差评 opens one follow-up (re-pushes change nothing), its deadline and overdue by the
server's clock, the JSON list and report, and a manager working one item to the end on the
staff pages (CSRF, masked data, another hall's items answered 404)."""

from __future__ import annotations

import re
import threading
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from kiosk.domain.follow_up import FollowUpStep, StepInput
from sync.protocol import EventBatchResult, RatingReport
from sync.server.auth import Role, add_staff
from sync.server.errors import Conflict
from sync.server.follow_ups import record_follow_up_step
from sync.server.models import FollowUp, FollowUpEntry, Rating, StaffSession
from tests.central.helpers import event, rating
from tests.central_fixtures import person

API = "/api/v1/halls/xixia"
#: Monday 2026-11-23, after the rating of ``helpers.rating`` (10:06).
AFTER_RATING = datetime(2026, 11, 23, 10, 10)


def rated(
    sequence: int, key: str | None = None, at: str = "2026-11-23T10:06:00", **changes: Any
) -> dict[str, Any]:
    body = event(sequence, "ticket_rated", rating(**changes), occurred_at=at)
    if key:
        body["idempotency_key"] = key
    return body


def push(client: Any, *events: dict[str, Any]) -> EventBatchResult:
    response = client.post(f"{API}/events", json={"events": list(events)})
    assert response.status_code == 200, response.text
    return EventBatchResult.model_validate(response.json())


def follow_ups(client: Any, **params: str) -> list[dict[str, Any]]:
    response = client.get(f"{API}/follow-ups", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


GOOD = {"ticket_id": 6, "number": "B006", "level": "satisfied", "score": 4, "bad": False,
        "reasons": [], "reasons_zh": [], "window": 4, "clerk": "0318",
        "clerk_name": "王强"}  # fmt: skip


def test_a_bad_rating_opens_one_follow_up_and_repeats_change_nothing(xixia, central, clock) -> None:
    clock.set(AFTER_RATING)
    first = push(xixia, rated(1), rated(2, **GOOD))
    assert [r.outcome for r in first.results] == ["applied", "applied"]
    again = push(xixia, rated(1), rated(2, **GOOD))
    assert [(r.outcome, r.duplicate) for r in again.results] == [("applied", True)] * 2
    # The same ticket rated again under another key (another device): the first one counts.
    other = push(xixia, rated(3, key="evt-other-device", level="very_dissatisfied", score=1))
    assert [(r.outcome, r.conflict) for r in other.results] == [("ignored", "already_rated")]
    with central.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Rating)) == 2
        assert session.scalar(select(func.count()).select_from(FollowUp)) == 1
        assert session.get(Rating, ("xixia", 5)).level == "dissatisfied"  # type: ignore[union-attr]
    (item,) = follow_ups(xixia)
    assert item["ticket_id"] == 5 and item["number"] == "B005" and item["reasons"] == ["attitude"]
    assert (item["stage"], item["state"]) == ("visit", "open")
    # Monday 23 November + 15 working days (no holiday in between): Monday 14 December.
    assert (item["due"], item["deadline_basis"]) == ("2026-12-14", "calendar")
    assert item["steps"] == [] and "note" not in str(item)


def test_overdue_by_the_servers_clock_in_the_list_and_the_report(xixia, clock) -> None:
    clock.set(AFTER_RATING)
    push(xixia, rated(1), rated(2, **GOOD))
    clock.set(datetime(2026, 12, 14, 17, 0))
    assert [i["state"] for i in follow_ups(xixia)] == ["open"]
    assert follow_ups(xixia, state="overdue") == []
    clock.set(datetime(2026, 12, 15, 8, 0))
    assert [i["state"] for i in follow_ups(xixia, state="overdue")] == ["overdue"]
    assert follow_ups(xixia, state="closed") == []
    response = xixia.get(
        f"{API}/reports/ratings", params={"from_day": "2026-11-23", "to_day": "2026-11-23"}
    )
    assert response.status_code == 200, response.text
    report = RatingReport.model_validate(response.json())
    assert (report.total.rated, report.total.bad, report.total.satisfaction) == (2, 1, 0.5)
    assert report.total.follow_ups_overdue == 1 and report.total.follow_ups_open == 0
    assert [(w.window, w.bad, w.follow_ups_overdue) for w in report.windows] == [
        (3, 1, 1),
        (4, 0, 0),
    ]
    assert [(c.clerk, c.clerk_name, c.satisfaction) for c in report.clerks] == [
        ("0317", "李娜", 0.0),
        ("0318", "王强", 1.0),
    ]
    backwards = xixia.get(
        f"{API}/reports/ratings", params={"from_day": "2026-11-24", "to_day": "2026-11-23"}
    )
    assert backwards.status_code == 422 and backwards.json()["error"] == "bad_period"


def test_a_year_without_holiday_data_gives_an_estimated_deadline(xixia, clock) -> None:
    """Rated on 21 December 2026, the term runs into 2027, which has no data: the item gets a
    deadline estimated on weekdays, marked as such, never an error."""
    clock.set(datetime(2026, 12, 21, 10, 10))
    late = rated(1, day="2026-12-21", served_at="2026-12-21T10:05:00",
                 rated_at="2026-12-21T10:06:00", at="2026-12-21T10:06:00")  # fmt: skip
    assert push(xixia, late).results[0].outcome == "applied"
    (item,) = follow_ups(xixia)
    assert (item["due"], item["deadline_basis"]) == ("2027-01-11", "estimated")


def login(client: Any, central: Any, name: str, role: Role, halls: list[str]) -> Any:
    with central.transaction() as session:
        add_staff(session, name, f"{name}-password-1", role, halls)
    client.cookies.clear()
    response = client.post(
        "/staff/login",
        data={"username": name, "password": f"{name}-password-1", "next": "/staff/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    return client


def csrf_of(page: Any) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


def item_id(client: Any) -> int:
    with client.app.state.central.read_session() as session:
        return int(session.scalar(select(FollowUp.id)))


@pytest.fixture
def bad_rating(client, devices, clock) -> int:
    clock.set(AFTER_RATING)
    token = devices.token("xixia")
    response = client.post(
        f"{API}/events",
        json={"events": [rated(1), rated(2, **GOOD)]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    return item_id(client)


def test_a_manager_works_a_follow_up_to_the_end(client, central, clock, bad_rating) -> None:
    manager = login(client, central, "manager", Role.HALL_MANAGER, ["xixia"])
    listing = manager.get("/staff/follow-ups")
    assert listing.status_code == 200
    assert f'data-follow-up="{bad_rating}"' in listing.text and "待回访" in listing.text
    page_url = f"/staff/follow-ups/{bad_rating}"
    page = manager.get(page_url)
    assert "不满意：服务态度" in page.text and "2026-12-14" in page.text
    csrf = csrf_of(page)
    steps = f"{page_url}/steps"
    visit = {
        "step": "visit",
        "contact_name": "张小三",
        "contact_phone": "13812345678",
        "contacted_at": "2026-11-23T10:08",
        "note": f"本人称等候太久，留下身份证号 {person(4)} 和电话 13812345678",
    }
    forged = manager.post(steps, data={**visit, "csrf": "forged"})
    assert forged.status_code == 403
    empty = manager.post(steps, data={**visit, "csrf": csrf, "note": "  "})
    assert empty.status_code == 422 and "请填写情况说明" in empty.text
    future = manager.post(steps, data={**visit, "csrf": csrf, "contacted_at": "2026-11-23T11:00"})
    assert future.status_code == 422 and "回访时间不能晚于现在" in future.text
    assert person(4) not in future.text and "13812345678" not in future.text
    done = manager.post(steps, data={**visit, "csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == page_url
    # The same form sent twice (two managers, a double click): recorded once.
    twice = manager.post(steps, data={**visit, "csrf": csrf})
    assert twice.status_code == 409 and "已由他人记录" in twice.text
    for step, note in (("rectify", "窗口人员已培训"), ("feedback", "已电话告知整改情况"),
                       ("close", "已整改并反馈，群众表示认可")):  # fmt: skip
        clock.set(datetime(2026, 11, 24, 9, 0))
        response = manager.post(steps, data={"csrf": csrf, "step": step, "note": note})
        assert response.status_code == 200, response.text
        assert note in response.text
    page = manager.get(page_url)
    assert 'data-state="closed"' in page.text and 'id="step-form"' not in page.text
    assert "张*三" in page.text and "138****5678" in page.text
    assert "张小三" not in page.text and "13812345678" not in page.text
    assert person(4) not in page.text and person(4)[:4] + "**********" in page.text
    late = manager.post(steps, data={"csrf": csrf, "step": "close", "note": "再次办结"})
    assert late.status_code == 409 and "已办结" in late.text
    with central.read_session() as session:
        kept = session.scalars(select(FollowUpEntry).order_by(FollowUpEntry.id)).all()
        assert [e.step for e in kept] == ["visit", "rectify", "feedback", "close"]
        assert {e.recorded_by for e in kept} == {"manager"}
        assert all(person(4) not in e.note and "13812345678" not in e.note for e in kept)
    report = manager.get("/staff/halls/xixia/report", params={"day": "2026-11-23"})
    assert report.status_code == 200 and "<title>当日统计 · 西峡" in report.text
    assert report.text.count('id="ratings-windows"') == 1
    total = re.search(r"<tr data-total>(.*?)</tr>", report.text, re.S).group(1)  # type: ignore[union-attr]
    assert re.findall(r"<td[^>]*>([^<]*)</td>", total) == [
        "全中心",
        "2",
        "50.0%",
        "1",
        "0",
        "0",
        "1",
    ]
    listing = manager.get("/staff/follow-ups", params={"state": "closed"})
    assert f'data-follow-up="{bad_rating}"' in listing.text and "已办结" in listing.text


def test_overdue_items_are_flagged_on_the_page(client, central, clock, bad_rating) -> None:
    manager = login(client, central, "manager", Role.HALL_MANAGER, ["xixia"])
    clock.set(datetime(2026, 12, 15, 8, 0))
    listing = manager.get("/staff/follow-ups", params={"hall": "xixia"})
    assert 'data-state="overdue"' in listing.text and "⚠ 已逾期" in listing.text


def test_only_the_halls_managers_and_county_admins_see_an_item(client, central, bad_rating) -> None:
    url = f"/staff/follow-ups/{bad_rating}"
    other = login(client, central, "other", Role.HALL_MANAGER, ["pinggu-district"])
    assert other.get(url).status_code == 404
    assert other.get(f"/staff/follow-ups/{bad_rating + 1000}").status_code == 404
    assert f'data-follow-up="{bad_rating}"' not in other.get("/staff/follow-ups").text
    assert other.get("/staff/follow-ups", params={"hall": "xixia"}).status_code == 404
    with central.read_session() as session:
        csrf = session.scalar(
            select(StaffSession.csrf_token).where(StaffSession.username == "other")
        )
    posted = other.post(f"{url}/steps", data={"csrf": csrf, "step": "visit", "note": "x"})
    assert posted.status_code == 404
    desk = login(client, central, "desk", Role.HALL_DESK, ["xixia"])
    assert desk.get(url).status_code == 403
    assert desk.get("/staff/follow-ups").status_code == 403
    assert "差评回访" not in desk.get("/staff/").text
    admin = login(client, central, "admin", Role.COUNTY_ADMIN, [])
    assert admin.get(url).status_code == 200
    assert f'data-follow-up="{bad_rating}"' in admin.get("/staff/follow-ups").text


def test_two_managers_sending_the_same_step_at_once_record_it_once(central, bad_rating) -> None:
    """The item's row is locked while a step is recorded: the second writer finds the step
    done and is refused (409), on SQLite (one writer at a time) and PostgreSQL alike."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def send(name: str) -> None:
        given = StepInput(FollowUpStep.VISIT, f"{name} 回访", "张三", "", AFTER_RATING)
        barrier.wait()
        try:
            with central.transaction() as session:
                record_follow_up_step(
                    session, central.settings, bad_rating, lambda _hall: True, name, given
                )
            outcomes.append("recorded")
        except Conflict as refused:
            outcomes.append(refused.code)

    threads = [threading.Thread(target=send, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["recorded", "step_out_of_order"]
    with central.read_session() as session:
        assert session.scalar(select(func.count()).select_from(FollowUpEntry)) == 1
