"""The service layer: the one eventsourcing Application, the staff actions, input schemas and the
reference files (teams, challenges, rulebook) it applies."""
