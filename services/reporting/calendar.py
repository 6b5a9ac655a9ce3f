"""The program's calendar: dates in reports are days in Los Angeles."""

from zoneinfo import ZoneInfo

PROGRAM_ZONE = ZoneInfo("America/Los_Angeles")
