import pytest

from ai4c.core.errors import InvalidParameterError
from ai4c.core.graph import OPERATORS, Context, Graph, Step, operator


@pytest.fixture
def ops():
    @operator("Test-Add")
    def add(data, ctx, amount: float = 1.0):
        return (data or 0) + amount

    @operator("Test-Scale")
    def scale(data, ctx, factor: float = 2.0):
        ctx.warnings.append("scaled")
        return data * factor

    yield
    OPERATORS.pop("Test-Add")
    OPERATORS.pop("Test-Scale")


def test_graph_yaml_roundtrip_and_run(ops):
    graph = Graph("t", [Step("Test-Add", {"amount": 3}), Step("Test-Scale")])
    text = graph.to_yaml()
    assert "factor: 2.0" in text
    again = Graph.from_yaml(text)
    ctx = Context()
    assert again.run(ctx) == 6.0
    assert ctx.warnings == ["scaled"]
    assert again.without("Test-Scale").run(Context()) == 3


def test_graph_errors(ops):
    with pytest.raises(InvalidParameterError, match="no parameter nope"):
        Graph.from_yaml("steps:\n  - operator: Test-Add\n    parameters: {nope: 1}\n")
    with pytest.raises(InvalidParameterError, match="unknown operator"):
        Graph.from_yaml("steps:\n  - operator: Missing\n")
    with pytest.raises(InvalidParameterError, match="YAML"):
        Graph.from_yaml("steps: [\n")
