"""`make demo`: simulate products, run the services on them, and write an HTML report with pictures.

Each module in `ai4c.demo.sections` defines `ORDER`, `TITLE` and `run(workdir) -> Section`.
"""
