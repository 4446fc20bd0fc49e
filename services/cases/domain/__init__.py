"""Case domain: pure rules of running a case along its published flow."""
