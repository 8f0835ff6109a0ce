"""Fakes of outside services we cannot run here (an SMS gateway, group robots, WeChat's API), for tests and the demo."""
