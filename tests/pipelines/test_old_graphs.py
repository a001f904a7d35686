"""Graph files written by `ai4c graph show` before the operators took SNAP's names still load and run the same
chain (old operator and parameter names are renamed, with a warning naming the new ones)."""

from __future__ import annotations

import ai4c.pipelines  # noqa: F401  (declares the services)
from ai4c.core import log
from ai4c.core.graph import Graph

OLD_S1 = """graph: s1-grd
steps:
- operator: Read-S1-GRD
  parameters: {polarization: VH, aoi: null, chunk: 1024}
- operator: Apply-Orbit-File
- operator: ThermalNoiseRemoval
- operator: Calibration
  parameters: {output: Gamma}
- operator: Speckle-Filter
  parameters: {filter: Refined Lee, window_size: 7}
- operator: Terrain-Correction
- operator: S1-Land-Sea-Mask
  parameters: {mask: None}
- operator: LinearToFromdB
  parameters: {apply: true}
- operator: Write-S1-GRD
  parameters: {output_format: GeoTIFF, quicklook: false}
"""

OLD_TILE_CLASSIFIER = """graph: tile-classifier
steps:
- operator: crop-read-inputs
- operator: crop-classify
  parameters: {block: 512, batch: 16384}
- operator: crop-postprocess
  parameters: {majority_size: 5, min_patch: 10}
- operator: crop-write-map
  parameters: {quicklook: true}
"""


def test_old_s1_graph_loads_with_new_names():
    with log.collect_warnings() as seen:
        graph = Graph.from_yaml(OLD_S1)
    assert [s.operator for s in graph.steps] == [
        "Read", "Apply-Orbit-File", "ThermalNoiseRemoval", "Calibration", "Speckle-Filter", "Terrain-Correction",
        "Land-Sea-Mask", "LinearToFromdB", "Write"]
    p = graph.parameters()
    assert (p.polarization, p.calibration, p.speckle, p.landseamask, p.linear_to_db) == (
        "VH", "Gamma", "Refined Lee", "None", True)
    assert "operator Read-S1-GRD of graph s1-grd is now called Read; rename it in the graph file" in seen
    assert "parameter filter of Speckle-Filter is now called speckle; rename it in the graph file" in seen


def test_old_tile_classifier_graph_loads():
    graph = Graph.from_yaml(OLD_TILE_CLASSIFIER)
    assert [s.operator for s in graph.steps] == ["Read", "Classify", "Clean-Map", "Write"]
    p = graph.parameters()
    assert (p.block, p.majority_size, p.quicklook) == (512, 5, True)
