"""The bottom layer every part shares: settings, and the interface contract (interface specs and code tables,
check digits, month arithmetic and the arrival calendar, validation rule names and labels, the manual-entry
template). Imports nothing of the project."""
