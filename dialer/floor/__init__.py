"""The floor: a rep's session and a call's outcome, written by the engine and the console.

Both import this package and neither imports the other: the engine moves reps to
reserved, on_call and wrap_up and records a simulated rep's outcomes here; the console does
the same for a person at the page.
"""
