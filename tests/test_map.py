"""The province map: a tile for each of the 77 provinces at a plausible place, coloured by value,
Bangkok and missing values grey, labels from the catalogue."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from lpa_analysis import geo, i18n, plots
from lpa_analysis.plots import map as tile_map

CODES = [p.code for p in geo.all_provinces()]  # the 76 assessed provinces


@pytest.fixture(autouse=True)
def _close_nothing_left_open():
    yield
    import matplotlib.pyplot as plt

    assert plt.get_fignums() == []


def _tiles(fig) -> dict[str, matplotlib.patches.Rectangle]:
    found = {}
    for patch in fig.findobj(matplotlib.patches.Rectangle):
        gid = patch.get_gid() or ""
        if gid.startswith("province-"):
            assert gid[9:] not in found, f"{gid} drawn twice"
            found[gid[9:]] = patch
    return found


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


def test_grid_places_every_province_once_at_its_own_square():
    grid = plots.province_grid()
    assert sorted(grid["province_code"]) == sorted(
        p.code for p in geo.all_provinces(include_bangkok=True))
    assert len(grid) == 77
    assert not grid[["row", "col"]].duplicated().any()
    assert grid["abbr_en"].is_unique


def test_grid_keeps_the_shape_of_thailand():
    pos = plots.province_grid().set_index("province_code")[["row", "col"]]
    row, col = pos["row"], pos["col"]
    assert row["57"] < row["56"] and col["57"] == col["56"]  # Chiang Rai above Phayao
    assert row["57"] == row.min()  # Chiang Rai the northernmost
    assert row["96"] == row.max() and (row == row.max()).sum() == 1  # Narathiwat the lowest
    assert col["34"] == col.max()  # Ubon Ratchathani the easternmost
    assert col["58"] < col["50"]  # Mae Hong Son west of Chiang Mai
    south = list(geo.REGION_PROVINCES["south"])
    assert row[south].min() > row[list(geo.REGION_PROVINCES["north"])].max()  # peninsula below
    assert col[list(geo.REGION_PROVINCES["northeast"])].mean() > col[list(
        geo.REGION_PROVINCES["central"])].mean()  # northeast to the right of central
    assert row[list(geo.REGION_PROVINCES["east"])].mean() > row["10"]  # east below-right of BKK
    assert col[list(geo.REGION_PROVINCES["east"])].mean() > col["10"]
    for neighbour in ("12", "13", "11"):  # Bangkok touches Nonthaburi, Pathum Thani, Samut Prakan
        assert max(abs(row[neighbour] - row["10"]), abs(col[neighbour] - col["10"])) == 1


@pytest.mark.parametrize("region", ["north", "northeast", "central", "east", "south"])
def test_each_region_is_one_piece(region):
    """(Tak, in the west, sits north of Uthai Thani; the west is the one region drawn split.)"""
    pos = plots.province_grid().set_index("province_code")
    cells = {(pos.at[c, "row"], pos.at[c, "col"]) for c in geo.REGION_PROVINCES[region]}
    seen, todo = set(), [next(iter(cells))]
    while todo:
        r, c = todo.pop()
        if (r, c) in seen:
            continue
        seen.add((r, c))
        todo.extend((r + dr, c + dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)
                    if (r + dr, c + dc) in cells)
    assert seen == cells


@pytest.fixture(scope="module")
def values() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"province_code": CODES, "value": rng.uniform(40, 95, len(CODES))})
    frame.loc[frame["province_code"] == "96", "value"] = np.nan  # Narathiwat: no data
    # Bangkok given a value anyway: it must stay grey (never assessed)
    return pd.concat([frame, pd.DataFrame({"province_code": ["10"], "value": [99.0]})])


def test_every_province_gets_a_coloured_tile_and_bangkok_is_grey(values):
    fig = plots.province_map(values, value="value", lang="th", label="ผ่านเกณฑ์ (%)")
    tiles = _tiles(fig)
    assert set(tiles) == set(CODES) | {"10"}
    grey = {to_hex(tile_map.NO_DATA), to_hex(tile_map.NOT_ASSESSED)}
    coloured = [c for c in CODES if to_hex(tiles[c].get_facecolor()) not in grey]
    assert sorted(coloured) == sorted(set(CODES) - {"96"})
    assert to_hex(tiles["96"].get_facecolor()) == to_hex(tile_map.NO_DATA)
    assert to_hex(tiles["10"].get_facecolor()) == to_hex(tile_map.NOT_ASSESSED)
    assert tiles["10"].get_hatch()
    complete = _tiles(plots.province_map(values.fillna(50.0), lang="th"))
    assert all(to_hex(complete[c].get_facecolor()) not in grey for c in CODES)
    # the colour follows the value: the highest province has the top colour of the scale
    top = values.dropna().query("province_code != '10'").sort_values("value").iloc[-1]
    cmap = matplotlib.colormaps[tile_map.CMAP]
    assert to_hex(tiles[top["province_code"]].get_facecolor()) == to_hex(cmap(1.0))


def test_labels_and_legend_follow_the_language(values):
    th = _texts(plots.province_map(values, lang="th", label="ผ่านเกณฑ์ (%)"))
    assert "แพร่" in th and "ผ่านเกณฑ์ (%)" in th
    assert i18n.t("map.not_assessed", "th") in th and i18n.t("map.no_data", "th") in th
    en = _texts(plots.province_map(values, lang="en", label="Pass rate (%)"))
    assert "PRE" in en and "แพร่" not in en
    assert i18n.t("map.not_assessed", "en") in en


def test_highlight_outlines_the_chosen_province(values):
    tiles = _tiles(plots.province_map(values, lang="en", highlight="แพร่"))
    assert to_hex(tiles["54"].get_edgecolor()) == to_hex(plots.HIGHLIGHT)
    assert to_hex(tiles["55"].get_edgecolor()) != to_hex(plots.HIGHLIGHT)


def test_missing_provinces_and_columns(values):
    tiles = _tiles(plots.province_map(values.head(10), lang="th"))
    assert len(tiles) == 77  # the rest are drawn as 'no data', never left out
    assert sum(to_hex(t.get_facecolor()) == to_hex(tile_map.NO_DATA) for t in tiles.values()) == 66
    with pytest.raises(ValueError, match="rate"):
        plots.province_map(values, value="rate", lang="th")


def test_png_renders(values, tmp_path):
    path = plots.save_png(plots.province_map(values, lang="th"), tmp_path / "map.png")
    assert path.read_bytes().startswith(b"\x89PNG")
