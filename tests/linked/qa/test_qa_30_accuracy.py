"""EarthQA accuracy: every question of the set answered over a store indexed from the simulated catalogue,
compared with its gold answer; >= 90 % exact answers, 100 % of the generated queries valid SPARQL."""

from __future__ import annotations

import pyoxigraph
import pytest
from earthqa_questions import REFERENCE, all_questions, build_store, gold

from ai4c.core.errors import BadInputError
from ai4c.pipelines.earthqa import Answerer
from ai4c.simulate.eo_catalog import site_products


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    products = site_products()
    answerer = Answerer(build_store(tmp_path_factory.mktemp("earthqa"), products))
    yield products, answerer
    answerer.close()


def _answered(q, answer) -> object:
    if q.kind == "count":
        return answer["count"]
    ids = [p["id"] for p in answer["products"]]
    return ids if q.kind in ("latest", "earliest", "least_cloudy") else set(ids)


def _judge(text, q, products, answerer) -> tuple[bool, str | None, str]:
    """(exact, generated query or None, why not) of one question."""
    try:
        answer = answerer.ask(text, REFERENCE)
    except BadInputError as exc:
        return q.kind == "error", None, f"error: {exc}"
    if q.kind == "error":
        return False, answer["sparql"], "answered instead of refusing"
    expected, got = gold(q, products), _answered(q, answer)
    if q.flagged and not any(q.flagged in note for note in answer["not_understood"]):
        return False, answer["sparql"], f"did not report '{q.flagged}': {answer['not_understood']}"
    if not q.flagged and answer["not_understood"]:
        return False, answer["sparql"], f"reported not understood: {answer['not_understood']}"
    why = "" if got == expected else f"expected {expected}, got {got}; {answer['interpretation']}"
    return got == expected, answer["sparql"], why


def test_question_set_is_large_and_varied():
    questions = all_questions()
    assert len(questions) >= 200
    kinds = {q.kind for _, q in questions}
    assert {"set", "count", "latest", "least_cloudy", "error"} <= kinds


def test_accuracy_over_the_question_set_and_every_query_is_valid_sparql(world):
    products, answerer = world
    results, queries = [], []
    empty_gold = 0
    for text, q in all_questions():
        exact, query, why = _judge(text, q, products, answerer)
        results.append((exact, text, why))
        if query is not None:
            queries.append(query)
        if q.kind == "set" and not gold(q, products):
            empty_gold += 1
    parser = pyoxigraph.Store()
    for query in queries:  # 100 % valid: pyoxigraph parses every generated query (SyntaxError otherwise)
        parser.query(query)
    score = sum(exact for exact, _, _ in results) / len(results)
    misses = "\n".join(f"  {text!r}: {why}" for exact, text, why in results if not exact)
    print(f"EarthQA accuracy: {score:.1%} of {len(results)} questions; {len(queries)} queries parsed")
    assert empty_gold >= 10  # the set holds questions that must return nothing
    assert score >= 0.9, f"accuracy {score:.1%}; misses:\n{misses}"



def test_the_shown_query_run_alone_gives_the_same_answer(world):
    """Answers with a place are computed from the R-tree's footprints given as a VALUES list; the query
    shown to the user (with the geometry filter) must give the same products when run on its own."""
    from ai4c.catalog.rdf import product_iri

    products, answerer = world
    checked = 0
    for text, q in all_questions():
        try:
            answer = answerer.ask(text, REFERENCE)
        except BadInputError:
            continue
        if answer["area"] is None:
            continue
        rows = list(answerer.store.query(answer["sparql"]))
        if q.kind == "count":
            assert (int(rows[0]["count"].value) if rows else 0) == answer["count"], text
        else:
            alone = [r["product"].value for r in rows]
            answered = [product_iri(p["id"]) for p in answer["products"]]
            assert len(alone) == answer["count"] and len(answered) == len(alone), text
            ordered = q.kind in ("latest", "earliest", "least_cloudy")
            assert (alone == answered) if ordered else (set(alone) == set(answered)), text
        checked += 1
    assert checked >= 100
    etna = answerer.gazetteer.lookup("Etna")[0].geometry.buffer(0.5)
    assert answerer.footprints(etna)  # the place questions above went through the VALUES path


def test_too_many_hits_fall_back_to_the_geometry_filter(world, monkeypatch):
    """Past MAX_FOOTPRINT_VALUES R-tree hits the shown query itself runs: the same answers."""
    import ai4c.pipelines.earthqa as earthqa

    _, answerer = world
    questions = ["Sentinel-1 images of Etna in March 2018", "how many Sentinel-1 products over Etna in 2021?",
                 "the least cloudy Sentinel-2 image of Rome in 2021", "Sentinel-1 images of Italy in March 2018"]
    through_values = [answerer.ask(q, REFERENCE) for q in questions]
    monkeypatch.setattr(earthqa, "MAX_FOOTPRINT_VALUES", 0)
    assert answerer.footprints(answerer.gazetteer.lookup("Etna")[0].geometry.buffer(0.5)) is None
    for question, expected in zip(questions, through_values, strict=True):
        answer = answerer.ask(question, REFERENCE)
        assert (answer["count"], answer["products"]) == (expected["count"], expected["products"]), question
    assert any(a["count"] for a in through_values)
