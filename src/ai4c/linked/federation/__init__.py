"""Federated SPARQL (Semagrow-like): statistics, source selection, planning and local evaluation over many sources."""

from ai4c.linked.federation.engine import Federation, FederationError, Plan
from ai4c.linked.federation.sources import EndpointSource, LocalSource, Source, SourceError
from ai4c.linked.federation.summary import Summary, summarize
from ai4c.linked.federation.vocabulary import Vocabulary, VocabularyError

__all__ = ["EndpointSource", "Federation", "FederationError", "LocalSource", "Plan", "Source", "SourceError",
           "Summary", "Vocabulary", "VocabularyError", "summarize"]
