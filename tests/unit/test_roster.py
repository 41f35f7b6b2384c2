from pathlib import Path

import pytest

from multiplex.errors import ConfigError, InvalidRequest
from multiplex.roster import load_roster

DEFAULT_IDS = ["western", "islamic", "confucian", "hindu", "buddhist", "african", "indigenous"]

CARD = """
id = "{id}"
name = "{name}"
description = "A test perspective."
persona = "Speaks plainly."
lexicon = [{terms}]
"""


def write(folder: Path, file: str, text: str) -> None:
    (folder / file).write_text(text, encoding="utf-8")


def test_default_roster_has_the_seven_perspectives_in_order() -> None:
    roster = load_roster()
    assert roster.ids == DEFAULT_IDS
    for card in roster:
        assert len(card.lexicon) >= 15, card.id
        assert len(card.persona) > 300, card.id


def test_cards_carry_the_expected_lexicon_terms() -> None:
    roster = load_roster()
    assert {"Quran", "hadith", "ummah", "maslaha"} <= set(roster.get("islamic").lexicon)
    assert {"Confucius", "ren", "li", "filial piety", "junzi"} <= set(roster.get("confucian").lexicon)
    assert "Ubuntu" in roster.get("african").lexicon


def test_a_good_custom_roster_loads(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", CARD.format(id="alpha", name="Alpha", terms='"alphaism"'))
    write(tmp_path, "b.toml", CARD.format(id="beta", name="Beta", terms='"betaism", "beta way"'))
    roster = load_roster(tmp_path)
    assert roster.ids == ["alpha", "beta"]
    assert roster.get("beta").lexicon == ("betaism", "beta way")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('id = "x"\nname = "X"\ndescription = "d"\npersona = "p"\n', "lexicon"),
        (CARD.format(id="x", name="X", terms='"t"') + 'colour = "red"\n', "colour"),
        (CARD.format(id="Bad Id", name="X", terms='"t"'), "id"),
        (CARD.format(id="x", name="", terms='"t"'), "name"),
        (CARD.format(id="x", name="X", terms='""'), "lexicon"),
    ],
)
def test_a_bad_card_names_its_file_and_field(tmp_path: Path, text: str, field: str) -> None:
    write(tmp_path, "bad.toml", text)
    with pytest.raises(ConfigError) as info:
        load_roster(tmp_path)
    assert "bad.toml" in info.value.message
    assert f"'{field}" in info.value.message


def test_invalid_toml_is_reported_with_the_file(tmp_path: Path) -> None:
    write(tmp_path, "broken.toml", "id = \n")
    with pytest.raises(ConfigError, match="broken.toml: not valid TOML"):
        load_roster(tmp_path)


def test_duplicate_ids_fail(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", CARD.format(id="same", name="A", terms='"one"'))
    write(tmp_path, "b.toml", CARD.format(id="same", name="B", terms='"two"'))
    with pytest.raises(ConfigError, match="b.toml: field 'id': 'same' is already used"):
        load_roster(tmp_path)


def test_a_term_listed_by_two_cards_fails(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", CARD.format(id="a", name="A", terms='"karma"'))
    write(tmp_path, "b.toml", CARD.format(id="b", name="B", terms='"Karma"'))
    with pytest.raises(ConfigError, match="term 'Karma' is also listed by 'a'"):
        load_roster(tmp_path)


def test_empty_folder_fails(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no perspective cards"):
        load_roster(tmp_path)


def test_subset_keeps_order_given_and_rejects_unknown_ids() -> None:
    roster = load_roster()
    assert roster.subset(["hindu", "islamic"]).ids == ["hindu", "islamic"]
    with pytest.raises(InvalidRequest, match="unknown perspective 'martian'"):
        roster.subset(["martian"])
    with pytest.raises(InvalidRequest):
        roster.subset([])
