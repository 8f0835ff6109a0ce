"""Fakes of outside services we cannot run here (an SMS gateway, group robots), for tests and the demo."""
