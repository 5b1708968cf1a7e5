"""How the service runs as processes: web and worker roles, campaign leases, the event
loop's health."""
