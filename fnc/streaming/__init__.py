"""Form files: reading and writing Delphi DFM/LFM/FMX streams (in progress)."""
