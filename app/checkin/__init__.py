"""QR check-in and check-out, attendance and verified hours, service certificates."""
