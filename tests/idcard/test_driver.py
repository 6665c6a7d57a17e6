"""The driver against the simulated reader over a real pty (and once over a TCP socket)."""

from __future__ import annotations

import os
import select
from collections.abc import Callable

import pytest
import serial

from hardware.idcard.cardfile import SimulatedCard
from hardware.idcard.codec import Command
from hardware.idcard.driver import IdCardReader, ReaderSettings
from hardware.idcard.simulator import CardState, Fault, ReaderSimulator
from kiosk.ports.card_reader import (
    CardExpired,
    CardReader,
    CardUnreadable,
    InvalidCardData,
    ReaderOffline,
)

from .conftest import CUT_SHORT, FAST, STALL_TIMEOUT, TODAY, Events, wait_for_finds, wait_until

MakeReader = Callable[..., IdCardReader]
Cards = dict[str, SimulatedCard]


def test_reader_is_a_card_reader(
    simulator: ReaderSimulator, events: Events, make_reader: MakeReader
) -> None:
    reader = make_reader(simulator.url, events)
    assert isinstance(reader, CardReader)
    wait_until(lambda: reader.online)


@pytest.mark.parametrize(
    "stem",
    ["resident-zhang-wei", "hmt-chan-ka-yan", "foreign-2017-smith", "foreign-2023-muller"],
)
def test_each_card_type_is_read(
    stem: str, cards: Cards, simulator: ReaderSimulator, events: Events, make_reader: MakeReader
) -> None:
    make_reader(simulator.url, events)
    simulator.place_card(cards[stem])
    event = events.next()
    assert event.identity == cards[stem].identity
    sequence = [Command.FIND_CARD, Command.SELECT_CARD, Command.READ_TEXT_PHOTO]
    requests = list(simulator.requests)
    assert any(requests[k : k + 3] == sequence for k in range(len(requests)))


def test_a_card_left_on_the_reader_is_reported_once_and_a_new_tap_again(
    cards: Cards, simulator: ReaderSimulator, events: Events, make_reader: MakeReader
) -> None:
    make_reader(simulator.url, events)
    card = cards["resident-li-xiaohong"]
    simulator.place_card(card)
    assert events.next().identity == card.identity
    wait_for_finds(simulator, 10)
    assert events.pending() == []
    assert simulator.card_state is CardState.HALTED
    simulator.remove_card()
    wait_for_finds(simulator, 2)
    simulator.place_card(card)
    assert events.next().identity == card.identity
    assert simulator.card_reads == 4  # each tap read twice and the two reads compared


def test_a_reader_that_keeps_finding_the_card_does_not_report_it_twice(
    tmp_path, cards: Cards, events: Events, make_reader: MakeReader
) -> None:
    with ReaderSimulator(115200, link=tmp_path / "r", halts_after_read=False) as sim:
        make_reader(sim.url, events)
        sim.place_card(cards["resident-zhang-wei"])
        assert events.next().ok
        wait_until(lambda: sim.card_reads >= 3)  # it keeps reading the card lying there ...
        assert events.pending() == []  # ... but reports it only once
        sim.place_card(cards["resident-li-xiaohong"])  # a different card swapped in
        assert events.next().identity == cards["resident-li-xiaohong"].identity


def test_expired_card_is_refused_with_its_identity(
    cards: Cards, simulator: ReaderSimulator, events: Events, make_reader: MakeReader
) -> None:
    make_reader(simulator.url, events)
    simulator.place_card(cards["resident-ouyang-xiaoming-expired"])
    event = events.next()
    assert isinstance(event.error, CardExpired)
    assert event.error.identity == cards["resident-ouyang-xiaoming-expired"].identity
    assert "2022-12-06" in str(event.error)


def test_forged_card_data_is_an_error_never_an_identity(
    cards: Cards, simulator: ReaderSimulator, events: Events, make_reader: MakeReader
) -> None:
    make_reader(simulator.url, events)
    genuine = cards["resident-zhang-wei"]
    block = bytearray(genuine.text_block())
    block[140:142] = "9".encode("utf-16-le") if block[140:142] != b"9\x00" else b"8\x00"
    simulator.place_card(SimulatedCard(genuine.identity, raw_text=bytes(block)))
    event = events.next()
    assert isinstance(event.error, InvalidCardData)
    assert event.identity is None
    wait_for_finds(simulator, 5)
    assert events.pending() == []


def test_no_card_fault(
    cards: Cards, simulator: ReaderSimulator, events: Events, make_reader: MakeReader
) -> None:
    make_reader(simulator.url, events)
    simulator.set_fault(Fault.NO_CARD)
    simulator.place_card(cards["resident-zhang-wei"])
    wait_for_finds(simulator, 5)
    assert events.pending() == []
    assert Command.SELECT_CARD not in simulator.requests
    simulator.clear_fault()
    assert events.next().ok


def test_card_removed_between_select_and_read(
    cards: Cards, simulator: ReaderSimulator, events: Events, make_reader: MakeReader
) -> None:
    make_reader(simulator.url, events)
    simulator.set_fault(Fault.REMOVE_BEFORE_READ, times=1)
    simulator.place_card(cards["resident-zhang-wei"])
    event = events.next()
    assert isinstance(event.error, CardUnreadable)
    assert simulator.card is None
    wait_for_finds(simulator, 3)
    assert events.pending() == []  # one message per failed tap
    simulator.place_card(cards["resident-zhang-wei"])
    assert events.next().identity == cards["resident-zhang-wei"].identity


@pytest.mark.parametrize("fault", [Fault.CHECKSUM, Fault.TRUNCATED])
def test_one_damaged_reply_is_retried(
    fault: Fault, cards: Cards, simulator: ReaderSimulator, events: Events, make_reader: MakeReader
) -> None:
    reader = make_reader(simulator.url, events, byte_gap_timeout=CUT_SHORT)
    simulator.set_fault(fault, on="read", times=1)
    simulator.place_card(cards["foreign-2023-muller"])
    assert events.next().identity == cards["foreign-2023-muller"].identity
    assert reader.stats.frame_errors >= 1 and reader.stats.retries >= 1


@pytest.mark.parametrize("fault", [Fault.CHECKSUM, Fault.TRUNCATED])
def test_a_reply_damaged_every_time_gives_one_unreadable_error(
    fault: Fault, cards: Cards, simulator: ReaderSimulator, events: Events, make_reader: MakeReader
) -> None:
    make_reader(simulator.url, events, retries=1, byte_gap_timeout=CUT_SHORT)
    simulator.set_fault(fault, on="read")
    simulator.place_card(cards["resident-zhang-wei"])
    event = events.next()
    assert isinstance(event.error, CardUnreadable)
    wait_for_finds(simulator, 4)
    assert events.pending() == []
    simulator.clear_fault()
    simulator.remove_card()  # the reader halted the card it read: the citizen taps again
    wait_for_finds(simulator, 1)
    simulator.place_card(cards["resident-zhang-wei"])
    assert events.next().ok


def test_garbage_on_the_line_is_skipped(
    cards: Cards, simulator: ReaderSimulator, events: Events, make_reader: MakeReader
) -> None:
    reader = make_reader(simulator.url, events)
    simulator.set_fault(Fault.GARBAGE)
    simulator.place_card(cards["hmt-chan-ka-yan"])
    assert events.next().identity == cards["hmt-chan-ka-yan"].identity
    assert reader.stats.garbage_bytes > 0


def test_garbage_on_find_replies_does_not_cost_the_card(
    cards: Cards, simulator: ReaderSimulator, events: Events, make_reader: MakeReader
) -> None:
    make_reader(simulator.url, events)
    simulator.set_fault(Fault.CHECKSUM, on="find", times=2)
    simulator.place_card(cards["resident-zhang-wei"])
    assert events.next().ok


def test_stalled_reader_goes_offline_and_comes_back(
    cards: Cards, simulator: ReaderSimulator, events: Events, make_reader: MakeReader
) -> None:
    reader = make_reader(simulator.url, events, command_timeout=STALL_TIMEOUT)  # silence tested
    wait_until(lambda: reader.online)
    simulator.set_fault(Fault.STALL)
    event = events.next()
    assert isinstance(event.error, ReaderOffline)
    assert not reader.online
    simulator.clear_fault()
    wait_until(lambda: reader.online)
    simulator.place_card(cards["resident-zhang-wei"])
    assert events.next().ok


def test_reader_that_never_answers_stops_cleanly(
    simulator: ReaderSimulator, events: Events, make_reader: MakeReader
) -> None:
    simulator.set_fault(Fault.STALL)
    reader = make_reader(simulator.url, events, command_timeout=30.0)
    wait_until(lambda: Command.SAM_STATUS in simulator.requests)
    reader.stop()  # interrupts the 30 s wait for an answer ...
    assert events.pending() == []  # ... instead of waiting it out and reporting "offline"
    assert not reader.online


@pytest.mark.parametrize("code", [0x60, 0x66])
def test_sam_failure_is_reported_as_reader_offline(
    code: int, cards: Cards, simulator: ReaderSimulator, events: Events, make_reader: MakeReader
) -> None:
    reader = make_reader(simulator.url, events)
    wait_until(lambda: reader.online)
    simulator.set_fault(Fault.SAM_FAILURE, code=code)
    event = events.next()
    assert isinstance(event.error, ReaderOffline)
    assert "SAM" in str(event.error)
    simulator.clear_fault()
    wait_until(lambda: reader.online)
    simulator.place_card(cards["resident-zhang-wei"])
    assert events.next().ok


def test_unplug_and_replug(
    cards: Cards, simulator: ReaderSimulator, events: Events, make_reader: MakeReader
) -> None:
    reader = make_reader(simulator.url, events)
    wait_until(lambda: reader.online)
    simulator.unplug()
    event = events.next()
    assert isinstance(event.error, ReaderOffline)
    assert not reader.online
    wait_until(lambda: reader.stats.reopens >= 3)  # it keeps trying the vanished link
    assert events.pending() == []  # offline is said once
    simulator.plug()
    wait_until(lambda: reader.online)
    simulator.place_card(cards["resident-wang-guihua-72"])
    assert events.next().identity == cards["resident-wang-guihua-72"].identity


def test_reader_missing_at_start_is_offline_until_plugged(
    tmp_path, cards: Cards, events: Events, make_reader: MakeReader
) -> None:
    link = tmp_path / "later"
    reader = make_reader(str(link), events)
    assert isinstance(events.next().error, ReaderOffline)
    with ReaderSimulator(115200, link=link) as sim:
        wait_until(lambda: reader.online)
        sim.place_card(cards["resident-zhang-wei"])
        assert events.next().ok


def test_socket_url(cards: Cards, events: Events, make_reader: MakeReader) -> None:
    with ReaderSimulator(115200, tcp=("127.0.0.1", 0)) as sim:
        assert sim.url.startswith("socket://")
        make_reader(sim.url, events)
        sim.place_card(cards["foreign-2017-smith"])
        assert events.next().identity == cards["foreign-2017-smith"].identity


def test_switch_to_9600_baud_and_read_at_wire_speed(
    cards: Cards, simulator: ReaderSimulator, events: Events, make_reader: MakeReader
) -> None:
    make_reader(simulator.url, events, switch_baudrate=9600)
    wait_until(lambda: simulator.baudrate == 9600)
    simulator.place_card(cards["resident-zhang-wei"])
    assert events.next().identity == cards["resident-zhang-wei"].identity


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError):
        ReaderSettings("/dev/null", poll_interval=0)
    with pytest.raises(ValueError, match="4800"):
        ReaderSettings("/dev/null", switch_baudrate=4800)


def test_a_port_that_echoes_commands_is_never_taken_for_a_reader(
    events: Events, make_reader: MakeReader
) -> None:
    reader = make_reader("loop://", events)
    event = events.next()
    assert isinstance(event.error, ReaderOffline)
    wait_until(lambda: reader.stats.reopens >= 3)
    assert not reader.online
    assert all(not e.ok for e in events.pending())


def test_replug_is_found_when_another_program_took_the_old_pty(
    cards: Cards, events: Events, make_reader: MakeReader
) -> None:
    """Pty numbers are recycled machine-wide. A simulator without ``link=`` still hands out a
    path that vanishes on unplug, so the driver never reopens the old ``/dev/pts/N`` (by then
    another program's pty, whose replies it would steal) and finds the replugged reader."""
    with ReaderSimulator() as sim:
        assert not sim.url.startswith("/dev/pts/")
        reader = make_reader(sim.url, events)
        wait_until(lambda: reader.online)
        old_pty = os.path.realpath(sim.url)
        sim.unplug()
        assert isinstance(events.next().error, ReaderOffline)
        master, slave = os.openpty()  # someone else's pty, quite possibly with the old number
        try:
            sim.plug()
            wait_until(lambda: reader.online)
            sim.place_card(cards["resident-zhang-wei"])
            assert events.next().identity == cards["resident-zhang-wei"].identity
            assert not select.select([master], [], [], 0)[0]  # nothing was written to it
            assert os.path.realpath(sim.url) != old_pty or os.ttyname(slave) != old_pty
        finally:
            os.close(master)
            os.close(slave)
    assert not os.path.exists(sim.link.parent)  # the private folder goes with the simulator


class _WakesWithNoData:
    """The real pyserial port on the simulator's pty, but the next ``failures`` reads fail as
    a USB-serial adapter's spurious wake-up does (pyserial's own exception and words)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.port = serial.serial_for_url(*args, **kwargs)
        self.failures = 0

    def read(self, size: int = 1) -> bytes:
        if self.failures:
            self.failures -= 1
            raise serial.SerialException(
                "device reports readiness to read but returned no data "
                "(device disconnected or multiple access on port?)"
            )
        data: bytes = self.port.read(size)
        return data

    def __getattr__(self, name: str) -> object:
        return getattr(self.port, name)

    def __setattr__(self, name: str, value: object) -> None:
        if name in ("port", "failures"):
            object.__setattr__(self, name, value)
        else:
            setattr(self.port, name, value)


def test_one_read_with_no_data_is_a_transient_and_repeated_ones_go_offline(
    cards: Cards, simulator: ReaderSimulator, events: Events
) -> None:
    ports: list[_WakesWithNoData] = []

    def factory(*args: object, **kwargs: object) -> _WakesWithNoData:
        ports.append(_WakesWithNoData(*args, **kwargs))
        return ports[-1]

    settings = ReaderSettings(simulator.url, **{**FAST, "offline_after": 3})  # type: ignore[arg-type]
    with IdCardReader(settings, today=lambda: TODAY, serial_factory=factory) as reader:
        reader.start(events)
        wait_until(lambda: reader.online)
        ports[-1].failures = 2  # fewer than offline_after in a row: the read carries on
        wait_until(lambda: ports[-1].failures == 0)
        simulator.place_card(cards["resident-zhang-wei"])
        assert events.next().identity == cards["resident-zhang-wei"].identity
        assert reader.online and len(ports) == 1  # never reopened
        ports[-1].failures = 3  # offline_after in a row: the link is lost
        event = events.next()
        assert isinstance(event.error, ReaderOffline)
        assert "returned no data" in str(event.error)
        wait_until(lambda: reader.online)  # reopened, and the reader answers again
        assert len(ports) == 2


def test_a_second_host_on_the_same_reader_is_refused_and_the_first_reads_on(
    cards: Cards, simulator: ReaderSimulator, events: Events, make_reader: MakeReader
) -> None:
    """Two hosts on one port steal each other's replies; the port is opened exclusively."""
    first = make_reader(simulator.url, events)
    wait_until(lambda: first.online)
    second_events = Events()
    make_reader(simulator.url, second_events)
    refused = second_events.next().error
    assert isinstance(refused, ReaderOffline) and "lock" in str(refused)
    for stem in ("resident-zhang-wei", "hmt-chan-ka-yan"):
        simulator.place_card(cards[stem])
        assert events.next().identity == cards[stem].identity
        simulator.remove_card()
        wait_for_finds(simulator, 2)
    assert first.online and events.pending() == []
