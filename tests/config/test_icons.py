"""Pictograms: names read from the font itself; every shipped hall's icons exist; a wrong name
is refused with the file, the service and the name."""

from __future__ import annotations

import pytest

from kiosk.config import ConfigError, load_hall, load_hall_file
from kiosk.domain.hall import Category
from screens.icons import (
    ACTION_ICONS,
    CATEGORY_ICONS,
    FONT,
    IconError,
    check_hall_icons,
    codepoints,
    glyph,
    service_icon,
)
from tests.config.test_hall_files import HALL_IDS, SHIPPED


def test_the_names_come_from_the_font() -> None:
    names = codepoints()
    assert len(names) > 7000
    assert names["account"] == 0xF0004 and glyph("home") == chr(names["home"])
    assert glyph("") == ""
    with pytest.raises(IconError, match="unknown icon 'no-such-icon'"):
        glyph("no-such-icon")


def test_the_kiosk_and_every_shipped_hall_use_icons_the_font_has() -> None:
    names = codepoints()
    assert set(ACTION_ICONS.values()) <= set(names)
    assert set(CATEGORY_ICONS.values()) <= set(names) and set(CATEGORY_ICONS) == set(Category)
    for hall_id in HALL_IDS:
        hall = load_hall(hall_id)
        check_hall_icons(hall)
        assert all(s.icon for s in hall.services), hall_id  # each shipped service chose one


def test_a_service_without_an_icon_gets_its_category_default() -> None:
    hall = load_hall("xixia")
    bare = hall.model_copy(
        update={"services": tuple(s.model_copy(update={"icon": ""}) for s in hall.services)}
    )
    assert service_icon(bare, "consultation") == CATEGORY_ICONS[Category.CONSULTATION]
    assert service_icon(hall, "real-estate") == "home-city"


def test_a_wrong_icon_name_is_refused_with_file_service_and_name(tmp_path) -> None:
    text = (SHIPPED / "xixia.toml").read_text(encoding="utf-8")
    path = tmp_path / "xixia.toml"
    path.write_text(text.replace('icon = "calculator"', 'icon = "abacus-9000"'), encoding="utf-8")
    with pytest.raises(IconError) as error:
        check_hall_icons(load_hall_file(path), str(path))
    assert str(error.value).startswith(f"{path}: services[4].icon: 'abacus-9000' is not")
    path.write_text(text.replace('icon = "calculator"', 'icon = "Calculator!"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="icon"):
        load_hall_file(path)


def test_the_font_file_is_the_pinned_release() -> None:
    import hashlib

    digest = hashlib.sha256(FONT.read_bytes()).hexdigest()
    assert digest == "61e8aba5a4e981fe22cf7c8e8bcdbea00476e75c62c37f01bf7ee33361d68428"
    assert (FONT.parent / "LICENSE").read_text(encoding="utf-8").startswith("Pictogrammers")
