"""The users suite runs against both servers through the rig's ``server`` fixture."""
