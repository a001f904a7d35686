"""One module per seed service. Importing this package declares which module registers each processing graph
(like entry points), so `ai4c graph show/run` imports only the service it needs; `ai4c.core` imports none."""

from ai4c.core.graph import declare_services

declare_services({
    "s1-grd": "ai4c.pipelines.s1_grd",
    "s1-slc": "ai4c.pipelines.s1_slc",
    "s1-cd": "ai4c.pipelines.s1_cd",
    "s2-pre": "ai4c.pipelines.s2_pre",
    "s2-cd": "ai4c.pipelines.s2_cd",
    "monthly-composite": "ai4c.pipelines.monthly_composite",
    "tile-classifier": "ai4c.pipelines.classify_tile",
    "aqgan": "ai4c.pipelines.aqgan",
})
