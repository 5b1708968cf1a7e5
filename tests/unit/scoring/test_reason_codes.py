"""Every reason code has its text in Chinese and English, and renders its parameters."""

from __future__ import annotations

import string

from scoring.reasons import REASON_TEXT, VALUE_TEXT, Reason, render


def test_every_code_has_zh_and_en_with_the_same_parameters():
    assert REASON_TEXT
    for code, texts in REASON_TEXT.items():
        assert set(texts) == {"zh", "en"}, code
        names = [
            {field for _, field, _, _ in string.Formatter().parse(texts[lang]) if field}
            for lang in ("zh", "en")
        ]
        assert names[0] == names[1], code
    for value, texts in VALUE_TEXT.items():
        assert set(texts) == {"zh", "en"} and all(texts.values()), value


def test_rendering_in_each_language():
    answers = Reason("answers_at", {"percent": 62, "hour": 19, "hour_end": 20}, 0.0)
    assert render(answers, "en") == "answers 62% at 19–20 h local"
    assert render(answers, "zh") == "当地 19–20 时接听率 62%"
    assert answers.text == render(answers, "en")
    lapsed = Reason("lapsed", {"days": 40}, -0.3)
    assert render(lapsed, "en") == "lapsed 40 days" and render(lapsed, "zh") == "已 40 天未交易"
    gold = Reason("tier", {"tier": "gold"}, 0.5)
    assert render(gold, "en") == "gold" and render(gold, "zh") == "金卡"
    # an unknown language reads Chinese, the console's default
    assert render(gold, "fr") == "金卡"
