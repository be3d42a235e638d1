from collections import OrderedDict

import pytest
import torch.nn as nn

from helpers import format_table, get_model, receptive_field_table


def rf_and_jump(model, input_size=(1, 28, 28)):
    return [(row["rf"], row["jump"]) for row in receptive_field_table(model, input_size)[1:]]


def test_bad_network_by_hand():
    rows = receptive_field_table(get_model("bad"))
    # conv 3, conv 5, pool 6 (jump 2), conv 10, conv 14, pool 16 (jump 4), convs 24, 32, 40
    assert [r["rf"] for r in rows] == [1, 3, 5, 6, 10, 14, 16, 24, 32, 40]
    assert [r["out_size"] for r in rows] == [28, 28, 28, 14, 14, 14, 7, 5, 3, 1]
    assert rows[-1]["jump"] == 4 and "conv7" in rows[-1]["layer"] and "Conv2d" in rows[-1]["layer"]


def test_small_network_first_block_reaches_seven_before_the_pool():
    rows = receptive_field_table(get_model("gap"))
    layers = [r["layer"] for r in rows]
    pool = next(i for i, name in enumerate(layers) if "MaxPool2d" in name)
    assert [r["rf"] for r in rows[1:pool]] == [3, 5, 7] and rows[pool]["rf"] == 8
    assert rows[-1]["rf"] >= 28  # after global average pooling every output sees the whole image
    assert not any("BatchNorm" in name or "Dropout" in name or "ReLU" in name for name in layers)


def test_stride_padding_dilation_and_pooling_by_hand():
    model = nn.Sequential(
        nn.Conv2d(1, 4, 5, stride=2, padding=2),  # rf 5, jump 2, 28 -> 14
        nn.Conv2d(4, 4, 3, dilation=2, padding=2),  # effective kernel 5: rf 5 + 4*2 = 13
        nn.MaxPool2d(3, stride=2, padding=1),  # rf 13 + 2*2 = 17, jump 4, 14 -> 7
        nn.AvgPool2d(2),  # rf 17 + 1*4 = 21, jump 8, 7 -> 3
        nn.ReLU(), nn.Dropout(0.1), nn.BatchNorm2d(4),
        nn.AdaptiveAvgPool2d(1),  # whole 3x3 map: rf 21 + 2*8 = 37, jump 24
        nn.Flatten(),
    )
    assert rf_and_jump(model) == [(5, 2), (13, 2), (17, 4), (21, 8), (37, 24)]
    rows = receptive_field_table(model)
    assert [r["out_size"] for r in rows] == [28, 14, 14, 7, 3, 1]
    assert rows[2]["dilation"] == 2 and rows[1]["stride"] == 2 and rows[1]["padding"] == 2
    assert "rf" in format_table(rows).splitlines()[0]


def test_unknown_layers_and_non_square_windows_are_refused_by_name():
    with pytest.raises(ValueError, match=r"head \(Linear\)"):
        receptive_field_table(nn.Sequential(OrderedDict(flat=nn.Flatten(), head=nn.Linear(784, 10))))
    with pytest.raises(ValueError, match="Upsample"):
        receptive_field_table(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Upsample(scale_factor=2)))
    with pytest.raises(ValueError, match="square"):
        receptive_field_table(nn.Sequential(nn.Conv2d(1, 2, (3, 5))))


def test_the_model_is_left_in_its_mode():
    model = get_model("dropout").train()
    receptive_field_table(model)
    assert all(m.training for m in model.modules())
