"""Topic-first choice within a draft slot (assistant/compose/choice.py): preferences — the next
paragraph of the same precedent section, the template's 文种, document diversity — only decide
between candidates about equally on topic."""

from collections import Counter

import pytest

from assistant.compose import choice
from assistant.compose.choice import CONSECUTIVE_BONUS, Candidate, topic_first
from assistant.compose.composer import _Run
from assistant.compose.templates import load_templates
from assistant.models import Hit

ORG, YEAR = "某县卫生健康局", 2026


def candidate(doc, n, value, cos, path=("一、主要做法",)):
    hit = Hit(doc_id=doc, para_id=f"{doc}#{n}", score=value, title=doc, heading_path=path, role="主要做法",
              text=f"{doc}第{n}段", original="", source="")
    return Candidate(hit, value, f"g-{doc}-{n}", cos)


@pytest.fixture(scope="module")
def run():
    return _Run(None, load_templates(None)["工作总结"], "行风建设", (), ORG, YEAR, 0)


def test_the_most_topical_wins_beyond_the_tolerance():
    a, b = candidate("甲", 1, 0.5, 0.80), candidate("乙", 1, 5.0, 0.80 - choice.TOPIC_TOLERANCE - 0.001)
    assert topic_first([a, b], lambda c: c.value) is a  # a much larger preference does not buy topicality


def test_preference_decides_between_near_equals():
    a, b = candidate("甲", 1, 0.5, 0.80), candidate("乙", 1, 0.9, 0.80 - choice.TOPIC_TOLERANCE / 2)
    assert topic_first([a, b], lambda c: c.value) is b
    assert topic_first([a, b], lambda c: c.value, tolerance=0.0) is a
    assert topic_first([], lambda c: c.value) is None


def test_ties_in_preference_go_to_the_more_topical():
    a, b = candidate("甲", 1, 0.5, 0.800), candidate("乙", 1, 0.5, 0.805)
    assert topic_first([a, b], lambda c: c.value, tolerance=0.1) is b


def test_a_following_paragraph_wins_only_when_about_as_topical(run):
    first = candidate("甲", 1, 1.0, 0.80)
    follow = candidate("甲", 2, 1.0, 0.80 - choice.TOPIC_TOLERANCE / 2)
    other = candidate("乙", 7, 1.0, 0.80)
    assert topic_first([follow, other], lambda c: c.value + CONSECUTIVE_BONUS * choice.follows(first.hit, c.hit)) \
        is follow
    run.used_ids.clear(), run.used_groups.clear()
    far = candidate("甲", 2, 1.0, 0.70)  # the next paragraph, but 0.1 less topical than another source's
    assert run.take([far, other], Counter(), count=False, after=first.hit) is other


def test_under_a_precedent_sub_heading_the_next_paragraph_continues_it(run, monkeypatch):
    """A sub-section headed by a precedent's sub-heading goes on with the paragraph that follows in that
    precedent section (written to develop the heading) while it is on topic — even when another
    source's paragraph is more topical; a flat section stays topic first."""
    from assistant.compose.composer import _Filled

    monkeypatch.setattr(run, "offer_next", lambda *a: None)  # no index here: the pool already holds it
    path = ("一、主要做法", "（一）优化就医环境")
    for coherent, expected in ((True, "甲#2"), (False, "乙#7")):
        run.used_ids.clear(), run.used_groups.clear()
        first = candidate("甲", 1, 1.0, 0.80, path)
        pool = [candidate("甲", 2, 1.0, 0.70, path), candidate("乙", 7, 1.0, 0.80), candidate("甲", 3, 1.0, 0.79, path)]
        run.claim(first)
        filled = _Filled([first], [], [])
        run.extend(filled, pool, 2, Counter({"甲": 1}), alternatives=0, coherent=coherent)
        assert [c.hit.para_id for c in filled.chosen] == ["甲#1", expected]
    run.used_ids.clear(), run.used_groups.clear()
    assert run.take_next([candidate("甲", 3, 1.0, 0.79, path)], Counter(), candidate("甲", 1, 1.0, 0.8, path).hit) is None


def test_take_never_hands_out_a_paragraph_twice(run):
    run.used_ids.clear(), run.used_groups.clear()
    pool = [candidate("甲", 1, 0.9, 0.75), candidate("乙", 1, 0.1, 0.78), candidate("丙", 1, 0.5, 0.60)]
    picked = [run.take(pool, Counter(), count=False).hit.para_id for _ in range(3)]
    assert picked == ["乙#1", "甲#1", "丙#1"]  # by topic similarity, whatever the preference value
    assert run.take(pool, Counter(), count=False) is None


def test_a_sub_heading_is_taken_topic_first(run):
    run.used_ids.clear(), run.used_groups.clear()
    pool = [candidate("甲", 1, 2.0, 0.70, ("一、主要做法", "（一）强化组织领导，健全工作机构")),
            candidate("乙", 1, 0.2, 0.79, ("一、主要做法", "（二）优化就医环境，提升服务水平")),
            candidate("丙", 1, 3.0, 0.90, ("一、主要做法",))]  # most topical, but no theme sub-heading
    best = run.best_headed(pool, Counter(), set())
    assert best.hit.para_id == "乙#1"
    assert run.best_headed(pool, Counter(), {"优化就医环境，提升服务水平"}).hit.para_id == "甲#1"


class _FakeIndex:
    """Records the filters of each search; same-文种 hits come from 总结, the others from 意见."""

    dup_of: list = []

    def __init__(self):
        self.calls = []

    def search(self, query, k=10, filters=None, signals=(), section=None, **_):
        self.calls.append((filters.doctype, signals))
        doctype = "总结" if filters.doctype else "意见"
        return [Hit(doc_id=f"{doctype}{i}", para_id=f"{doctype}{i}#1", score=1.0 / (i + 1), title=doctype,
                    heading_path=(), role="主要做法", text=f"{doctype}第{i}篇：深入开展行风建设，推进各项工作落实。",
                    original="", source="", doctype=doctype, row=-1) for i in range(k)]


def test_the_template_doctype_is_a_preference_not_a_filter(monkeypatch):
    """Paragraphs of other 文种 are always candidates: a more topical 意见 paragraph beats a 总结 one."""
    fake = _FakeIndex()
    run = _Run(fake, load_templates(None)["工作总结"], "行风建设", (), ORG, YEAR, 0)
    cos = {"总结": 0.70, "意见": 0.80}
    monkeypatch.setattr(run, "topic_similarity", lambda hits: [cos[h.doctype] for h in hits])
    monkeypatch.setattr(run, "off_topic_floor", lambda: 0.6)
    monkeypatch.setattr(run, "value", lambda found, c, place: 1.0 + 0.15 * (found.hit.doctype == "总结"))
    pool, near = run.candidates("行风建设", ("主要做法",), "")
    assert {d for d, _ in fake.calls} == {("总结",), None}  # the same-文种 search does not stop the wide one
    assert {c.hit.doctype for c in pool} == {"总结", "意见"} and not near
    assert run.take(pool, Counter(), count=False).hit.doctype == "意见"
