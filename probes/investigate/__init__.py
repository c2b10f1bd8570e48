"""The guide's investigation, read from the backends: one section per step, each part timed
out on its own (base.py), from the simulated cluster (simulated.py) or live backends."""
