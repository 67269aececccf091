"""Small widgets and helpers shared by every page of the Qt shell."""
