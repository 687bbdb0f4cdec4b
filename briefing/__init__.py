"""briefing: a local-first daily news briefing."""
