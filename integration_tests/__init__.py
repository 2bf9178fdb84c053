"""End-to-end tests and the local Pinterest API emulator they run against."""
