"""The calling policy on its own (pure), with hypothesis: whatever the queue, no ticket is called
twice, each class is first-in-first-out (by arrival order, whatever the clock said), and the
walk-in cap holds."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.queue_policy import Candidate, QueueClass, ahead_of, choose_next, order
from kiosk.domain.wait import average_service_minutes, estimate_wait

NOW = datetime(2026, 11, 19, 10, 0)


@st.composite
def queues(draw: st.DrawFn) -> list[Candidate]:
    count = draw(st.integers(0, 30))
    arrivals = draw(st.permutations(range(1, count + 1)))
    tickets = []
    for index in range(count):
        booked = draw(st.booleans())
        slot = NOW + timedelta(minutes=draw(st.sampled_from([-30, 0, 30]))) if booked else None
        tickets.append(
            Candidate(
                ticket_id=index + 1,
                service_id=draw(st.sampled_from(["a", "b"])),
                queued_at=NOW - timedelta(minutes=draw(st.integers(0, 120))),
                booked=booked,
                slot_start=slot,
                priority_group=draw(st.sampled_from([None, None, "elderly"])),
                arrival=draw(st.sampled_from([None, arrivals[index]])),
            )
        )
    return tickets


def arrival(candidate: Candidate) -> int:
    return candidate.ticket_id if candidate.arrival is None else candidate.arrival


def drain(tickets: list[Candidate], cap: int) -> list[tuple[Candidate, QueueClass, bool]]:
    pool = list(tickets)
    streak = 0
    calls = []
    while pool:
        choice = choose_next(pool, NOW, streak, cap)
        assert choice.candidate is not None and choice.queue_class is not None
        calls.append((choice.candidate, choice.queue_class, choice.capped))
        pool.remove(choice.candidate)
        streak = choice.streak
    assert choose_next(pool, NOW, streak, cap).candidate is None
    return calls


@settings(max_examples=200, deadline=None)
@given(queues(), st.integers(1, 5))
def test_every_ticket_called_exactly_once(tickets: list[Candidate], cap: int) -> None:
    calls = drain(tickets, cap)
    called = [c.ticket_id for c, _, _ in calls]
    assert sorted(called) == sorted(t.ticket_id for t in tickets)
    assert len(set(called)) == len(called)


@settings(max_examples=200, deadline=None)
@given(queues(), st.integers(1, 5))
def test_fifo_within_each_class(tickets: list[Candidate], cap: int) -> None:
    calls = drain(tickets, cap)
    for queue_class in QueueClass:
        turns = [(arrival(c), c.ticket_id) for c, k, _ in calls if k is queue_class]
        assert turns == sorted(turns)


@settings(max_examples=200, deadline=None)
@given(queues(), st.integers(1, 5))
def test_walk_ins_never_wait_behind_more_than_cap(tickets: list[Candidate], cap: int) -> None:
    calls = drain(tickets, cap)
    run = 0
    for index, (_, queue_class, capped) in enumerate(calls):
        if queue_class is QueueClass.WALK_IN:
            run = 0
            continue
        run += 1
        walk_ins_left = any(k is QueueClass.WALK_IN for _, k, _ in calls[index:])
        if walk_ins_left:
            assert run <= cap
        assert not capped


@settings(max_examples=300, deadline=None)
@given(queues(), st.integers(0, 6), st.integers(1, 5))
def test_choice_is_the_head_of_the_published_order(
    tickets: list[Candidate], streak: int, cap: int
) -> None:
    """choose_next picks in one pass; it must pick what reading the full order would."""
    choice = choose_next(tickets, NOW, streak, cap)
    ranked = order(tickets, NOW)
    if not ranked:
        assert choice.candidate is None and choice.streak == streak
        return
    head = ranked[0]
    walk_ins = [c for c in ranked if c.queue_class(NOW) is QueueClass.WALK_IN]
    if head.queue_class(NOW) is QueueClass.WALK_IN:
        expected = (head, QueueClass.WALK_IN, 0, False)
    elif streak >= cap and walk_ins:
        expected = (walk_ins[0], QueueClass.WALK_IN, 0, True)
    else:
        expected = (head, head.queue_class(NOW), streak + 1, False)
    assert (choice.candidate, choice.queue_class, choice.streak, choice.capped) == expected


def test_class_order_without_cap_pressure() -> None:
    walk_in = Candidate(1, "a", NOW - timedelta(minutes=50), arrival=2)
    elder = Candidate(2, "a", NOW - timedelta(minutes=10), priority_group="elderly", arrival=3)
    booked_now = Candidate(3, "a", NOW, booked=True, slot_start=NOW, arrival=4)
    booked_later = Candidate(
        4,
        "a",
        NOW - timedelta(minutes=60),
        booked=True,
        slot_start=NOW + timedelta(minutes=30),
        arrival=1,  # checked in first (early for its slot): waits as a walk-in, by arrival
    )
    calls = drain([walk_in, elder, booked_now, booked_later], cap=5)
    assert [c.ticket_id for c, _, _ in calls] == [3, 2, 4, 1]
    assert ahead_of(walk_in, [walk_in, elder, booked_now, booked_later], NOW) == 3
    assert ahead_of(booked_now, [walk_in, elder, booked_now, booked_later], NOW) == 0


def test_a_clock_stepped_back_does_not_jump_the_queue() -> None:
    """Issue order decides, not the issue time: a ticket issued after two others by a kiosk
    whose clock went back ten minutes still waits behind them ("前面 2 人", called third)."""
    first = Candidate(1, "a", NOW)
    second = Candidate(2, "a", NOW + timedelta(minutes=1))
    late_but_earlier_clock = Candidate(3, "a", NOW - timedelta(minutes=10))
    waiting = [first, second, late_but_earlier_clock]
    assert ahead_of(late_but_earlier_clock, waiting, NOW) == 2
    assert [c.ticket_id for c, _, _ in drain(waiting, cap=3)] == [1, 2, 3]
    # ticket 2 transferred to this service as ticket 9: it keeps its place behind ticket 1 only
    transferred = Candidate(9, "a", NOW - timedelta(minutes=30), arrival=2)
    assert ahead_of(transferred, [first, late_but_earlier_clock, transferred], NOW) == 1


def test_wait_estimate_moving_average() -> None:
    assert average_service_minutes([], 8, 20) == 8
    assert average_service_minutes([10, 20, 90], 8, 2) == 15
    estimate = estimate_wait(5, [12, 12], 8, 2, 20)
    assert (estimate.ahead, estimate.minutes) == (5, 30)
    assert estimate_wait(3, [], 8, 0, 20).minutes == 24  # nobody open: as if one window
    assert estimate_wait(0, [30], 8, 1, 20).minutes == 0
