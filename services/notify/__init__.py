"""notify: SLA clocks, warnings (预警) and escalations (督办), notifications out, and the three targets."""
