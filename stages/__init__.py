"""One module per stage kind: turns a stage config into work (a verl launch, a pipeline run)."""
