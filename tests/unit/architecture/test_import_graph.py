"""The product's modules import each other without cycles (a cycle of one module is fine).

A cycle is what the function-local `from dialer.app import …` lines used to hold together;
this test reads the source, so a cycle that comes back, hidden in a function or not,
fails here with the modules that form it.
"""

from __future__ import annotations

from tests.unit.architecture.imports import import_graph, product_modules, strongly_connected


def test_no_import_cycle_among_the_product_modules() -> None:
    cycles = [component for component in strongly_connected(import_graph()) if len(component) > 1]
    assert cycles == [], f"import cycles: {cycles}"


def test_the_graph_covers_every_product_package() -> None:
    graph = import_graph()
    assert "dialer.app" in graph and "campaigns.pacing" in graph and "revenue.split" in graph
    # the app wires the features: its edges are read (a reader that saw no edge would
    # make the cycle test pass on anything)
    assert {"dialer.keys", "dialer.engine.service", "dialer.console.routes"} <= graph["dialer.app"]


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    components = sorted(strongly_connected(graph))
    assert ["a", "b", "c"] in components
    assert ["d"] in components and ["e"] in components


def test_only_the_cli_and_the_demo_import_the_app() -> None:
    graph = import_graph()
    importers = sorted(name for name, imported in graph.items() if "dialer.app" in imported)
    assert importers == ["dialer.cli", "dialer.demo"] or all(
        name.startswith("dialer.cli") or name == "dialer.demo" for name in importers
    ), importers
    assert set(product_modules()) >= set(importers)
