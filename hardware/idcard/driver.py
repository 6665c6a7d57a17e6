"""The ID-card reader driver: polls a SAM reader over pyserial and reports each tap.

One background thread owns the port (the shape of pyserial's ``threaded`` helper, but request
and answer in one loop, since the reader never speaks unasked): find → select → read → read
again (two reads must agree, ``hardware.idcard.confirm``) every ``poll_interval``, each step
with its own timeout and a few retries on transient result codes and damaged frames. A card is
reported once per stay on the reader: readers that keep answering "found" for a card already
read are not read twice, and a new tap of the same card is reported again. A reader that is
unplugged or stops answering is reported offline once, then reopened until it answers again.
Nothing here logs a full ID number.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import serial

from hardware.idcard.card import CardDataError, split_read_data
from hardware.idcard.codec import (
    MIN_REPLY_LEN,
    SAM_FAULT_CODES,
    TRANSIENT_CODES,
    Command,
    FrameError,
    FrameParser,
    Garbage,
    Reply,
    ResultCode,
    TruncatedFrame,
    describe_result,
    encode_request,
    encode_set_baud,
)
from hardware.idcard.confirm import ReadConfirmation, ReadsDisagree
from hardware.idcard.ports import parse_usb_spec, resolve_port
from kiosk.domain.identity import Identity, is_expired
from kiosk.ports.card_reader import (
    CardCallback,
    CardEvent,
    CardExpired,
    CardReaderError,
    CardUnreadable,
    InvalidCardData,
    ReaderOffline,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReaderSettings:
    """How to talk to one reader. Times are in seconds."""

    port: (
        str  # /dev/ttyUSB0, a symlink, usb:VID:PID[:SERIAL], or a pyserial URL (socket://, loop://)
    )
    baudrate: int = 115200
    switch_baudrate: int | None = None  # send ``60 xx`` after opening and move to this rate
    reply_at_new_rate: bool = False  # unsourced: whether the ``60 xx`` answer uses the new rate
    poll_interval: float = 0.15
    command_timeout: float = 1.0  # find, select, SAM status: time to the reply's first byte
    read_timeout: float = 3.0  # the text+photo read
    byte_gap_timeout: float = 0.25  # silence inside a reply that means it was cut short
    retries: int = 2  # further attempts after a transient failure
    reopen_interval: float = 0.5
    offline_after: int = 3  # unanswered polls in a row before the reader counts as offline
    absent_polls: int = 1  # "no card" answers in a row that end a card's stay
    with_fingerprints: bool = False  # read with ``30 10`` instead of ``30 01``
    # Accept a card only when two reads agree; False: only cards whose number has no check digit
    confirm_all_reads: bool = True

    def __post_init__(self) -> None:
        if self.poll_interval <= 0 or self.command_timeout <= 0 or self.read_timeout <= 0:
            raise ValueError("poll interval and timeouts must be positive")
        if self.retries < 0 or self.offline_after < 1 or self.absent_polls < 1:
            raise ValueError("retries >= 0, offline_after >= 1 and absent_polls >= 1")
        if self.switch_baudrate is not None:
            encode_set_baud(self.switch_baudrate)  # refuses an unknown rate now, not later
        if self.port.startswith("usb:"):
            parse_usb_spec(self.port)  # a mistyped usb:VID:PID is refused at start-up


class _NoAnswer(Exception):
    """The reader said nothing before the timeout."""


class _LinkLost(Exception):
    """The port itself failed (unplugged, closed)."""


class _Stopping(Exception):
    pass


@dataclass
class ReaderStats:
    """Counters for diagnostics and the benchmark."""

    commands: int = 0
    retries: int = 0
    frame_errors: int = 0
    garbage_bytes: int = 0
    timeouts: int = 0
    reopens: int = 0
    cards: int = 0
    confirm_reads: int = 0  # reads after the first to confirm a card
    disagreements: int = 0  # taps given up because no two reads agreed


class IdCardReader:
    """A ``kiosk.ports.card_reader.CardReader`` over a real (or simulated) SAM reader."""

    def __init__(
        self,
        settings: ReaderSettings,
        *,
        today: Callable[[], date] = date.today,
        serial_factory: Callable[..., Any] = serial.serial_for_url,
    ) -> None:
        """``today`` decides expiry (the hall's local date); tests pass a fixed day."""
        self.settings = settings
        self._today = today
        self._serial_factory = serial_factory
        self._port: Any = None
        self._parser = FrameParser(min_len=MIN_REPLY_LEN)
        self._callback: CardCallback | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._online: bool | None = None  # None: not known yet
        self._silent_polls = 0
        self._failed_reads = 0  # port reads in a row that failed (readable, yet no data)
        self._absent_answers = 0
        self._card_done = False  # the card on the reader now has been reported
        self._error_reported = False  # ... or its failure has
        self._reported_number: str | None = None  # kept in memory only, to spot the same card
        self.stats = ReaderStats()
        self.last_card_found: float | None = None  # monotonic time of the latest "card found"

    # -- CardReader ---------------------------------------------------------------------
    def start(self, callback: CardCallback) -> None:
        if self._thread is not None:
            raise RuntimeError("the reader is already started")
        self._callback = callback
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="idcard-reader", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.settings.read_timeout + 2)
            self._thread = None
        self._close()

    @property
    def online(self) -> bool:
        return bool(self._online)

    def __enter__(self) -> IdCardReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the loop -----------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self._port is None:
                    self._open()
                busy = self._poll_once()
            except _Stopping:
                break
            except (_LinkLost, ReaderOffline) as error:
                self._close()
                detail = error.detail if isinstance(error, ReaderOffline) else str(error)
                self._go_offline(detail)
                self._stop.wait(self.settings.reopen_interval)
                continue
            except Exception as error:  # never let a surprise end the reader thread
                log.exception("ID-card reader loop failed")
                self._close()
                self._go_offline(f"{type(error).__name__}: {error}")
                self._stop.wait(self.settings.reopen_interval)
                continue
            if not busy:
                self._stop.wait(self.settings.poll_interval)
        self._close()

    def _open(self) -> None:
        settings = self.settings
        self.stats.reopens += 1
        try:
            self._port = self._serial_factory(
                resolve_port(settings.port),
                baudrate=settings.baudrate,
                timeout=0.05,
                write_timeout=1.0,
                # one host per reader: a second opener (another kiosk process, ModemManager
                # probing ttyUSB*, a stray driver on a recycled pty) would take half the replies
                exclusive=True,
            )
        except (serial.SerialException, OSError, ValueError) as error:
            text = str(error)
            raise _LinkLost(text if settings.port in text else f"{settings.port}: {text}") from None
        self._parser.reset()
        self._failed_reads = 0
        try:
            if settings.switch_baudrate and settings.switch_baudrate != settings.baudrate:
                self._switch_baudrate(settings.switch_baudrate)
            status = self._transact_frame(
                encode_request(Command.SAM_STATUS), settings.command_timeout
            )
        except _NoAnswer:
            raise ReaderOffline(f"{settings.port}: no answer from the reader") from None
        except FrameError as error:
            raise ReaderOffline(f"{settings.port}: {error}") from None
        if status.sw3 != ResultCode.SUCCESS:
            raise ReaderOffline(f"SAM: {describe_result(status.sw3)}")
        self._silent_polls = 0
        self._go_online()

    def _switch_baudrate(self, rate: int) -> None:
        frame = encode_set_baud(rate)
        if self.settings.reply_at_new_rate:
            self._send(frame)
            self._port.baudrate = rate
            reply = self._receive(self.settings.command_timeout)
        else:
            reply = self._transact_frame(frame, self.settings.command_timeout)
            self._port.baudrate = rate
        if reply.sw3 != ResultCode.SUCCESS:
            raise ReaderOffline(f"baud rate {rate} refused: {describe_result(reply.sw3)}")

    def _close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(Exception):
                port.close()

    def _go_online(self) -> None:
        if not self._online:
            log.info("ID-card reader online on %s", self.settings.port)
        self._online = True

    def _go_offline(self, detail: str) -> None:
        if self._online is not False:
            log.warning("ID-card reader offline: %s", detail)
            self._online = False
            self._card_done = self._error_reported = False
            self._reported_number = None
            self._emit(CardEvent(error=ReaderOffline(detail)))

    def _poll_once(self) -> bool:
        """One find (and, for a new card, select and read). True if a card was handled."""
        settings = self.settings
        try:
            found = self._transact(Command.FIND_CARD, settings.command_timeout)
        except _NoAnswer:
            self._silent_polls += 1
            if self._silent_polls >= settings.offline_after:
                raise ReaderOffline(_silence(settings)) from None
            return False
        except FrameError:
            return False  # retries exhausted on a noisy line; the next poll tries again
        self._silent_polls = 0
        self._go_online()
        if found.sw3 in SAM_FAULT_CODES:
            raise ReaderOffline(f"SAM: {describe_result(found.sw3)}")
        if found.sw3 != ResultCode.CARD_FOUND:
            self._absent_answers += 1
            if self._absent_answers >= settings.absent_polls:
                self._card_done = self._error_reported = False
                self._reported_number = None
            return False
        self._absent_answers = 0
        # "found" right after a read: a reader that does not halt the card read, or another card
        # put down at once. Read again, but report only a different card.
        lying = self._card_done
        if not lying:
            self.last_card_found = time.monotonic()
        try:
            identity = self._select_and_read()
        except CardReaderError as error:
            if isinstance(error, ReaderOffline):
                raise
            if lying:
                return False
            if isinstance(error, InvalidCardData):
                self._card_done, self._reported_number = True, None
            if not self._error_reported:
                self._error_reported = True
                self._emit(CardEvent(error=error))
            return True
        if lying and identity.id_number == self._reported_number:
            return False  # the card already reported is still lying on the reader
        self._card_done, self._reported_number = True, identity.id_number
        self.stats.cards += 1
        if is_expired(identity, self._today()):
            self._emit(CardEvent(error=CardExpired(identity)))
        else:
            self._emit(CardEvent(identity=identity))
        return True

    def _select_and_read(self) -> Identity:
        """Select, then read until two consecutive reads agree (``hardware.idcard.confirm``)."""
        settings = self.settings
        command = (
            Command.READ_TEXT_PHOTO_FINGERPRINT
            if settings.with_fingerprints
            else Command.READ_TEXT_PHOTO
        )
        confirmation = ReadConfirmation(confirm_all=settings.confirm_all_reads)
        bad_reads = 0
        try:
            selected = self._transact(Command.SELECT_CARD, settings.command_timeout)
            self._check(selected, "select")
            while True:
                reply = self._transact(command, settings.read_timeout)
                if confirmation.reads and reply.sw3 not in SAM_FAULT_CODES | {ResultCode.SUCCESS}:
                    # a reader that wants a new select before reading the same card again
                    self._check(
                        self._transact(Command.SELECT_CARD, settings.command_timeout), "select"
                    )
                    reply = self._transact(command, settings.read_timeout)
                self._check(reply, "read")
                try:
                    block = split_read_data(reply.data, settings.with_fingerprints)
                except CardDataError as error:
                    # not a read reply's shape (a line glitch, a stale frame): the card's data
                    # was not seen at all, so read it again rather than call the card invalid
                    bad_reads += 1
                    if bad_reads > settings.retries:
                        raise CardUnreadable(f"damaged reply: {error}") from None
                    continue
                try:
                    record = confirmation.offer(block)
                except ReadsDisagree as error:
                    self.stats.disagreements += 1
                    raise CardUnreadable(str(error)) from None
                except CardDataError as error:
                    raise InvalidCardData(str(error)) from None
                if record is not None:
                    return record.identity
                self.stats.confirm_reads += 1
        except _NoAnswer:
            raise CardUnreadable("the reader stopped answering during the read") from None
        except FrameError as error:
            raise CardUnreadable(f"damaged reply: {error}") from None

    @staticmethod
    def _check(reply: Reply, step: str) -> None:
        if reply.sw3 in SAM_FAULT_CODES:
            raise ReaderOffline(f"SAM: {describe_result(reply.sw3)}")
        if reply.sw3 != ResultCode.SUCCESS:
            raise CardUnreadable(f"{step}: {describe_result(reply.sw3)}")

    # -- one command --------------------------------------------------------------------
    def _transact(self, command: Command, timeout: float) -> Reply:
        """Send, receive, and retry on damage or a transient result code."""
        frame = encode_request(command)
        last_error: FrameError | None = None
        reply: Reply | None = None
        for attempt in range(self.settings.retries + 1):
            if attempt:
                self.stats.retries += 1
            try:
                reply = self._transact_frame(frame, timeout)
            except FrameError as error:
                self.stats.frame_errors += 1
                last_error = error
                log.debug("%s: %s", command.name, error)
                continue
            if reply.sw3 not in TRANSIENT_CODES:
                return reply
        if reply is not None:
            return reply
        assert last_error is not None
        raise last_error

    def _transact_frame(self, frame: bytes, timeout: float) -> Reply:
        self._discard_input()
        self._send(frame)
        return self._receive(timeout)

    def _discard_input(self) -> None:
        self._parser.reset()
        try:
            if self._port.in_waiting:
                self._port.reset_input_buffer()
        except (serial.SerialException, OSError) as error:
            raise _LinkLost(str(error)) from None

    def _send(self, frame: bytes) -> None:
        self.stats.commands += 1
        try:
            self._port.write(frame)
        except (serial.SerialException, OSError) as error:
            raise _LinkLost(str(error)) from None

    def _receive(self, timeout: float) -> Reply:
        """The next whole reply. Garbage is skipped; damage raises ``FrameError``."""
        port = self._port
        first_byte_deadline = deadline = time.monotonic() + timeout
        while True:
            if self._stop.is_set():
                raise _Stopping
            now = time.monotonic()
            if now >= deadline:
                if self._parser.pending:
                    dropped = self._parser.reset()
                    raise TruncatedFrame(f"reply cut short after {len(dropped)} bytes")
                self.stats.timeouts += 1
                raise _NoAnswer
            try:
                port.timeout = min(deadline - now, 0.1)
                chunk = port.read(port.in_waiting or 1)
            except (serial.SerialException, OSError, TypeError) as error:
                self._read_failed(error)
                continue
            if not chunk:
                continue
            self._failed_reads = 0
            items = self._parser.feed(chunk)
            # inside a frame, silence longer than a byte gap means the rest will not come
            deadline = (
                time.monotonic() + self.settings.byte_gap_timeout
                if self._parser.pending
                else first_byte_deadline
            )
            for item in items:
                if isinstance(item, bytes):
                    return Reply.from_payload(item)
                if isinstance(item, Garbage):
                    self.stats.garbage_bytes += len(item.skipped)
                    continue
                raise item

    def _read_failed(self, error: Exception) -> None:
        """One failed read is a transient; ``offline_after`` in a row mean the link is lost.

        pyserial raises "device reports readiness to read but returned no data" when the port
        wakes a reader with nothing to read: a USB-serial adapter can do that once and carry
        on. An unplugged adapter or a hung-up pty fails every read at once, so it still goes
        offline within a few milliseconds.
        """
        self._failed_reads += 1
        if self._port is None or self._failed_reads >= self.settings.offline_after:
            raise _LinkLost(str(error))
        log.debug("ID-card reader read failed (%d in a row): %s", self._failed_reads, error)
        self._stop.wait(_READ_RETRY_PAUSE)

    # -- callback -----------------------------------------------------------------------
    def _emit(self, event: CardEvent) -> None:
        callback = self._callback
        if callback is None:
            return
        try:
            callback(event)
        except Exception:  # a broken screen must not kill the reader thread
            log.exception("ID-card callback failed")


#: Pause after a failed read before reading again (a transient gets a moment to pass).
_READ_RETRY_PAUSE = 0.01


def _silence(settings: ReaderSettings) -> str:
    return f"{settings.port}: no answer to {settings.offline_after} polls"


def read_one(
    settings: ReaderSettings,
    timeout: float,
    *,
    today: Callable[[], date] = date.today,
) -> Identity:
    """Wait for one card and return it, raising the tap's ``CardReaderError`` (for the CLI).

    Raises ``TimeoutError`` when no card arrives in time.
    """
    import queue

    events: queue.Queue[CardEvent] = queue.Queue()
    reader = IdCardReader(settings, today=today)
    reader.start(events.put)
    try:
        event = events.get(timeout=timeout)
    except queue.Empty:
        raise TimeoutError(f"no card on the reader within {timeout:g} s") from None
    finally:
        reader.stop()
    if event.error is not None:
        raise event.error
    assert event.identity is not None
    return event.identity


def check_reader(settings: ReaderSettings) -> None:
    """Open the reader and ask its SAM's status, then close it (what ``kiosk doctor`` does).

    Raises ``ReaderOffline`` saying what is wrong: no such port, no answer, a SAM fault.
    """
    reader = IdCardReader(settings)
    try:
        reader._open()
    except _LinkLost as error:
        raise ReaderOffline(str(error)) from None
    finally:
        reader._close()
