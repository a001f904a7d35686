"""ai4c.pipelines."""
