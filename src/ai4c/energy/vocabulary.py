"""One documented vocabulary of generation types and statuses for every plant registry we read.

Registries spell fuels and technologies their own way (JRC `type_g` "Fossil Hard coal", OPSD
`energy_source` "Hard coal", powerplantmatching `Fueltype` "Hard Coal" + `Technology`); users filter by
one set of names (`--type wind_offshore,...`), listed in docs/energy.md.
"""

from __future__ import annotations

import re

from ai4c.core.errors import InvalidParameterError

TYPES: dict[str, str] = {
    "wind_offshore": "wind turbines at sea",
    "wind_onshore": "wind turbines on land",
    "solar": "photovoltaic and solar thermal",
    "hydro_reservoir": "hydro with a storage reservoir",
    "hydro_run_of_river": "run-of-river and pondage hydro",
    "hydro_pumped_storage": "pumped-storage hydro",
    "nuclear": "nuclear fission",
    "hard_coal": "hard coal (anthracite, bituminous)",
    "lignite": "brown coal / lignite",
    "gas": "natural gas (CCGT, OCGT, steam, engines)",
    "coal_derived_gas": "coke-oven, blast-furnace and other coal-derived gases",
    "oil": "fuel oil, diesel",
    "oil_shale": "oil shale",
    "peat": "peat",
    "biomass": "solid/liquid biomass and biogas",
    "waste": "municipal and industrial waste",
    "geothermal": "geothermal",
    "marine": "tidal and wave",
    "other": "anything the registry does not classify further",
}

STATUSES = ("operating", "decommissioned", "reserve", "mothballed", "construction", "planned", "unknown")

# normalised registry label -> vocabulary type; keys are lower case with single spaces
_JRC = {
    "wind offshore": "wind_offshore", "wind onshore": "wind_onshore", "solar": "solar",
    "hydro water reservoir": "hydro_reservoir", "hydro run-of-river and poundage": "hydro_run_of_river",
    "hydro pumped storage": "hydro_pumped_storage", "nuclear": "nuclear", "fossil hard coal": "hard_coal",
    "fossil brown coal/lignite": "lignite", "fossil gas": "gas", "fossil coal-derived gas": "coal_derived_gas",
    "fossil oil": "oil", "fossil oil shale": "oil_shale", "fossil peat": "peat", "biomass": "biomass",
    "waste": "waste", "geothermal": "geothermal", "marine": "marine", "other": "other",
    "other renewable": "other",
}
# OPSD energy_source and powerplantmatching Fueltype labels (technology refines wind and hydro)
_FUELS = {
    "hard coal": "hard_coal", "lignite": "lignite", "natural gas": "gas", "gas": "gas", "oil": "oil",
    "nuclear": "nuclear", "biomass and biogas": "biomass", "bioenergy": "biomass", "biomass": "biomass",
    "solid biomass": "biomass", "biogas": "biomass", "waste": "waste", "geothermal": "geothermal",
    "solar": "solar", "marine": "marine", "other fuels": "other", "other": "other",
    "other or unspecified energy sources": "other", "oil shale": "oil_shale", "peat": "peat",
    "mixed fossil fuels": "other", "coal derived gas": "coal_derived_gas", "hydro": "hydro_run_of_river",
    "wind": "wind_onshore",
}
_TECH = {
    "offshore": "wind_offshore", "onshore": "wind_onshore", "reservoir": "hydro_reservoir",
    "run-of-river": "hydro_run_of_river", "run of river": "hydro_run_of_river",
    "pumped storage": "hydro_pumped_storage", "pumped-storage": "hydro_pumped_storage",
}
_STATUS = {
    "commissioned": "operating", "operating": "operating", "production": "operating", "operational": "operating",
    "decommissioned": "decommissioned", "dismantled": "decommissioned", "reserve": "reserve",
    "mothballed": "mothballed", "construction": "construction", "under construction": "construction",
    "planned": "planned", "approved": "planned", "authorised": "planned", "consent authorised": "planned",
    "consent application submitted": "planned", "concept/early planning": "planned", "": "unknown",
}


def _key(label: object) -> str:
    """Registry label folded for lookup: lower case, single spaces."""
    return re.sub(r"\s+", " ", str(label or "").strip().lower())


def jrc_type(label: object) -> str:
    """Vocabulary type of a JRC-PPDB `type_g` label (case variants such as 'Fossil Hard Coal' included)."""
    return _JRC.get(_key(label), "other")


def fuel_type(fuel: object, technology: object = "") -> str:
    """Vocabulary type of an OPSD / powerplantmatching fuel with its technology (wind and hydro split by it)."""
    base = _FUELS.get(_key(fuel), "other")
    tech = _key(technology)
    for word, refined in _TECH.items():
        if word in tech and refined.split("_")[0] == base.split("_")[0]:
            return refined
    return base


def status(label: object) -> str:
    """Vocabulary status of a registry or EMODnet status label."""
    return _STATUS.get(_key(label), "unknown")


def check_types(names: list[str]) -> list[str]:
    """Validate a `--type` list against the vocabulary."""
    unknown = [n for n in names if n not in TYPES]
    if unknown:
        raise InvalidParameterError(f"--type {','.join(unknown)} unknown; use any of: {', '.join(TYPES)}")
    return names
