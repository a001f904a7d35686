"""Question answering over EO metadata (EarthQA): gazetteer, question parsing, query generation."""
