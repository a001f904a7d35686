"""Demo sections, one per service, discovered by `ai4c.demo.report`."""
