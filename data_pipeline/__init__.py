"""Modality-bridging cold-start data generation: engines, the four steps, journal, filters, stats."""
