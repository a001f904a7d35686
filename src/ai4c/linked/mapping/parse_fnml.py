"""RML-FNML: `rml:functionExecution` term maps (function, inputs, the output to return) and `rml:condition`,
checked against the function library when the mapping is read."""

from __future__ import annotations

from ai4c.linked.mapping.fnml_library import LIBRARY, OPTIONAL
from ai4c.linked.mapping.model import Execution, TermMap


def _constant_or_map(parser, node, local: str, what: str) -> str | None:
    """The IRI given by `rml:local` or by the constant of `rml:localMap` (FNML's shortcut and its map)."""
    from ai4c.linked.mapping.parse import MappingError, _name

    value = parser.g.get(node, local)
    if value is None:
        map_node = parser.g.get(node, local + "Map")
        if map_node is None:
            return None
        value = parser.g.get(map_node, "constant")
        if value is None:
            raise MappingError(f"{what} map {_name(map_node)} of {_name(node)} is not constant; "
                               f"give rml:{local} an IRI")
    return value.value


def parse_execution(parser, node, returned: str | None) -> Execution:
    """A function execution node and the output asked of it (rml:return), validated against the library."""
    from ai4c.linked.mapping.parse import MappingError, _name

    function = _constant_or_map(parser, node, "function", "function")
    if function is None:
        raise MappingError(f"function execution {_name(node)} has no rml:function; name the function")
    spec = LIBRARY.get(function)
    if spec is None:
        raise MappingError(f"function <{function}> of execution {_name(node)} is unknown; the FNML functions "
                           "known are GREL (grel:), IDLab (idlab-fn:) and GeoTriples' (rrxf:) ones")
    inputs = []
    for item in parser.g.all(node, "input"):
        parameter = _constant_or_map(parser, item, "parameter", "parameter")
        if parameter not in spec.parameters:
            raise MappingError(f"rml:parameter <{parameter}> of execution {_name(node)} is not a parameter "
                               f"of <{function}> (it takes {', '.join(spec.parameters) or 'none'})")
        inputs.append((parameter, _input_map(parser, item)))
    missing = set(spec.parameters) - OPTIONAL - {p for p, _ in inputs}
    if missing:
        raise MappingError(f"execution {_name(node)} of <{function}> gives no value for parameter "
                           f"<{sorted(missing)[0]}>; add an rml:input")
    output = returned or spec.outputs[0]
    if output not in spec.outputs:
        raise MappingError(f"rml:return <{output}> is not an output of <{function}> (it returns "
                           f"{', '.join(spec.outputs)}); fix the return of {_name(node)}")
    return Execution(function, inputs, output)


def _input_map(parser, item) -> TermMap:
    """The term map of an rml:input: rml:inputValueMap, or the rml:inputValue constant."""
    from ai4c.linked.mapping.parse import MappingError, _name

    value_map = parser.g.get(item, "inputValueMap")
    if value_map is not None:
        return parser.term_map(value_map, "object")
    constant = parser.g.get(item, "inputValue")
    if constant is None:
        raise MappingError(f"rml:input {_name(item)} has no rml:inputValue or rml:inputValueMap; give one")
    return TermMap(kind="constant", term_type="literal", constant=constant, node=_name(item))


def function_term_map(parser, node, tm: TermMap) -> bool:
    """Fill `tm` as an FNML term map when `node` has rml:functionExecution; False when it has none."""
    execution = parser.g.get(node, "functionExecution")
    if execution is None:
        return False
    tm.kind = "fnml"
    tm.execution = parse_execution(parser, execution, _constant_or_map(parser, node, "return", "return"))
    return True


def condition(parser, node) -> TermMap | None:
    """The rml:condition of a term map (a boolean function term map): no term where it is not true."""
    cond = parser.g.get(node, "condition")
    return parser.term_map(cond, "object") if cond is not None else None
